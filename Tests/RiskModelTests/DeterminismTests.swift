import Foundation
import Synchronization
import Testing
@testable import Dossiers
import LinearAlgebra
@testable import RiskModel

/// Same input, same bytes out, whatever the thread count (1, 2 and more than the cores).
@Suite(.serialized) struct DeterminismTests {
    @Test func coefficientsAndModelBytesAreIdenticalAcrossThreadCounts() throws {
        // 150 000 rows: many row segments, so threads really split the work differently.
        let data = simulatedData(rows: 150_000, features: 8, seed: 42)
        let one = try LogisticRegression.model(data, options: LogisticRegressionOptions(threads: 1))
        let two = try LogisticRegression.model(data, options: LogisticRegressionOptions(threads: 2))
        let five = try LogisticRegression.model(data, options: LogisticRegressionOptions(threads: 5))
        #expect(one.estimates.map(\.bitPattern) == two.estimates.map(\.bitPattern))
        #expect(one.estimates.map(\.bitPattern) == five.estimates.map(\.bitPattern))
        #expect(try one.encoded() == two.encoded())
        #expect(try one.encoded() == five.encoded())
    }

    /// Suites run in parallel: another task may set the OpenBLAS thread count, or leave its own
    /// single-threaded section, while this fit is mid-pass. The fit's bytes must not change.
    @Test func modelBytesDoNotDependOnAnotherTaskChangingTheOpenBLASThreadCount() throws {
        let data = simulatedData(rows: 150_000, features: 8, seed: 43)
        let options = LogisticRegressionOptions(threads: 2)
        let reference = try LogisticRegression.model(data, options: options).encoded()
        let saved = OpenBLAS.threadCount
        defer { OpenBLAS.threadCount = saved }
        final class Flag: Sendable { let raised = Mutex(false) }
        let stop = Flag(), finished = DispatchSemaphore(value: 0)
        let toggler = Thread {
            var n = 0
            while !stop.raised.withLock({ $0 }) {
                // Both ways another task touches the count: setting it, and a section of its own.
                OpenBLAS.threadCount = 2 + n % 2
                OpenBLAS.singleThreaded { usleep(50) }
                n += 1
            }
            finished.signal()
        }
        toggler.start()
        defer { stop.raised.withLock { $0 = true }; finished.wait() }
        for _ in 0..<6 {
            #expect(try LogisticRegression.model(data, options: options).encoded() == reference)
        }
    }

    @Test func scoresAreIdenticalAcrossThreadCountsAndChunkSizes() throws {
        let dir = temporaryDirectory()
        var g = SplitMix(state: 9)
        var csv = "id,y,a,b,region\n"
        for i in 0..<20_000 {
            let a = g.normal(), b = g.normal() * 3
            let region = ["nord", "sud", "est"][Int(g.next() % 3)]
            let y = g.uniform() < 1 / (1 + exp(-(0.3 * a - 0.2 * b + (region == "sud" ? 0.5 : 0)))) ? 1 : 0
            csv += "D\(i),\(y),\(a),\(b),\(region)\n"
        }
        let path = dir.appendingPathComponent("d.csv").path
        FileManager.default.createFile(atPath: path, contents: Data(csv.utf8))
        let data = try TrainingData.read(path: path, spec: TableSpec(target: "y", features: ["a", "b", "region"], categorical: ["region"]))
        let m1 = try LogisticRegression.model(data, options: LogisticRegressionOptions(threads: 1))
        let m2 = try LogisticRegression.model(data, options: LogisticRegressionOptions(threads: 2))
        let saved = OpenBLAS.threadCount
        defer { OpenBLAS.threadCount = saved }
        var outputs: [Data] = []
        // Scoring workers (parallel blocks) and chunk sizes change nothing either.
        for (model, blasThreads, chunk, workers) in [(m1, 1, 8192, 1), (m2, 2, 8192, 2), (m2, 2, 7, 3), (m1, 1, 1, 2)] {
            OpenBLAS.threadCount = blasThreads
            let out = dir.appendingPathComponent("s-\(outputs.count).csv").path
            var options = ScoringOptions(chunkRows: chunk)
            options.threads = workers
            options.blockBytes = workers == 1 ? 4 << 20 : 50_000 * workers  // 1.2 MB of input: one block, or many
            try Scorer.score(model: model, input: path, output: out, options: options)
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] })
    }
}
