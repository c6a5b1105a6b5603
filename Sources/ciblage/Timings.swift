import ArgumentParser
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

/// Phase timings on one CSV file, for `benchmarks/peers/` (in-process figures next to the peers').
struct Timings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the phases of the hot path on a CSV file and print them as JSON (used by benchmarks/peers).",
        discussion: "read: CSV to design matrix; fit: Newton to the optimum; kernel: scoring the in-memory matrix (best of --repeats); parse: tokenising and parsing every field."
    )

    @Option(help: "CSV file with a 0/1 target and numeric features.")
    var data: String

    @Option(help: "Target column.")
    var target: String = "y"

    @Option(help: "Repetitions of the scoring kernel and parse timings (the best is reported).")
    var repeats: Int = 3

    @Flag(help: "Time the parse phase only (for profiling the reader).")
    var parseOnly = false

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let clock = ContinuousClock()
        func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
            let start = clock.now
            let value = try body()
            let d = clock.now - start
            return (value, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        var parse = Double.infinity
        for _ in 0..<max(1, repeats) {
            let (_, t) = try time { () throws -> Double in
                let reader = try CSVBlockReader(path: data)
                var s = 0.0
                try reader.forEachBlock(threads: try threads.resolved(), parse: { block -> Double in
                    var part = 0.0
                    while try block.next() { for j in 0..<block.fieldCount { part += try block.number(j) } }
                    return part
                }) { s += $0 }
                return s
            }
            parse = min(parse, t)
        }
        if parseOnly {
            print(String(decoding: try JSONSerialization.data(withJSONObject: ["parse": parse], options: [.sortedKeys]), as: UTF8.self))
            return
        }
        var spec = TableSpec(target: target)
        spec.threads = try threads.resolved()
        let (table, read) = try time { try TrainingData.read(path: data, spec: spec) }
        let (model, fit) = try time { try LogisticRegression.fit(table, options: LogisticRegressionOptions(threads: try threads.resolved())) }
        let workers = try threads.resolved()
        var kernel = Double.infinity
        let beta = model.estimates
        var out = [Double](repeating: 0, count: table.design.rows)
        for _ in 0..<max(1, repeats) {
            let (_, t) = time {
                table.design.storage.withUnsafeBufferPointer { x in
                    beta.withUnsafeBufferPointer { b in
                        out.withUnsafeMutableBufferPointer { o in
                            Scorer.scoreRows(x.baseAddress!, rows: table.design.rows, columns: table.design.columns, coefficients: b.baseAddress!,
                                             into: o.baseAddress!, threads: workers)
                        }
                    }
                }
            }
            kernel = min(kernel, t)
        }
        var readRate = Double.infinity
        for _ in 0..<max(1, repeats) {
            let (_, t) = time { table.design.storage.withUnsafeBufferPointer { memoryReadSum($0, threads: workers) } }
            readRate = min(readRate, t)
        }
        let result: [String: Double] = [
            "parse": parse, "read": read, "fit": fit, "kernel": kernel, "memoryRead": readRate,
            "rows": Double(table.design.rows), "columns": Double(table.design.columns),
            "logLikelihood": model.fit.logLikelihood, "iterations": Double(model.fit.iterations), "scoreSum": out.reduce(0, +),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
