import CiblageSupport
import ControlQueue
import Dossiers
import Evaluation
import Foundation
import RiskModel
import Testing
import Workflows

/// Routing by period (DMDE 2026): the window's split at the switch, the combination, hand-built
/// dossiers that straddle it, and two routed models against one pooled model on the simulator.
@Suite struct RoutingTests {
    static func month(_ text: String) -> TargetBuilder.Month { TargetBuilder.parseMonth(text)! }

    @Test func theWindowSplitsAtTheSwitchMonth() {
        let start = Self.month("2024-01")  // control month 2026-01, 24 months
        #expect(RoutingRule.split(switchMonth: Self.month("2025-03"), windowStart: start, window: 24) == (14, 10))
        #expect(RoutingRule.split(switchMonth: Self.month("2024-01"), windowStart: start, window: 24) == (0, 24), "switched at the first month: all after")
        #expect(RoutingRule.split(switchMonth: Self.month("2023-06"), windowStart: start, window: 24) == (0, 24))
        #expect(RoutingRule.split(switchMonth: Self.month("2025-12"), windowStart: start, window: 24) == (23, 1), "the last month is after")
        #expect(RoutingRule.split(switchMonth: Self.month("2026-01"), windowStart: start, window: 24) == (24, 0), "switched at the control month: all before")
        #expect(RoutingRule.split(switchMonth: Self.month("2027-01"), windowStart: start, window: 24) == (24, 0))
    }

    @Test func theCombinationIsExposureWeightedOrTheMaximum() {
        // A dossier wholly in one regime gets that model's score.
        #expect(RoutingRule.combine(.exposure, before: 0.3, after: 0.9, split: (24, 0)) == 0.3)
        #expect(abs(RoutingRule.combine(.exposure, before: 0.3, after: 0.9, split: (0, 24)) - 0.9) < 1e-15)
        // Half and half: 1 − √(0.7 · 0.1).
        #expect(abs(RoutingRule.combine(.exposure, before: 0.3, after: 0.9, split: (12, 12)) - (1 - (0.7 * 0.1).squareRoot())) < 1e-15)
        // Equal parts' scores: the same score whatever the split (a constant hazard).
        #expect(abs(RoutingRule.combine(.exposure, before: 0.2, after: 0.2, split: (5, 19)) - 0.2) < 1e-15)
        #expect(RoutingRule.combine(.maximum, before: 0.3, after: 0.9, split: (12, 12)) == 0.9)
        #expect(RoutingRule.combine(.maximum, before: 0.3, after: 0.9, split: (24, 0)) == 0.3, "a part with no month does not count")
    }

