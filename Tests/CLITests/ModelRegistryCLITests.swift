import Foundation
import Testing

/// `ciblage model …` end to end: register with evidence, four eyes, scoring and planning by reference.
@Suite struct ModelRegistryCLITests {
    let cli = CLITests()

    @Test func registerApproveThenScoreAndPlanByReference() throws {
        let dir = cli.scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let spec = CLITests.packageRoot.appendingPathComponent("models/dmde-simule.spec.yaml").path
        let store = path("q.sqlite")
        #expect(try cli.run(["simulate", "--dossiers", "8000", "--seed", "21", "--output", path("pop.csv"), "--random-sample", "3000",
                             "--sample-output", path("pbdf.csv")]).status == 0)
        let train = try cli.run(["train", "--spec", spec, "--data", path("pbdf.csv"), "--output", path("model.json")])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(try cli.run(["evaluate", "--model", path("model.json"), "--data", path("pbdf.csv"), "--bootstrap", "0", "--json", path("eval.json")]).status == 0)
        #expect(try cli.run(["audit", "--model", path("model.json"), "--data", path("pop.csv"), "--attribute", "handicap", "--top-share", "0.05",
                             "--bootstrap", "0", "--json", path("audit.json")]).status == 0)
        let card = try cli.run(["card", "--model", path("model.json"), "--evaluation", path("eval.json"), "--audit", path("audit.json"),
                                "--reference", "dmde@1", "--valid-from", "2026-01-01", "--markdown", path("card.md")])
        #expect(card.status == 0, "\(card.stderr)")

        let register = ["model", "register", path("model.json"), "--name", "dmde", "--version", "1", "--valid-from", "2026-01-01",
                        "--evaluation", path("eval.json"), "--audit", path("audit.json"), "--card", path("card.md"), "--store", store]
        // A store without users has no one to hold the four eyes.
        let noUsers = try cli.run(register)
        #expect(noUsers.status != 0 && noUsers.stderr.contains("needs datascientist accounts"), "\(noUsers.stderr)")
        var tokens: [String: String] = [:]
        for name in ["ana", "bruno"] {
            let add = try cli.run(["users", "add", name, "--role", "datascientist", "--password-stdin", "--bcrypt-cost", "4", "--store", store],
                                  stdin: "mot-de-passe-\(name)\n")
            #expect(add.status == 0, "\(add.stderr)")
            tokens[name] = try cli.run(["users", "token", name, "--password-stdin", "--store", store], stdin: "mot-de-passe-\(name)\n")
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let badDate = try cli.run(register.map { $0 == "2026-01-01" ? "2026-1-1" : $0 }, environment: ["CIBLAGE_TOKEN": tokens["ana"]!])
        #expect(badDate.status != 0 && badDate.stderr.contains("--valid-from expects a date YYYY-MM-DD, got '2026-1-1'"), "\(badDate.stderr)")
        let registered = try cli.run(register, environment: ["CIBLAGE_TOKEN": tokens["ana"]!])
        #expect(registered.status == 0 && registered.stdout.contains("registered dmde@1"), "\(registered.stderr)")

        let scoreByReference = ["score", "--model", "dmde@in-force", "--store", store, "--data", path("pop.csv"), "--output", path("by-ref.csv")]
        let unapproved = try cli.run(scoreByReference)
        #expect(unapproved.status != 0 && unapproved.stderr.contains("no version of model dmde is in force"), "\(unapproved.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("by-ref.csv")))
        let own = try cli.run(["model", "approve", "dmde@1", "--store", store], environment: ["CIBLAGE_TOKEN": tokens["ana"]!])
        #expect(own.status != 0 && own.stderr.contains("approval needs a second datascientist (four eyes)"), "\(own.stderr)")
        let approved = try cli.run(["model", "approve", "dmde@1", "--store", store], environment: ["CIBLAGE_TOKEN": tokens["bruno"]!])
        #expect(approved.status == 0 && approved.stdout.contains("approved by bruno"), "\(approved.stderr)")

        // The registered version scores exactly as the file it was registered from.
        #expect(try cli.run(scoreByReference).status == 0)
        #expect(try cli.run(["score", "--model", path("model.json"), "--data", path("pop.csv"), "--output", path("by-file.csv")]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("by-ref.csv"))) == Data(contentsOf: URL(fileURLWithPath: path("by-file.csv"))))
        let noStore = try cli.run(["score", "--model", "dmde@1", "--data", path("pop.csv"), "--output", path("x.csv")])
        #expect(noStore.status != 0 && noStore.stderr.contains("give the --store that holds the registry"), "\(noStore.stderr)")

        let list = try cli.run(["model", "list", "--store", store])
        #expect(list.stdout.contains("dmde@1\tapproved\t2026-01-01..") && list.stdout.contains("registered by ana") && list.stdout.contains("approved by bruno"))
        let show = try cli.run(["model", "show", "dmde@1", "--store", store])
        #expect(show.status == 0 && show.stdout.contains("(verified)") && show.stdout.contains("Pseudo R-squ."), "\(show.stderr)")

        // A registered explanation names the version and its validity.
        let first = try String(contentsOfFile: path("pop.csv"), encoding: .utf8).split(separator: "\n")[1].split(separator: ",")[0]
        let explain = try cli.run(["explain", "--model", "dmde@1", "--store", store, "--data", path("pop.csv"), "--id", String(first)])
        #expect(explain.status == 0 && explain.stdout.contains("Modèle : dmde@1, valide du 2026-01-01 jusqu'à son retrait"), "\(explain.stderr)")

        // A campaign names the version in force; the plan records its checksum.
        let campaign = path("campagne.yaml")
        try """
            name: c-ref
            model: dmde@in-force
            channels:
              - {name: sur_pieces, capacity: 50}
            seed: 3
            """.write(toFile: campaign, atomically: true, encoding: .utf8)
        let plan = try cli.run(["queue", "plan", "--campaign", campaign, "--data", path("pop.csv"), "--store", store])
        #expect(plan.status == 0 && plan.stdout.contains("planned c-ref: 50 new items"), "\(plan.stderr)")

        // The deployer's evidence: Art. 27, 49 and 72, pre-filled, what only people write marked.
        #expect(try cli.run(["monitor", "--model", "dmde@1", "--store", store, "--reference", path("pbdf.csv"), "--current", path("pop.csv"),
                             "--json", path("monitor.json")]).status == 0)
        let documents = try cli.run(["model", "documents", "dmde@1", "--store", store, "--campaign", campaign, "--monitoring", path("monitor.json"),
                                     "--month", "2026-06", "--organisation", "Caf simulée", "--output-dir", dir.path])
        #expect(documents.status == 0 && documents.stdout.split(separator: "\n").count == 6, "\(documents.stdout)\(documents.stderr)")
        let art27 = try String(contentsOfFile: path("dmde@1-art27-analyse-impact.md"), encoding: .utf8)
        for part in ["a) Processus", "b) Période", "c) Personnes et groupes", "d) Risques", "e) Contrôle humain", "f) Mesures", "c-ref : sur_pieces, 50 contrôles",
                     "Quatre yeux : la version a été enregistrée par ana et approuvée par bruno", "**À RÉDIGER**", "Caf simulée"] {
            #expect(art27.contains(part), "Art. 27 lacks \(part)")
        }
        let art49 = try String(contentsOfFile: path("dmde@1-art49-enregistrement.md"), encoding: .utf8)
        #expect(art49.contains("annexe VIII, section C") && art49.contains("| 4. Résumé de l'analyse d'impact (art. 27) |"))
        let art72 = try String(contentsOfFile: path("dmde@1-art72-surveillance-2026-06.md"), encoding: .utf8)
        #expect(art72.contains("| c-ref | sur_pieces | 50 | 0 |") && art72.contains("Aucun contrôle aléatoire clos") && art72.contains("PSI") == art72.contains("4. Dérive"))
        #expect(try String(contentsOfFile: path("dmde@1-art72-surveillance-2026-06.html"), encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        let wrongMonth = try cli.run(["model", "documents", "dmde@1", "--store", store, "--month", "2026-6", "--output-dir", dir.path])
        #expect(wrongMonth.status != 0 && wrongMonth.stderr.contains("--month expects YYYY-MM"), "\(wrongMonth.stderr)")

        let retire = try cli.run(["model", "retire", "dmde@1", "--reason", "remplacé", "--store", store], environment: ["CIBLAGE_TOKEN": tokens["ana"]!])
        #expect(retire.status == 0, "\(retire.stderr)")
        let retired = try cli.run(["queue", "plan", "--campaign", campaign, "--data", path("pop.csv"), "--store", store])
        #expect(retired.status != 0 && retired.stderr.contains("model") && retired.stderr.contains("no version of model dmde is in force"), "\(retired.stderr)")
        let verify = try cli.run(["queue", "verify", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
