import CiblageSupport
import Benchmark
import BenchmarkSupport
import ControlQueue
import ControlQueueSQLite
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

/// The hot paths of Ciblage. Sizes are set by CIBLAGE_BENCH_ROWS (default 200 000 rows × 40 columns).
/// Allocation gates: the Newton iteration and the scoring kernel must not allocate after warm-up
/// (`maxAllocations` below, checked by scripts/check-benchmark-allocations.py in CI).
enum Fixture {
    static let rows = Int(ProcessInfo.processInfo.environment["CIBLAGE_BENCH_ROWS"] ?? "") ?? 200_000
    static let columns = 40
    static let directory: URL = {
        let d = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ciblage-bench-\(rows)")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    /// A dense logistic data set drawn from fixed coefficients (deterministic).
    static let data: TrainingData = {
        var g = SplitMix64(seed: 42)
        var x = Matrix(rows: rows, columns: columns + 1)
        var y = [Double](repeating: 0, count: rows)
        let beta = (0...columns).map { $0 == 0 ? -1.0 : (Double($0 % 7) - 3) / 10 }
        for i in 0..<rows {
            x[i, 0] = 1
            var eta = beta[0]
            for j in 1...columns { let v = (g.normal() * 1e5).rounded() / 1e5; x[i, j] = v; eta += beta[j] * v }
            y[i] = g.uniform() < 1 / (1 + exp(-eta)) ? 1 : 0
        }
        let encoding = DesignEncoding(features: (1...columns).map { FeatureEncoding(name: "x\($0)", kind: .numeric) })
        return TrainingData(design: x, target: y, encoding: encoding, targetName: "y")
    }()

    /// The same data as a CSV file, written once.
    static let csv: String = {
        let path = directory.appendingPathComponent("data.csv").path
        if FileManager.default.fileExists(atPath: path) { return path }
        var b = ByteBuffer(capacity: rows * columns * 10)
        b.append("y," + (1...columns).map { "x\($0)" }.joined(separator: ",") + "\n")
        for i in 0..<rows {
            b.append(Int(data.target[i]))
            for j in 1...columns { b.comma(); b.append(data.design[i, j], decimals: 5) }
            b.newline()
        }
        FileManager.default.createFile(atPath: path, contents: Data(b.bytes))
        return path
    }()

    static var csvBytes: Int { (try? FileManager.default.attributesOfItem(atPath: csv)[.size] as? Int) ?? 0 }

    static let model: ModelArtifact = try! LogisticRegression.model(data)

    /// A simulated CAF population (as many dossiers as `rows`) and a two-part model trained on a
    /// random sample of it: the input of queue planning.
    static let planning: (population: String, model: ModelArtifact) = {
        let population = directory.appendingPathComponent("population.csv").path, sample = directory.appendingPathComponent("pbdf.csv").path
        if !FileManager.default.fileExists(atPath: population) {
            _ = try! PopulationSimulator.run(SimulationOptions(dossiers: rows, seed: 7, candidates: 0, randomSample: min(7000, rows / 4)),
                                             outputs: SimulationOutputs(population: population, randomSample: sample))
        }
        var table = try! TableSpec(spec: PopulationSimulator.featureSpec(candidates: 0))
        table.amount = "montant_indu"
        return (population, try! LogisticRegression.model(try! TrainingData.read(path: sample, spec: table)))
    }()

    static let campaign = Campaign(name: "bench", model: "m.json", channels: [
        ChannelSpec(name: .surPieces, capacity: 2000, detectionFactor: 0.6), ChannelSpec(name: .surPlace, capacity: 200, detectionFactor: 1)],
        threshold: 0, exploration: 0.1, cooldownColumn: "mois_depuis_dernier_controle", cooldownMonths: 12, seed: 1)
}

let benchmarks: @Sendable () -> Void = {
    let timed = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                                        warmupIterations: 1, scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 20)
    let gated = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .instructions],
                                        warmupIterations: 2, scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 30)

    Benchmark("CSV parsing", configuration: timed) { benchmark in
        let path = Fixture.csv
        benchmark.startMeasurement()
        let reader = try CSVReader(path: path)
        var sum = 0.0
        while try reader.next() { for j in 0..<reader.fieldCount { sum += try reader.number(j) } }
        blackHole(sum)
    }

    Benchmark("CSV parsing (2 threads)", configuration: timed) { benchmark in
        let path = Fixture.csv
        benchmark.startMeasurement()
        blackHole(try sumOfEveryField(path: path, threads: 2))
    }

    Benchmark("Encoding (CSV to design matrix)", configuration: timed) { benchmark in
        let path = Fixture.csv
        benchmark.startMeasurement()
        blackHole(try TrainingData.read(path: path, spec: TableSpec(target: "y")))
    }

    Benchmark("Weighted Gram XᵀWX", configuration: timed) { benchmark in
        let x = Fixture.data.design
        let w = (0..<x.rows).map { Double($0 % 5 + 1) / 5 }
        benchmark.startMeasurement()
        blackHole(try weightedGram(x, weights: w))
    }

    // One Newton iteration: a derivatives pass over X plus the Cholesky solve. Gated: no allocation.
    let solver = UncheckedSendable(try! NewtonSolver(x: Fixture.data.design, y: Fixture.data.target, w: nil, threads: 1))
    let beta = UnsafeMutablePointer<Double>.allocate(capacity: Fixture.columns + 1)
    beta.initialize(repeating: 0, count: Fixture.columns + 1)
    let betaBox = UncheckedSendable(beta)
    Benchmark("Newton iteration (1 thread)", configuration: gated) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(solver.value.evaluate(betaBox.value, derivatives: .hessian))
            blackHole(solver.value.newtonDirection(beta: betaBox.value, lambda: 0))
        }
    }

    let solver2 = UncheckedSendable(try! NewtonSolver(x: Fixture.data.design, y: Fixture.data.target, w: nil, threads: 2))
    Benchmark("Newton iteration (2 threads)", configuration: gated) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(solver2.value.evaluate(betaBox.value, derivatives: .hessian))
            blackHole(solver2.value.newtonDirection(beta: betaBox.value, lambda: 0))
        }
    }

    Benchmark("Full fit", configuration: timed) { benchmark in
        blackHole(try LogisticRegression.model(Fixture.data))
    }

    // The scoring kernel over the in-memory design matrix. Gated: no allocation.
    let out = UnsafeMutablePointer<Double>.allocate(capacity: Fixture.rows)
    let outBox = UncheckedSendable(out)
    let coefficients = UncheckedSendable(Fixture.model.estimates)
    Benchmark("Scoring kernel", configuration: gated) { benchmark in
        for _ in benchmark.scaledIterations {
            Fixture.data.design.storage.withUnsafeBufferPointer { x in
                coefficients.value.withUnsafeBufferPointer { b in
                    Scorer.scoreRows(x.baseAddress!, rows: Fixture.rows, columns: Fixture.columns + 1, coefficients: b.baseAddress!, into: outBox.value)
                }
            }
            blackHole(outBox.value[0])
        }
    }

    // Reported, not gated: two workers on row ranges (Dispatch allocates per parallel pass).
    Benchmark("Scoring kernel (2 threads)", configuration: gated) { benchmark in
        for _ in benchmark.scaledIterations {
            Fixture.data.design.storage.withUnsafeBufferPointer { x in
                coefficients.value.withUnsafeBufferPointer { b in
                    Scorer.scoreRows(x.baseAddress!, rows: Fixture.rows, columns: Fixture.columns + 1, coefficients: b.baseAddress!,
                                     into: outBox.value, threads: 2)
                }
            }
            blackHole(outBox.value[0])
        }
    }

    Benchmark("Memory read baseline (2 threads)", configuration: gated) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Fixture.data.design.storage.withUnsafeBufferPointer { memoryReadSum($0, threads: 2) })
        }
    }

    // The machine's read rate over the same bytes: the bound of a memory-bound kernel.
    Benchmark("Memory read baseline (SIMD sum)", configuration: gated) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Fixture.data.design.storage.withUnsafeBufferPointer { memoryReadSum($0) })
        }
    }

    Benchmark("Streaming scoring (CSV to scores)", configuration: timed) { benchmark in
        let path = Fixture.csv, model = Fixture.model
        let output = Fixture.directory.appendingPathComponent("scores.csv").path
        benchmark.startMeasurement()
        try Scorer.score(model: model, input: path, output: output)
    }

    // Queue planning: score every dossier of the population, draw the random share, rank by expected value.
    Benchmark("Queue planning", configuration: timed) { benchmark in
        let (population, model) = Fixture.planning
        benchmark.startMeasurement()
        blackHole(try Planner.plan(campaign: Fixture.campaign, model: model, population: population))
    }

    // Queue pulls: 200 `next` calls on a SQLite store holding a 2,200-item plan (each one a
    // transaction with its lease and its audit entry).
    Benchmark("Queue pulls (200 next, SQLite)", configuration: timed) { benchmark in
        let (population, model) = Fixture.planning
        let items = try Planner.plan(campaign: Fixture.campaign, model: model, population: population).items
        let path = Fixture.directory.appendingPathComponent("queue-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteQueueStore(path: path)
        _ = try store.plan(campaign: "bench", modelChecksum: "x", items: items, actor: "bench")
        benchmark.startMeasurement()
        for k in 0..<200 {
            blackHole(try store.next(controller: "c\(k % 8)", channel: nil, sector: nil, lease: 3600, now: Date()))
        }
    }
}
