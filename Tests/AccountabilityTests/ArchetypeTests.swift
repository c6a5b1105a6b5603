import CiblageSupport
import Foundation
import Testing
@testable import Accountability
@testable import Dossiers
@testable import RiskModel

@Suite struct ArchetypeTests {
    static let model = SimulatorAuditTests.model

    /// A profile with every model input (and the sensitive attributes, which are not inputs).
    static let profile: [String: String] = [
        "nb_enfants": "2", "enfant_19_plus": "0", "couple": "0", "activite_titulaire": "salarie", "activite_conjoint": "sans_conjoint",
        "revenu_rapport_smic": "0.6", "declaration_trimestrielle": "1", "moyenne_rsa_12m": "0", "moyenne_ppa_12m": "180",
        "moyenne_al_12m": "250", "moyenne_af_12m": "140", "moyenne_cf_12m": "0", "moyenne_aah_12m": "900",
        "nb_changements_loyer_18m": "1", "nb_changements_adresse_24m": "0", "changement_situation_familiale": "0",
        "pension_alimentaire": "1", "tutelle": "0", "nb_contacts_caf_12m": "4", "mois_depuis_dernier_controle": "40",
        "sexe_titulaire": "F", "nationalite": "FR", "handicap": "1", "parent_isole": "1", "qpv": "0",
    ].merging((1...20).map { (String(format: "c%03d", $0), "0") }, uniquingKeysWith: { a, _ in a })

    func write(_ yaml: String) throws -> String {
        let path = NSTemporaryDirectory() + "archetypes-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Editing an attribute that is not a model input changes nothing; editing an input moves the
    /// logit by exactly the difference of its coefficients.
    @Test func editsOfNonInputsChangeNothingAndInputsMoveTheLogitByTheirWeight() throws {
        let archetype = Archetype(name: "Mère isolée à temps partiel avec AAH", profile: Self.profile,
                                  edits: ["parent_isole": ["0"], "sexe_titulaire": ["M"], "nationalite": ["HORS_UE"], "activite_titulaire": ["chomeur"]])
        let population = (0..<1000).map { Double($0) / 1000 }
        let result = try Archetype.evaluate([archetype], model: Self.model, populationScores: population, file: "inline")[0]
        #expect(result.variants.count == 4)
        for v in result.variants where v.column != "activite_titulaire" {
            #expect(!v.isModelInput, "\(v.column)")
            #expect(v.scoreChange == 0 && v.placesGained == 0 && v.rank == result.rank, "\(v.column) moved the score")
        }
        let work = try #require(result.variants.first { $0.column == "activite_titulaire" })
        #expect(work.isModelInput)
        let beta = Dictionary(uniqueKeysWithValues: Self.model.coefficients.map { ($0.term, $0.estimate) })
        func logit(_ p: Double) -> Double { log(p / (1 - p)) }
        let expected = (beta["activite_titulaire[T.chomeur]"] ?? 0) - (beta["activite_titulaire[T.salarie]"] ?? 0)
        #expect(abs((logit(work.score) - logit(result.score)) - expected) < 1e-9)
        #expect(expected > 0 ? work.placesGained >= 0 : work.placesGained <= 0)
        // Rank: 1 + the number of population scores above.
        #expect(result.rank == 1 + population.filter { $0 > result.score }.count)
    }

    @Test func theYAMLFileIsReadAndItsErrorsNameTheProblem() throws {
        let good = try write("""
            archetypes:
              - name: Couple salarié
                profile: {\(Self.profile.map { "\($0.key): \"\($0.value)\"" }.sorted().joined(separator: ", "))}
                edits:
                  sexe_titulaire: [M]
            """)
        let list = try Archetype.load(path: good)
        #expect(list.count == 1 && list[0].edits["sexe_titulaire"] == ["M"])

        var partial = Self.profile
        partial.removeValue(forKey: "moyenne_aah_12m")
        let missing = Archetype(name: "incomplet", profile: partial, edits: [:])
        #expect(throws: AuditError.invalidFile(file: "f.yaml", reason: "archetype 'incomplet': the profile lacks the model inputs moyenne_aah_12m")) {
            try Archetype.evaluate([missing], model: Self.model, populationScores: [0.5], file: "f.yaml")
        }
        let bad = try write("archetypes: nope\n")
        #expect { try Archetype.load(path: bad) } throws: { "\($0)".contains("expected 'archetypes:' as a list") }
        var unseen = Self.profile
        unseen["activite_titulaire"] = "astronaute"
        #expect { try Archetype.evaluate([Archetype(name: "x", profile: unseen, edits: [:])], model: Self.model, populationScores: [0.5], file: "f.yaml") }
            throws: { "\($0)".contains("archetype 'x'") && "\($0)".contains("astronaute") }
    }
}

