import CiblageSupport
import BenchmarkSupport
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

// Phase timings on one CSV file, for `benchmarks/peers/peers.py`: the in-process figures printed as
// JSON next to the peers'. read: CSV to design matrix; fit: Newton to the optimum; kernel: scoring the
// in-memory matrix (best of --repeats); parse: tokenising and parsing every field; memoryRead: one
// plain read of the design matrix on the same threads (the machine's limit for the kernel).
//
// --passes adds the solver's own floor: one evaluation over all rows with the Hessian, with the
// gradient alone, and with ℓ alone, at the optimum (best of --repeats), and the fit's best of
// --repeats ("fitBest"), so that a fit's time can be read as a count of passes.
//
//   ciblage-timings --data FILE.csv [--target y] [--repeats 3] [--threads N] [--parse-only] [--passes]

struct Arguments {
    var data = ""
    var target = "y"
    var repeats = 3
    var threads = Parallelism.defaultThreads
    var parseOnly = false
    var passes = false

    init(_ arguments: [String]) {
        var rest = arguments[...]
        func value(_ flag: String) -> String {
            guard let v = rest.popFirst() else { fail("\(flag) needs a value") }
            return v
        }
        while let a = rest.popFirst() {
            switch a {
            case "--data": data = value(a)
            case "--target": target = value(a)
            case "--repeats": repeats = whole(value(a), in: 1...1000, a)
            case "--threads": threads = whole(value(a), in: 1...256, a)
            case "--parse-only": parseOnly = true
            case "--passes": passes = true
            default: fail("unknown argument '\(a)'")
            }
        }
        if data.isEmpty { fail("--data FILE.csv is required") }
    }
}

func whole(_ text: String, in range: ClosedRange<Int>, _ flag: String) -> Int {
    guard let v = Int(text), range.contains(v) else { fail("\(flag) takes a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'") }
    return v
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ciblage-timings: \(message)\n".utf8))
    exit(1)
}

func run(_ arguments: Arguments) throws {
    let data = arguments.data, target = arguments.target, repeats = arguments.repeats
    let threads = arguments.threads, parseOnly = arguments.parseOnly
    let clock = ContinuousClock()
    func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = clock.now
        let value = try body()
        let d = clock.now - start
        return (value, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }
    var parse = Double.infinity
    for _ in 0..<max(1, repeats) {
        let (_, t) = try time { try sumOfEveryField(path: data, threads: threads) }
        parse = min(parse, t)
    }
    if parseOnly {
        print(String(decoding: try JSONSerialization.data(withJSONObject: ["parse": parse], options: [.sortedKeys]), as: UTF8.self))
        return
    }
    var spec = TableSpec(target: target)
    spec.threads = threads
    let (table, read) = try time { try TrainingData.read(path: data, spec: spec) }
    let (model, fit) = try time { try LogisticRegression.model(table, options: LogisticRegressionOptions(threads: threads)) }
    let workers = threads
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
    var report: [String: Any] = result
    if arguments.passes {
        var fitBest = fit
        for _ in 1..<max(1, repeats) {
            let (_, t) = try time { try LogisticRegression.model(table, options: LogisticRegressionOptions(threads: threads)) }
            fitBest = min(fitBest, t)
        }
        let solver = try NewtonSolver(x: table.design, y: table.target, w: table.weights, threads: threads)
        var pass: [String: Double] = [:]
        for (name, derivatives) in [("hessian", NewtonSolver.Derivatives.hessian), ("singlePrecisionHessian", .singlePrecisionHessian), ("gradient", .gradient), ("value", .none)] {
            var best = Double.infinity
            for _ in 0..<max(1, repeats) {
                let (_, t) = beta.withUnsafeBufferPointer { b in time { solver.evaluate(b.baseAddress!, derivatives: derivatives) } }
                best = min(best, t)
            }
            pass[name] = best
        }
        report["fitBest"] = fitBest
        let fitPasses = try LogisticRegression.fit(table, options: LogisticRegressionOptions(threads: threads)).passes
        report["fitPasses"] = ["hessian": fitPasses.hessian, "singlePrecisionHessian": fitPasses.singlePrecisionHessian,
                               "gradient": fitPasses.gradient, "value": fitPasses.value, "subsample": fitPasses.subsample]
        report["pass"] = pass
    }
    report["blasKernels"] = OpenBLAS.kernelChoice.inUse
    report["blasKernelsDetected"] = OpenBLAS.kernelChoice.detected
    let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}

do { try run(Arguments(Array(CommandLine.arguments.dropFirst()))) } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
