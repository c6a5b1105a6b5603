import CiblageSupport
import Foundation
import Testing
@testable import Dossiers
@testable import Evaluation

/// The uplift of outreach contacts (accès aux droits): contacted minus held out, with its interval.
@Suite struct UpliftTests {
    struct Reference: Decodable {
        struct Arm: Decodable { var uplift, lower, upper, euros, eurosLower, eurosUpper: Double }
        var arms: [String: Arm]
    }

    /// scripts/references/make_uplift_references.py: statsmodels' Wald interval of a difference of
    /// proportions and its z interval of a difference of means (unequal variances).
    @Test func matchesStatsmodelsWithin1e12() throws {
        let dir = Bundle.module.url(forResource: "References", withExtension: nil)!
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: dir.appendingPathComponent("uplift.json")))
        let rows = try Uplift.read(path: dir.appendingPathComponent("uplift.csv").path, armColumn: "canal", targetColumn: "droit_ouvert",
                                   amountColumn: "montant_mensuel", inclusionColumn: nil)
        let report = try Uplift.estimate(rows, control: "aucun", costs: ["sms": 0.1])
        #expect(report.arms.map(\.arm).sorted() == reference.arms.keys.sorted())
        for a in report.arms {
            let r = try #require(reference.arms[a.arm])
            #expect(abs(a.uplift.value - r.uplift) < 1e-12 && abs(a.uplift.lower - r.lower) < 1e-12 && abs(a.uplift.upper - r.upper) < 1e-12, "\(a.arm)")
            #expect(abs(a.eurosPerMonth.value - r.euros) < 1e-9 && abs(a.eurosPerMonth.lower - r.eurosLower) < 1e-9
                    && abs(a.eurosPerMonth.upper - r.eurosUpper) < 1e-9, "\(a.arm) euros")
            #expect(abs(a.incrementalRights.value - a.uplift.value * Double(a.contacted)) < 1e-9)
        }
        let sms = try #require(report.arms.first { $0.arm == "sms" })
        #expect(abs(sms.costPerIncrementalRight! - 0.1 / sms.uplift.value) < 1e-12)
    }

    /// On the simulator's randomised experiment (every household drawn with the same chance, each
    /// given an arm at random), the 95 % intervals of each channel's uplift cover the true average
    /// effect over the population, mean(p_arm − p_aucun), as often as they claim: 160 intervals
    /// (40 seeds × 4 channels), at least 88 % of them (95 % − 4 binomial standard deviations).
    /// Intervals half as wide would cover about 68 %.
    @Test func intervalsCoverTheSimulatorsTrueEffectAcrossSeeds() throws {
        let n = 20_000
        var covered = 0, coveredEuros = 0, total = 0
        for seed in UInt64(1)...40 {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("uplift-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let sample = dir.appendingPathComponent("experiment.csv").path
            _ = try HouseholdSimulator.run(SimulationOptions(dossiers: n, seed: seed, randomSample: 5000), outputs: SimulationOutputs(randomSample: sample))
            var truth = [Double](repeating: 0, count: 5), truthEuros = [Double](repeating: 0, count: 5)
            for i in 0..<n {
                let h = HouseholdSimulator.household(i, seed: seed, sectors: 4)
                for a in 1..<5 { truth[a] += (h.p[a] - h.p[0]) / Double(n); truthEuros[a] += h.amount * (h.p[a] - h.p[0]) / Double(n) }
            }
            let report = try Uplift.estimate(try Uplift.read(path: sample, armColumn: "canal", targetColumn: "droit_ouvert",
                                                             amountColumn: "montant_mensuel", inclusionColumn: "proba_inclusion"), control: "aucun")
            for a in report.arms {
                let k = HouseholdSimulator.arms.firstIndex(of: a.arm)!
                total += 1
                if a.uplift.covers(truth[k]) { covered += 1 }
                if a.eurosPerMonth.covers(truthEuros[k]) { coveredEuros += 1 }
            }
        }
        print("uplift intervals covering the true effect: \(covered) of \(total) (rights), \(coveredEuros) of \(total) (euros per month)")
        #expect(total == 160)
        #expect(Double(covered) >= 0.88 * Double(total))
        #expect(Double(coveredEuros) >= 0.88 * Double(total))
    }

    @Test func refusesDataWithoutAHeldOutArm() throws {
        let rows = [Uplift.Observation(arm: "sms", opened: true, amount: 200), Uplift.Observation(arm: "sms", opened: false, amount: 0)]
        #expect { try Uplift.estimate(rows, control: "aucun") } throws: { "\($0)".contains("holdout") && "\($0)".contains("aucun") }
    }

    @Test func namesTheLineOfABadArmOrAmount() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("uplift-bad-\(UUID().uuidString).csv").path
        try "id,canal,droit_ouvert,montant_mensuel\nF1,sms,1,200\nF2,aucun,1,-5\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try Uplift.read(path: path, armColumn: "canal", targetColumn: "droit_ouvert", amountColumn: "montant_mensuel", inclusionColumn: nil) }
            throws: { "\($0)".contains("line 3") && "\($0)".contains("montant_mensuel") }
        try "id,canal,droit_ouvert\nF1,,1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try Uplift.read(path: path, armColumn: "canal", targetColumn: "droit_ouvert", amountColumn: nil, inclusionColumn: nil) }
            throws: { "\($0)".contains("line 2") && "\($0)".contains("canal") }
    }

    /// A campaign's channels select different households and hold out their own: each channel
    /// against its own held out. Both channels here add 10 points; comparing every contacted with
    /// every held out would say the contacts lowered take-up (0.30 against 0.36).
    @Test func eachChannelIsComparedWithItsOwnHeldOut() throws {
        func rows(_ stratum: String, _ arm: String, opened: Int, of n: Int) -> [Uplift.Observation] {
            (0..<n).map { Uplift.Observation(arm: arm, opened: $0 < opened, amount: $0 < opened ? 300 : 0, stratum: stratum) }
        }
        let data = rows("sms", "exploit", opened: 50, of: 100) + rows("sms", "temoin", opened: 40, of: 100)
            + rows("appel", "exploit", opened: 10, of: 100) + rows("appel", "temoin", opened: 0, of: 10)
        let report = try Uplift.estimate(data, control: "temoin")
        #expect(report.arms.map(\.arm) == ["sms", "appel"])
        for a in report.arms { #expect(abs(a.uplift.value - 0.1) < 1e-12, "\(a.arm)") }
        let pooled = try #require(report.pooled)
        let sms = report.arms[0].uplift.standardError, appel = report.arms[1].uplift.standardError
        #expect(abs(pooled.uplift.value - 0.1) < 1e-12)
        #expect(abs(pooled.uplift.standardError - (100 * 100 * (sms * sms + appel * appel)).squareRoot() / 200) < 1e-12)
        #expect(abs(pooled.incrementalRights.value - 20) < 1e-9)
        let unstratified = try Uplift.estimate(data.map { var o = $0; o.stratum = ""; return o }, control: "temoin")
        #expect(unstratified.arms[0].uplift.value < 0, "pooling the held out of both channels gets the sign wrong")
    }
}