@Suite struct ProxyTests {
    /// Hand-computed: numeric 1,2,3,4 against 0,0,1,1 separates perfectly (either direction);
    /// the categorical example's saturated model gives AUC 6.5/9.
    @Test func oneVariableAUCByHand() {
        let w = [Double](repeating: 1, count: 6)
        #expect(ProxyDetection.oneVariableAUC([1, 2, 3, 4], [0, 0, 1, 1], [1, 1, 1, 1], categorical: false) == 1)
        #expect(ProxyDetection.oneVariableAUC([4, 3, 2, 1], [0, 0, 1, 1], [1, 1, 1, 1], categorical: false) == 1)
        let auc = ProxyDetection.oneVariableAUC([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 0, 0], w, categorical: true)
        #expect(abs(auc - 6.5 / 9) < 1e-12)
        #expect(ProxyDetection.oneVariableAUC([5, 5, 5, 5], [0, 1, 0, 1], [1, 1, 1, 1], categorical: false) == 0.5)
    }

    /// On the simulator: the inputs that carry single parenthood are flagged, pure noise is not, and
    /// the result is stored in the artifact and survives its checksum.
    @Test func theSimulatorsProxiesOfSingleParenthoodAreFlagged() throws {
        let dir = NSTemporaryDirectory() + "proxy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try PopulationSimulator.run(SimulationOptions(dossiers: 50_000, seed: 12, randomSample: 7000),
                                        outputs: SimulationOutputs(randomSample: dir + "/pbdf.csv"))
        let spec = PopulationSimulator.featureSpec()
        let data = try TrainingData.read(path: dir + "/pbdf.csv", spec: TableSpec(spec: spec, allowSensitive: [:], format: CSVFormat(), provenanceUse: [.random], weighting: .none))
        var model = try LogisticRegression.model(data)
        let check = try #require(try ProxyDetection.run(data: data, path: dir + "/pbdf.csv", threshold: 0.7))
        #expect(Set(check.attributes) == ["sexe_titulaire", "nationalite", "handicap", "parent_isole", "qpv"])
        #expect(check.rows == 7000)
        let single = check.flagged.filter { $0.attribute == "parent_isole" }.map { (f: ProxyFinding) in f.input }
        #expect(single.contains("activite_conjoint") || single.contains("nb_enfants"), "flagged: \(check.flagged)")
        #expect(check.flagged.contains { $0.attribute == "handicap" && $0.input == "moyenne_aah_12m" })
        for f in check.findings where f.input == "c002" { #expect(f.auc < 0.6, "noise column c002 predicts \(f.attribute) with AUC \(f.auc)") }
        model.proxyCheck = check
        let path = dir + "/model.json"
        try model.write(to: path)
        #expect(try ModelArtifact.load(from: path).proxyCheck == check)
    }
}

