import Foundation
import Testing
@testable import Accountability
@testable import Dossiers

/// The group metrics against a table computed by hand, and against fairlearn's MetricFrame.
@Suite struct GroupAuditTests {
    /// 85 dossiers: A (40, reference) and B (40) in the random stratum, C (5) outside it.
    ///
    /// | cell | selected: irregular / regular | not selected: irregular / regular | score |
    /// |------|-------------------------------|-----------------------------------|-------|
    /// | A    | 4 / 6                         | 6 / 24                            | 0.25  |
    /// | B    | 10 / 10                       | 2 / 18                            | 0.20  |
    /// | C    | 0 / 0                         | 0 / 5 (unknown outcome)           | 0.10  |
    static func handTable() -> (AuditPopulation, Grouping) {
        var scores: [Double] = [], selected: [Bool] = [], outcomes: [Double] = [], random: [Bool] = [], codes: [Int32] = []
        func add(_ cell: Int32, _ n: Int, selected s: Bool, outcome y: Double, score: Double, random r: Bool = true) {
            for _ in 0..<n { scores.append(score); selected.append(s); outcomes.append(y); random.append(r); codes.append(cell) }
        }
        add(0, 4, selected: true, outcome: 1, score: 0.25); add(0, 6, selected: true, outcome: 0, score: 0.25)
        add(0, 6, selected: false, outcome: 1, score: 0.25); add(0, 24, selected: false, outcome: 0, score: 0.25)
        add(1, 10, selected: true, outcome: 1, score: 0.2); add(1, 10, selected: true, outcome: 0, score: 0.2)
        add(1, 2, selected: false, outcome: 1, score: 0.2); add(1, 18, selected: false, outcome: 0, score: 0.2)
        add(2, 5, selected: false, outcome: .nan, score: 0.1, random: false)
        return (AuditPopulation(scores: scores, selected: selected, outcomes: outcomes, randomStratum: random),
                Grouping(name: "g", levels: ["A", "B", "C"], codes: codes, reference: 0))
    }

    func value(_ g: AuditGroup, _ m: GroupAudit.Metric) -> Double? { g.metrics[m.rawValue]?.value }

    @Test func metricsEqualTheHandTable() throws {
        let (p, g) = Self.handTable()
        let r = GroupAudit.run(p, groupings: [g], options: .init(minimumCell: 10, replicates: 50, threads: 1))[0]
        let a = r.groups[0], b = r.groups[1], c = r.groups[2]
        #expect(r.reference == "A" && a.isReference)
        #expect(a.count == 40 && b.count == 40)
        let expected: [(AuditGroup, GroupAudit.Metric, Double)] = [
            (a, .share, 40.0 / 85), (a, .selectionRate, 0.25), (b, .selectionRate, 0.5), (b, .selectionRatio, 2),
            (a, .hitRate, 0.4), (b, .hitRate, 0.5), (b, .hitRateRatio, 1.25),
            (a, .falsePositiveRate, 0.2), (b, .falsePositiveRate, 10.0 / 28), (b, .falsePositiveRatio, (10.0 / 28) / 0.2),
            (a, .falseNegativeRate, 0.6), (b, .falseNegativeRate, 2.0 / 12), (b, .falseNegativeRatio, (2.0 / 12) / 0.6),
            // Equal burden: 16 wrongful controls (6 A, 10 B), 22 irregular dossiers (10 A, 12 B).
            (a, .equalBurden, (6.0 / 16) / (10.0 / 22)), (b, .equalBurden, (10.0 / 16) / (12.0 / 22)),
            (a, .meanScore, 0.25), (a, .observedRate, 0.25), (a, .calibrationRatio, 1),
            (b, .meanScore, 0.2), (b, .observedRate, 0.3), (b, .calibrationRatio, 1.5),
        ]
        for (cell, metric, v) in expected {
            let got = try #require(value(cell, metric), "\(cell.level) \(metric)")
            #expect(abs(got - v) < 1e-12, "\(cell.level) \(metric): \(got) ≠ \(v)")
        }
        // Deciles of the 85 scores (5 × 0.1, 40 × 0.2, 40 × 0.25): the cut points are the sorted scores
        // at ranks ⌊85k/10⌋ = 8, 17, 25, 34, 42 (all 0.2) and 51, 59, 68, 76 (0.25). A score of 0.25 reaches
        // all nine cuts (decile 1), a score of 0.2 five of them (decile 5).
        #expect(a.deciles[0].value == 1 && b.deciles[4].value == 1 && b.deciles[0].value == 0)
        // C has 5 dossiers: suppressed, its count not reported.
        #expect(c.suppressed && c.count == nil && c.metrics.isEmpty)
        // Intervals hold the estimate.
        for cell in [a, b] {
            for (_, m) in cell.metrics where m.value != nil {
                #expect(m.lower! <= m.value! + 1e-12 && m.value! <= m.upper! + 1e-12)
            }
        }
        // B is selected 2× as often, with an interval above 1: a disparity; hit rate 1.25 is at the edge, not outside.
        #expect(b.findings.contains { $0.hasPrefix("taux de sélection 2,00×") })
        #expect(!b.findings.contains { $0.hasPrefix("taux de succès") })
    }

