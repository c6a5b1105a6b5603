import Foundation
import Testing
@testable import Dossiers

@Suite struct SimulatorTests {
    func simulate(_ options: SimulationOptions, sample: Bool = true) throws -> (dir: URL, summary: SimulationSummary) {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ciblage-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let s = try PopulationSimulator.run(options, outputs: SimulationOutputs(
            population: dir.appendingPathComponent("pop.csv").path,
            randomSample: sample ? dir.appendingPathComponent("pbdf.csv").path : nil,
            targetedSample: sample ? dir.appendingPathComponent("targeted.csv").path : nil,
            history: sample ? dir.appendingPathComponent("history.csv").path : nil))
        return (dir, s)
    }

    @Test func sameSeedSameBytesWhateverTheThreads() throws {
        let base = SimulationOptions(dossiers: 40_000, seed: 3, candidates: 5, randomSample: 2000, targetedSample: 1000, threads: 1)
        var two = base; two.threads = 2
        var other = base; other.seed = 4
        let a = try simulate(base), b = try simulate(two), c = try simulate(other)
        for file in ["pop.csv", "pbdf.csv", "targeted.csv", "history.csv"] {
            let x = try Data(contentsOf: a.dir.appendingPathComponent(file)), y = try Data(contentsOf: b.dir.appendingPathComponent(file))
            #expect(x == y, "\(file) differs between 1 and 2 threads")
        }
        #expect(try Data(contentsOf: a.dir.appendingPathComponent("pop.csv")) != Data(contentsOf: c.dir.appendingPathComponent("pop.csv")))
        #expect(a.summary == b.summary)
    }

    /// The marginal rates the documentation states (docs/SIMULATION.md), on 60 000 dossiers.
    @Test func marginalRatesAreWithinTheStatedBounds() throws {
        let (dir, s) = try simulate(SimulationOptions(dossiers: 60_000, seed: 11, candidates: 0, randomSample: 7000, targetedSample: 3000))
        #expect(s.prevalence > 0.09 && s.prevalence < 0.15, "DMDE prevalence \(s.prevalence)")
        #expect(s.randomRows == 7000)
        let randomRate = Double(s.randomPositives) / Double(s.randomRows)
        let targetedRate = Double(s.targetedPositives) / Double(s.targetedRows)
        #expect(targetedRate > randomRate, "the previous model's selection finds more positives than chance")
        #expect(abs(Double(s.targetedRows) - 3000) < 300, "targeted sample size \(s.targetedRows) close to the expected 3000")
        let data = try TrainingData.read(path: dir.appendingPathComponent("pop.csv").path, spec: TableSpec(
            target: "cible", features: ["parent_isole", "qpv", "handicap", "enfant_19_plus", "montant_indu"], boolean: ["parent_isole", "qpv", "handicap", "enfant_19_plus"]))
        let n = Double(data.design.rows)
        func mean(_ j: Int, where filter: (Int) -> Bool = { _ in true }) -> Double {
            let rows = (0..<data.design.rows).filter(filter)
            return rows.reduce(0) { $0 + data.design[$1, j] } / Double(rows.count)
        }
        #expect(abs(mean(1) - 0.16) < 0.01, "single parents ≈ 16% of households")
        #expect(mean(2) > 0.08 && mean(2) < 0.25, "priority neighbourhood share")
        #expect(abs(mean(3) - 0.08) < 0.01, "disability ≈ 8%")
        // Precarity and error go together: single parents have a higher DMDE rate.
        let single = (0..<data.design.rows).filter { data.design[$0, 1] == 1 }, others = (0..<data.design.rows).filter { data.design[$0, 1] == 0 }
        let rateSingle = single.reduce(0.0) { $0 + data.target[$1] } / Double(single.count)
        let rateOthers = others.reduce(0.0) { $0 + data.target[$1] } / Double(others.count)
        #expect(rateSingle > 1.4 * rateOthers, "single parents \(rateSingle) vs others \(rateOthers)")
        // Heavy-tailed amounts: the mean indu of positives is well above its median.
        let amounts = (0..<data.design.rows).filter { data.target[$0] == 1 }.map { data.design[$0, 5] }.sorted()
        let median = amounts[amounts.count / 2], meanAmount = amounts.reduce(0, +) / Double(amounts.count)
        #expect(meanAmount > 1.2 * median && amounts.last! > 10 * median, "median \(median), mean \(meanAmount), max \(amounts.last!)")
        #expect(n == 60_000)
    }

    @Test func labelsRebuiltFromTheHistoryMatchTheSimulator() throws {
        let (dir, _) = try simulate(SimulationOptions(dossiers: 20_000, seed: 5, candidates: 0, randomSample: 3000, targetedSample: 1000))
        let labels = dir.appendingPathComponent("labels.csv").path
        _ = try TargetBuilder.build(historyPath: dir.appendingPathComponent("history.csv").path, outputPath: labels,
                                    asOf: TargetBuilder.month(year: 2026, month: 1))
        var built: [String: (Double, Double)] = [:]
        let reader = try CSVReader(path: labels)
        while try reader.next() { built[try reader.string(0)] = (try reader.number(1), try reader.number(2)) }
        var checked = 0
        for file in ["pbdf.csv", "targeted.csv"] {
            let r = try CSVReader(path: dir.appendingPathComponent(file).path)
            let id = r.header.firstIndex(of: "id")!, target = r.header.firstIndex(of: "cible")!, indu = r.header.firstIndex(of: "montant_indu")!
            while try r.next() {
                let expected = built[try r.string(id)] ?? (0, 0)  // no record: no indu, label 0
                #expect(try r.number(target) == expected.0)
                #expect(abs(try r.number(indu) - expected.1) < 0.005)
                checked += 1
            }
        }
        #expect(checked > 3500)
    }

    @Test func invalidOptionsAreRefused() {
        let refusal16 = #expect(throws: DataError.self) { try PopulationSimulator.run(SimulationOptions(dossiers: 0), outputs: SimulationOutputs()) }
        #expect(refusal16?.description == "dossiers must be ≥ 1")
        let refusal17 = #expect(throws: DataError.self) { try PopulationSimulator.run(SimulationOptions(dossiers: 10, randomSample: 11), outputs: SimulationOutputs()) }
        #expect(refusal17?.description == "randomSample must be between 0 and dossiers (10)")
        let refusal18 = #expect(throws: DataError.self) { try PopulationSimulator.run(SimulationOptions(dossiers: 10, randomSample: 5), outputs: SimulationOutputs()) }
        #expect(refusal18?.description == "randomSample needs sampleOutput")
    }

    @Test func theShippedSpecIsTheSimulatorsSpec() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try FeatureSpec.load(path: root.appendingPathComponent("models/dmde-simule.spec.yaml").path)
        #expect(shipped == PopulationSimulator.featureSpec(candidates: 20))
        #expect(PopulationSimulator.headerLine(candidates: 20).split(separator: ",").count + 2 == shipped.columns.count)
    }
}