@Suite struct OutcomeDriftTests {
    func closed(_ n: Int, factor: Double, seed: UInt64) -> (scores: [Double], outcomes: [Double]) {
        var g = SplitMix64(seed: seed)
        let scores = (0..<n).map { _ in 0.02 + 0.38 * g.uniform() }
        return (scores, scores.map { g.bernoulli(min(1, factor * $0)) ? 1 : 0 })
    }

    @Test func aCalibratedScoreShowsNoDrift() {
        let (s, y) = closed(4000, factor: 1, seed: 1)
        let mean = s.reduce(0, +) / Double(s.count)
        let items = OutcomeDrift.items(scores: s, outcomes: y, weights: s.map { _ in 1 }, trainingPrevalence: mean, replicates: 300)
        #expect(items[0].verdict.hasPrefix("stable"), "\(items[0])")
        #expect(items[1].verdict.hasPrefix("calibrated"), "\(items[1])")
        #expect(items[0].french(randomControls: s.count).verdict.hasPrefix("stable"))
        #expect(items[1].french(randomControls: s.count).verdict.hasPrefix("calibré"))
        #expect(items.count == 7)
    }

    @Test func aScoreThatUnderestimatesRiskIsFlagged() {
        let (s, y) = closed(4000, factor: 1.5, seed: 2)
        let mean = s.reduce(0, +) / Double(s.count)
        let items = OutcomeDrift.items(scores: s, outcomes: y, weights: s.map { _ in 1 }, trainingPrevalence: mean, replicates: 300)
        #expect(items[0].verdict.hasPrefix("drift"))
        #expect(items[1].verdict.contains("underestimates"), "\(items[1])")
        #expect(abs(items[1].value! - 1.5) < 0.1)
        // The deployer's report says the same in French, for every item.
        for item in items {
            let french = item.french(randomControls: s.count).verdict
            #expect(french.hasPrefix("dérive") == item.verdict.hasPrefix("drift"), "\(item.verdict) / \(french)")
            #expect(french.contains("sous-estime") == item.verdict.contains("underestimates"))
            #expect(french.contains("surestime") == item.verdict.contains("overestimates"))
        }
        #expect(items[0].french(randomControls: s.count).name == "taux d'irrégularité du tirage aléatoire")
        #expect(items[6].french(randomControls: s.count).name == "calibrage, quintile de score 5 sur 5")
    }

    @Test func tooFewControlsGiveNoVerdict() {
        let (s, y) = closed(20, factor: 1, seed: 3)
        let items = OutcomeDrift.items(scores: s, outcomes: y, weights: s.map { _ in 1 }, trainingPrevalence: 0.2)
        #expect(items.allSatisfy { $0.verdict.hasPrefix("no verdict") && $0.value == nil })
        #expect(items.allSatisfy { $0.french(randomControls: 20).verdict == "pas de verdict : 20 contrôles aléatoires clos, il en faut au moins 30" })
    }

    /// The export's file: targeted rows are left out, π weights the random ones, a bad π names its line.
    @Test func theQueueExportIsReadAndItsErrorsNameTheLine() throws {
        let model = SimulatorAuditTests.model
        var text = "id,cible,montant_indu,montant_rappel,fraude,provenance,proba_inclusion,score,canal,jugement,modele\n"
        let (s, y) = closed(200, factor: 1, seed: 4)
        for i in 0..<200 { text += "D\(i),\(Int(y[i])),0,0,0,random,0.01,\(s[i]),pieces,agree,x\n" }
        for i in 0..<50 { text += "T\(i),1,900,0,0,targeted,1,0.9,pieces,agree,x\n" }
        let path = NSTemporaryDirectory() + "closed-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try OutcomeDrift.measure(model: model, closed: path, replicates: 50)
        #expect(report.closedControls == 250 && report.randomControls == 200)
        try (text + "B1,1,0,0,0,random,0,0.2,pieces,agree,x\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try OutcomeDrift.measure(model: model, closed: path, replicates: 10) } throws: { "\($0)".contains("line 252") }
    }
}