    /// Hand-built dossiers: one recorded switch inside the window, one before it, one after it, one
    /// empty in a pre-series CAF and one empty elsewhere.
    @Test func handBuiltDossiersStraddlingTheSwitchAreScoredByBothModels() throws {
        let dir = scratchDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        // Two one-column models: log-odds −1 + x before, −2 + 2x after.
        func model(_ b0: Double, _ b1: Double, _ file: String) throws {
            let csv = "id,x,y\n" + (0..<400).map { i in "M\(i),\(Double(i % 20) / 10),\(i % 3 == 0 ? 1 : 0)" }.joined(separator: "\n") + "\n"
            try csv.write(toFile: path("train.csv"), atomically: true, encoding: .utf8)
            var fitted = try LogisticRegression.model(try TrainingData.read(path: path("train.csv"), spec: TableSpec(target: "y", features: ["x"], id: "id")))
            fitted.coefficients[0].estimate = b0; fitted.coefficients[1].estimate = b1
            try fitted.write(to: path(file))
        }
        try model(-1, 1, "avant.json")
        try model(-2, 2, "apres.json")
        try """
            id,caf,x,date_bascule
            A,C01,1,2025-03
            B,C01,1,2023-05
            C,C01,1,2026-02
            D,C02,1,
            E,C01,0.5,
            """.write(toFile: path("dossiers.csv"), atomically: true, encoding: .utf8)
        try """
            cible: dmde
            controlMonth: 2026-01
            switchDate: {column: date_bascule, cafColumn: caf, cafDates: {C02: 2024-10}, national: 2025-03}
            before: avant.json
            after: apres.json
            """.write(toFile: path("rule.yaml"), atomically: true, encoding: .utf8)
        let result = try scoreRouted(RoutedScoringRequest(rule: path("rule.yaml"), data: path("dossiers.csv"), output: path("scores.csv")))
        #expect(result.summary == RoutedScoringSummary(rows: 5, dossiersWithBefore: 4, dossiersWithAfter: 4, monthsBefore: 14 + 0 + 24 + 9 + 14,
                                                       monthsAfter: 10 + 24 + 0 + 15 + 10, switchFromCalendar: 2))
        let lines = try String(contentsOfFile: path("scores.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(lines[0] == ["id", "score", "score_avant", "score_apres", "mois_avant", "mois_apres"])
        func p(_ logit: Double) -> Double { 1 / (1 + exp(-logit)) }
        let expected: [(String, Double?, Double?, Int, Int)] = [("A", p(0), p(0), 14, 10), ("B", nil, p(0), 0, 24), ("C", p(0), nil, 24, 0),
                                                                ("D", p(0), p(0), 9, 15), ("E", p(-0.5), p(-1), 14, 10)]
        for (line, (id, before, after, mb, ma)) in zip(lines.dropFirst(), expected) {
            #expect(line[0] == Substring(id) && Int(line[4]) == mb && Int(line[5]) == ma, "\(line)")
            #expect(before.map { abs(Double(line[2])! - $0) < 1e-12 } ?? line[2].isEmpty, "\(id) before: \(line[2])")
            #expect(after.map { abs(Double(line[3])! - $0) < 1e-12 } ?? line[3].isEmpty, "\(id) after: \(line[3])")
            let combined = RoutingRule.combine(.exposure, before: before ?? 0, after: after ?? 0, split: (mb, ma))
            #expect(abs(Double(line[1])! - combined) < 1e-15, "\(id): \(line[1]) vs \(combined)")
        }
        // A bad switch date names its line and column; nothing is written.
        try "id,caf,x,date_bascule\nA,C01,1,2025-13\n".write(toFile: path("bad.csv"), atomically: true, encoding: .utf8)
        let bad = #expect(throws: DataError.self) { try scoreRouted(RoutedScoringRequest(rule: path("rule.yaml"), data: path("bad.csv"), output: path("bad-out.csv"))) }
        #expect("\(bad!)".contains("line 2, column 'date_bascule'"))
        #expect(!FileManager.default.fileExists(atPath: path("bad-out.csv")))
        // A rule's error names the key.
        try "cible: dmde\ncontrolMonth: 2026-1\nswitchDate: {column: d, national: 2025-03}\nbefore: a\nafter: b\n".write(toFile: path("r2.yaml"), atomically: true, encoding: .utf8)
        let rule = #expect(throws: RoutingError.self) { try RoutingRule.load(path: path("r2.yaml")) }
        #expect(rule?.description == "\(path("r2.yaml")), key 'controlMonth': expected YYYY-MM, got '2026-1'")
    }

    /// The simulator's two regimes: a model per regime, routed, against one model trained on both
    /// samples pooled, on the ground truth of a population whose windows straddle the switch.
    @Test func twoRoutedModelsBeatOnePooledModelOnTheSimulatorsGroundTruth() throws {
        let dir = scratchDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func simulate(_ seed: UInt64, _ control: String, population: String? = nil, sample: String? = nil) throws {
            var options = SimulationOptions(dossiers: 60_000, seed: seed, candidates: 0, controlMonth: Self.month(control), randomSample: sample == nil ? 0 : 8000)
            options.regimes = true
            _ = try PopulationSimulator.run(options, outputs: SimulationOutputs(population: population, randomSample: sample))
        }
        try simulate(101, "2024-09", sample: path("avant.csv"))   // every window before any switch
        try simulate(102, "2027-06", sample: path("apres.csv"))   // every window after the national switch
        try simulate(103, "2026-12", population: path("pop.csv"))
        let pooled = try String(contentsOfFile: path("avant.csv"), encoding: .utf8)
            + (try String(contentsOfFile: path("apres.csv"), encoding: .utf8)).split(separator: "\n", maxSplits: 1)[1]
        try pooled.write(toFile: path("pooled.csv"), atomically: true, encoding: .utf8)
        let table = try TableSpec(spec: PopulationSimulator.featureSpec(candidates: 0, regimes: true))
        for name in ["avant", "apres", "pooled"] {
            try LogisticRegression.model(try TrainingData.read(path: path("\(name).csv"), spec: table)).write(to: path("\(name).json"))
        }
        try """
            cible: dmde
            controlMonth: 2026-12
            switchDate: {column: date_bascule, cafColumn: caf, cafDates: {C02: 2024-10, C04: 2024-10, C06: 2024-10, C08: 2024-10, C10: 2024-10}, national: 2025-03}
            before: avant.json
            after: apres.json
            """.write(toFile: path("rule.yaml"), atomically: true, encoding: .utf8)
        let routed = try scoreRouted(RoutedScoringRequest(rule: path("rule.yaml"), data: path("pop.csv"), output: path("routed.csv")))
        #expect(!routed.summary.beforeReadyToRetire && routed.summary.dossiersWithBefore > 10_000)
        _ = try Workflows.score(ScoringRequest(model: path("pooled.json"), data: path("pop.csv"), output: path("pooled-scores.csv")))

        func column(_ file: String, _ name: String) throws -> [Double] {
            let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            let i = lines[0].split(separator: ",").firstIndex(of: Substring(name))!
            return lines.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[i])! }
        }
        let truth = try column(path("pop.csv"), "cible"), euros = try column(path("pop.csv"), "montant_indu")
        func measure(_ scores: [Double]) -> (auc: Double, hits: Double, euros: Double) {
            let top = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(3000)
            return (Metrics.auc(ScoredSample(scores: scores, outcomes: truth)), top.map { truth[$0] }.reduce(0, +) / Double(top.count),
                    top.map { euros[$0] }.reduce(0, +) / Double(top.count))
        }
        let r = measure(try column(path("routed.csv"), "score")), p = measure(try column(path("pooled-scores.csv"), "score"))
        print("routed: AUC \(r.auc), in the top 3000 hit rate \(r.hits), euros per control \(r.euros); pooled: AUC \(p.auc), hit rate \(p.hits), euros per control \(p.euros)")
        #expect(r.auc > p.auc + 0.005, "routed AUC \(r.auc) vs pooled \(p.auc)")
        #expect(r.hits > p.hits, "routed hit rate \(r.hits) vs pooled \(p.hits)")

        // A window after every switch holds no month of the first regime: its model is ready to retire.
        try simulate(104, "2027-09", population: path("late.csv"))
        try (try String(contentsOfFile: path("rule.yaml"), encoding: .utf8)).replacingOccurrences(of: "controlMonth: 2026-12", with: "controlMonth: 2027-09")
            .write(toFile: path("late.yaml"), atomically: true, encoding: .utf8)
        let late = try scoreRouted(RoutedScoringRequest(rule: path("late.yaml"), data: path("late.csv"), output: path("late-scores.csv")))
        #expect(late.summary.beforeReadyToRetire && !late.summary.afterReadyToRetire)
    }
}