    @Test func ratesOverTooFewDossiersAreSuppressed() {
        let (p, g) = Self.handTable()
        let r = GroupAudit.run(p, groupings: [g], options: .init(minimumCell: 11, replicates: 10, threads: 1))[0]
        let a = r.groups[0], b = r.groups[1]
        // A has 10 irregular dossiers in the random stratum and 10 selected: below 11.
        #expect(a.metrics["falseNegativeRate"]!.suppressed && a.metrics["falseNegativeRate"]!.value == nil)
        #expect(a.metrics["hitRate"]!.suppressed)
        // B's ratios lean on A's denominators, so they are suppressed too; B's own rates are not.
        #expect(b.metrics["falseNegativeRatio"]!.suppressed && b.metrics["hitRateRatio"]!.suppressed)
        #expect(b.metrics["falseNegativeRate"]!.value != nil)
        let text = AuditReport(model: "m", modelChecksum: nil, data: "d", table: AuditTable(population: p, groupings: [g], notes: []),
                               rule: .threshold(0.5), options: .init(minimumCell: 11), groupings: [r], archetypes: nil)
        #expect(AuditHTML.render(text).contains("masquée : moins de 11 dossiers"))
        #expect(text.text.contains("C      suppressed") || text.text.contains("suppressed (fewer than 11"))
    }

    @Test func intervalsDoNotDependOnTheThreadCount() {
        let (p, g) = Self.handTable()
        let one = GroupAudit.run(p, groupings: [g], options: .init(minimumCell: 5, replicates: 64, seed: 9, threads: 1))
        let two = GroupAudit.run(p, groupings: [g], options: .init(minimumCell: 5, replicates: 64, seed: 9, threads: 2))
        let three = GroupAudit.run(p, groupings: [g], options: .init(minimumCell: 5, replicates: 64, seed: 9, threads: 3))
        #expect(one == two && two == three)
        let other = GroupAudit.run(p, groupings: [g], options: .init(minimumCell: 5, replicates: 64, seed: 10, threads: 1))
        #expect(one != other)
    }

    @Test func intersectionsCrossTheLevelsAndCombineTheReferences() {
        let a = Grouping(name: "x", levels: ["0", "1"], codes: [0, 0, 1, 1, 1, 0], reference: 1)
        let b = Grouping(name: "y", levels: ["p", "q"], codes: [0, 1, 0, 1, 1, 0], reference: 0)
        let c = Grouping.intersection([a, b])
        #expect(c.name == "x × y")
        #expect(c.levels == ["x=0 × y=p", "x=0 × y=q", "x=1 × y=p", "x=1 × y=q"])
        #expect(c.codes == [0, 1, 2, 3, 3, 0])
        #expect(c.levels[c.reference] == "x=1 × y=p")
    }

    @Test func bandsAreLabelledAndOrdered() {
        #expect(AuditData.band(0.2, cuts: [0.5, 1]) == "< 0.5")
        #expect(AuditData.band(0.5, cuts: [0.5, 1]) == "[0.5, 1)")
        #expect(AuditData.band(3, cuts: [0.5, 1]) == "≥ 1")
        #expect(AuditData.orderedLevels(["≥ 1", "< 0.5", "NA", "[0.5, 1)"], cuts: [0.5, 1]) == ["< 0.5", "[0.5, 1)", "≥ 1", "NA"])
    }

    // MARK: fairlearn

    struct Reference: Decodable {
        var groupe: [String: [String: Double]]
        var intersection: [String: [String: Double]]
        enum CodingKeys: String, CodingKey { case groupe, intersection = "groupe × bande" }
    }

    /// fairness.csv and fairness.json come from scripts/references/make_fairness_references.py (fairlearn 0.15).
    @Test func ratesEqualFairlearnMetricFrame() throws {
        let dir = Bundle.module.resourceURL!.appendingPathComponent("References")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: dir.appendingPathComponent("fairness.json")))
        let lines = try String(contentsOf: dir.appendingPathComponent("fairness.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let rows = lines.map { $0.split(separator: ",").map(String.init) }
        let groupLevels = ["a", "b", "c"], bandLevels = ["basse", "haute"]
        let population = AuditPopulation(scores: rows.map { Double($0[1])! }, selected: rows.map { $0[2] == "1" },
                                         outcomes: rows.map { Double($0[3])! }, randomStratum: rows.map { _ in true })
        let groupe = Grouping(name: "groupe", levels: groupLevels, codes: rows.map { Int32(groupLevels.firstIndex(of: $0[4])!) }, reference: 0)
        let bande = Grouping(name: "bande", levels: bandLevels, codes: rows.map { Int32(bandLevels.firstIndex(of: $0[5])!) }, reference: 0)
        let results = GroupAudit.run(population, groupings: [groupe, .intersection([groupe, bande])], options: .init(minimumCell: 1, replicates: 10))
        let keys: [(String, GroupAudit.Metric)] = [("selectionRate", .selectionRate), ("hitRate", .hitRate), ("falsePositiveRate", .falsePositiveRate),
                                                  ("falseNegativeRate", .falseNegativeRate), ("meanScore", .meanScore)]
        var compared = 0
        for (result, expected) in [(results[0], reference.groupe), (results[1], reference.intersection)] {
            #expect(result.groups.count == expected.count)
            for cell in result.groups {
                let name = result.name == "groupe" ? "groupe=\(cell.level)" : cell.level
                let want = try #require(expected[name], "fairlearn has no cell \(name)")
                #expect(Double(cell.count!) == want["count"])
                for (key, metric) in keys {
                    let got = try #require(value(cell, metric)), w = try #require(want[key])
                    #expect(abs(got - w) < 1e-12, "\(name) \(key): \(got) vs fairlearn \(w)")
                    compared += 1
                }
                // Parity ratios are fairlearn's by-group values divided by the reference cell's.
                let ref = result.groups.first(where: \.isReference)!
                let refName = result.name == "groupe" ? "groupe=\(ref.level)" : ref.level
                let ratio = want["selectionRate"]! / expected[refName]!["selectionRate"]!
                #expect(abs(value(cell, .selectionRatio)! - ratio) < 1e-12)
            }
        }
        #expect(compared == 5 * (3 + 6))
    }
}
