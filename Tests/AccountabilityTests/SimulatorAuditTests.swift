import CiblageSupport
import Foundation
import Testing
@testable import Accountability
@testable import Dossiers
@testable import RiskModel

/// The audit on the simulator, whose generating process puts disparities in on purpose
/// (docs/SIMULATION.md): single parents have a higher true risk (a direct +0.2×1.7 on the logit and
/// more precarity), the shipped model has no sensitive input but proxies of single parenthood
/// (children, alimony, no partner), and the previous model scored on `qpv` and `parent_isole` directly.
@Suite(.serialized) struct SimulatorAuditTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = try! ModelArtifact.load(from: repository.appendingPathComponent("models/dmde-simule.model.json").path)

    static func population(seed: UInt64, dossiers: Int) throws -> String {
        let path = NSTemporaryDirectory() + "ciblage-audit-\(seed)-\(dossiers)-\(UUID().uuidString).csv"
        _ = try PopulationSimulator.run(SimulationOptions(dossiers: dossiers, seed: seed), outputs: SimulationOutputs(population: path))
        return path
    }

    static func audit(_ path: String, rule: SelectionRule, replicates: Int, attributes: [String] = ["parent_isole"]) throws -> (AuditTable, [AuditGrouping]) {
        let table = try AuditData.read(model: model, path: path, columns: AuditColumns(attributes: attributes), rule: rule)
        return (table, GroupAudit.run(table.population, groupings: table.groupings, options: .init(minimumCell: 30, replicates: replicates)))
    }

    static func cell(_ g: AuditGrouping, _ level: String) -> AuditGroup { g.groups.first { $0.level == level }! }

    /// The shipped model selects single parents far more often, and wrongly far more often, while
    /// its hit rate is the same for both groups: the pattern Lighthouse Reports found.
    @Test func theShippedModelOverSelectsSingleParents() throws {
        let path = try Self.population(seed: 31, dossiers: 40_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (table, results) = try Self.audit(path, rule: .topShare(0.05), replicates: 200, attributes: ["parent_isole", "nationalite"])
        #expect(table.notes.contains { $0.contains("no provenance column") })
        let single = Self.cell(results[0], "1")
        let findings = single.findings.joined(separator: "\n")
        #expect(findings.contains("taux de sélection"), "\(findings)")
        #expect(findings.contains("taux de faux positifs"), "\(findings)")
        #expect(findings.contains("porte"), "equal burden above 1: \(findings)")
        #expect(single.metrics["selectionRatio"]!.lower! > 2)
        #expect(!findings.contains("taux de succès"), "predictive parity holds: \(findings)")
        // The true irregularity rate of single parents is about twice the others' (17% against 8–9%).
        let ratio = single.metrics["observedRate"]!.value! / Self.cell(results[0], "0").metrics["observedRate"]!.value!
        #expect(ratio > 1.6 && ratio < 2.6, "observed rate ratio \(ratio)")
    }

    /// Across populations drawn with different seeds, the 95% intervals cover the value on a large
    /// population (the truth, up to its own small error) about 95% of the time: at least 8 in 10 here.
    @Test func intervalsCoverTheTruthAcrossSeeds() throws {
        let big = try Self.population(seed: 1000, dossiers: 200_000)
        defer { try? FileManager.default.removeItem(atPath: big) }
        // A fixed threshold, so that the estimand does not depend on the population's size.
        let bigTable = try AuditData.read(model: Self.model, path: big, columns: AuditColumns(attributes: ["parent_isole"]), rule: .threshold(0))
        let threshold = bigTable.population.scores.sorted()[Int(0.95 * Double(bigTable.population.count))]
        let truth = GroupAudit.run(AuditPopulation(scores: bigTable.population.scores, selected: bigTable.population.scores.map { $0 >= threshold },
                                                   outcomes: bigTable.population.outcomes, randomStratum: bigTable.population.randomStratum),
                                   groupings: bigTable.groupings, options: .init(replicates: 0))[0]
        let metrics = ["selectionRatio", "falsePositiveRatio", "hitRate", "equalBurden", "calibrationRatio"]
        var covered = [String: Int]()
        for seed in UInt64(1)...10 {
            let path = try Self.population(seed: seed, dossiers: 15_000)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let (_, results) = try Self.audit(path, rule: .threshold(threshold), replicates: 200)
            for m in metrics {
                let estimate = Self.cell(results[0], "1").metrics[m]!, t = Self.cell(truth, "1").metrics[m]!.value!
                if estimate.lower! <= t && t <= estimate.upper! { covered[m, default: 0] += 1 }
            }
        }
        for m in metrics { #expect(covered[m, default: 0] >= 8, "\(m): truth covered \(covered[m, default: 0]) times in 10") }
    }

    /// The previous model used `qpv` and `parent_isole` as inputs: the audit of its selection finds both.
    @Test func thePreviousModelSelectsOnNeighbourhoodAndSingleParenthood() {
        let n = 40_000
        let dossiers = (0..<n).map { SimulatedDossier.generate(index: $0, seed: 5, cafWeights: [1], sectorsPerCAF: 1,
                                                               windowStart: TargetBuilder.month(year: 2024, month: 1), definition: TargetDefinitionSpec()) }
        let scores = dossiers.map(\.previousModelScore)
        let population = AuditPopulation(scores: scores, selected: AuditPopulation.topK(scores, n / 10),
                                         outcomes: dossiers.map { $0.label.positive ? 1 : 0 }, randomStratum: dossiers.map { _ in true })
        let qpv = Grouping(name: "qpv", levels: ["0", "1"], codes: dossiers.map { $0.priorityNeighbourhood ? 1 : 0 }, reference: 0)
        let single = Grouping(name: "parent_isole", levels: ["0", "1"], codes: dossiers.map { $0.singleParent ? 1 : 0 }, reference: 0)
        let results = GroupAudit.run(population, groupings: [qpv, single], options: .init(replicates: 100))
        for g in results {
            let exposed = g.groups[1]
            #expect(exposed.findings.contains { $0.hasPrefix("taux de sélection") }, "\(g.name): \(exposed.findings)")
            #expect(exposed.metrics["selectionRatio"]!.value! > 1.5)
        }
    }

    /// A fair case: an attribute drawn by coin toss, independent of everything, shows no disparity.
    @Test func aFairAttributeShowsNoDisparity() throws {
        let path = try Self.population(seed: 32, dossiers: 30_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (table, _) = try Self.audit(path, rule: .topShare(0.05), replicates: 0)
        var coin = SplitMix64(seed: 99)
        let fair = Grouping(name: "pile_ou_face", levels: ["pile", "face"], codes: (0..<table.population.count).map { _ in coin.bernoulli(0.3) ? 1 : 0 }, reference: 0)
        let result = GroupAudit.run(table.population, groupings: [fair], options: .init(replicates: 200))[0]
        #expect(result.groups.allSatisfy { $0.findings.isEmpty }, "\(result.groups.map(\.findings))")
        for m in ["selectionRatio", "falsePositiveRatio", "hitRateRatio"] {
            let v = result.groups[1].metrics[m]!
            #expect(v.lower! < 1 && v.upper! > 1, "\(m) [\(v.lower!), \(v.upper!)] excludes 1")
        }
    }
}

/// The inclusion column read by the audit: π becomes the random stratum's weight 1/π, and a π
/// outside (0, 1] is refused with its line and column.
@Suite struct AuditInclusionColumnTests {
    static func population(pi: (Int) -> String) throws -> String {
        let source = try SimulatorAuditTests.population(seed: 31, dossiers: 300)
        defer { try? FileManager.default.removeItem(atPath: source) }
        let lines = try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n")
        var text = lines[0] + ",pi\n"
        for (k, line) in lines.dropFirst().enumerated() { text += line + "," + pi(k) + "\n" }
        let path = source + ".pi.csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func inclusionProbabilitiesWeightTheRandomStratum() throws {
        let path = try Self.population { $0 % 2 == 0 ? "0.5" : "0.25" }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try AuditData.read(model: SimulatorAuditTests.model, path: path,
                                       columns: AuditColumns(attributes: ["parent_isole"], inclusion: "pi"), rule: .topK(30))
        let weights = try #require(table.population.randomWeights)
        #expect(weights.prefix(4) == [2, 4, 2, 4])
        #expect(table.notes.contains { $0.contains("weighted by 1/π") })
        let plain = try AuditData.read(model: SimulatorAuditTests.model, path: path, columns: AuditColumns(attributes: ["parent_isole"]), rule: .topK(30))
        #expect(plain.population.randomWeights == nil)
        #expect(plain.notes.contains { $0.contains("equal-probability draw") })
    }

    @Test func anInclusionProbabilityOutsideZeroOneIsRefusedWithItsLine() throws {
        let path = try Self.population { $0 == 6 ? "0" : "0.5" }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let refusal = #expect(throws: DataError.self) {
            try AuditData.read(model: SimulatorAuditTests.model, path: path,
                               columns: AuditColumns(attributes: ["parent_isole"], inclusion: "pi"), rule: .topK(30))
        }
        let message = refusal.map { "\($0)" } ?? ""
        #expect(message.contains("line 8") && message.contains("pi"), "\(message)")
    }
}
