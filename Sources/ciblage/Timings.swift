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
                let reader = try CSVReader(path: data)
                var s = 0.0
                while try reader.next() { for j in 0..<reader.fieldCount { s += try reader.number(j) } }
                return s
            }
            parse = min(parse, t)
        }
        let (table, read) = try time { try TrainingData.read(path: data, spec: TableSpec(target: target)) }
        let (model, fit) = try time { try LogisticRegression.fit(table, options: LogisticRegressionOptions(threads: try threads.resolved())) }
        var kernel = Double.infinity
        let beta = model.estimates
        var out = [Double](repeating: 0, count: table.design.rows)
        for _ in 0..<max(1, repeats) {
            let (_, t) = time {
                table.design.storage.withUnsafeBufferPointer { x in
                    beta.withUnsafeBufferPointer { b in
                        out.withUnsafeMutableBufferPointer { o in
                            Scorer.scoreRows(x.baseAddress!, rows: table.design.rows, columns: table.design.columns, coefficients: b.baseAddress!, into: o.baseAddress!)
                        }
                    }
                }
            }
            kernel = min(kernel, t)
        }
        var readRate = Double.infinity
        for _ in 0..<max(1, repeats) {
            let (_, t) = time { table.design.storage.withUnsafeBufferPointer { memoryReadSum($0) } }
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
