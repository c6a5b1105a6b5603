import Foundation
import Testing

/// End-to-end checks of the `ciblage` executable: exit codes, messages on stderr, files written or not.
@Suite struct CLITests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable, next to the test bundle (debug or release).
    static let executable: URL = {
        let besideRunner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [besideRunner.appendingPathComponent("ciblage")]
        let buildDirectory = packageRoot.appendingPathComponent(".build")
        for configuration in ["debug", "release"] { candidates.append(buildDirectory.appendingPathComponent(configuration).appendingPathComponent("ciblage")) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    static let data = packageRoot.appendingPathComponent("Tests/RiskModelTests/References/data")

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// - Parameters:
    ///   - stdin: written to the command's standard input (a password for `--password-stdin`).
    ///   - environment: added to this process's environment (CIBLAGE_TOKEN).
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func scratch() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A cache truncated while `train` reads it (its design is mapped from the file, so the pages
    /// vanish): one line naming the file and status 74, not a silent crash, and no model written.
    /// The process is stopped once the mapping shows in /proc/PID/maps, the file cut, and the process
    /// resumed: its next read of the design (the checksum or a Newton pass) faults. (`mapSection`
    /// reads the partial pages before it maps, so no `pread` can meet the cut file instead.)
    @Test func aCacheTruncatedWhileTrainReadsItIsNamed() throws {
        #if os(Linux)
        let dir = scratch()
        let csv = dir.appendingPathComponent("big.csv").path, cache = dir.appendingPathComponent("big.cbl").path
        let model = dir.appendingPathComponent("m.json").path
        // 500,000 rows × (intercept + 8): a 36 MB design, over the 32 MiB glibc maps on its own.
        var text = "y,x1,x2,x3,x4,x5,x6,x7,x8\n"
        var state: UInt64 = 7
        for _ in 0..<500_000 {
            var fields: [String] = []
            for _ in 0..<9 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                fields.append(String((state >> 33) % 10))
            }
            fields[0] = Int(fields[0])! < 3 ? "1" : "0"
            text += fields.joined(separator: ",") + "\n"
        }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let converted = try run(["convert", "--data", csv, "--target", "y", "--output", cache])
        #expect(converted.status == 0, "\(converted.stderr)")

        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["train", "--data", cache, "--target", "y", "--output", model]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(120)
        var mapped = false
        while !mapped && process.isRunning && Date() < deadline {
            mapped = ((try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)) ?? "").contains(cache)
            if !mapped { usleep(500) }
        }
        #expect(mapped, "the design was mapped from the cache")
        kill(pid, SIGSTOP)
        #expect(truncate(cache, 4096) == 0)
        kill(pid, SIGCONT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 74, "\(process.terminationReason) \(process.terminationStatus): \(stderr)")
        #expect(stderr.contains("error: \(cache): a mapped cache file was truncated or rewritten while it was read"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: model))
        #endif
    }

    @Test func trainInspectAndScore() throws {
        let dir = scratch()
        let model = dir.appendingPathComponent("fair.json").path
        let train = try run(["train", "--data", Self.data.appendingPathComponent("fair.csv").path, "--target", "affair",
                             "--categorical", "occupation", "--reference", "occupation=3", "--output", model])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("converged"))
        let inspect = try run(["inspect", model])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("occupation[T.1]") && inspect.stdout.contains("Pseudo R-squ."))
        let json = try run(["inspect", model, "--json"])
        #expect(json.status == 0 && json.stdout.contains("\"formatVersion\" : 1"))
        let scores = dir.appendingPathComponent("scores.csv").path
        let score = try run(["score", "--model", model, "--data", Self.data.appendingPathComponent("fair.csv").path, "--output", scores])
        #expect(score.status == 0, "\(score.stderr)")
        #expect(score.stdout.contains("6366 scores"))
    }

    @Test func separationExitsOneAndWritesNoModel() throws {
        let dir = scratch()
        let model = dir.appendingPathComponent("iris.json").path
        let r = try run(["train", "--data", Self.data.appendingPathComponent("iris_setosa.csv").path, "--target", "setosa", "--output", model])
        #expect(r.status == 1)
        #expect(r.stderr.contains("complete separation") && r.stderr.contains("petal_length"))
        #expect(!FileManager.default.fileExists(atPath: model))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let stabilized = try run(["train", "--data", Self.data.appendingPathComponent("iris_setosa.csv").path, "--target", "setosa",
                                  "--on-separation", "stabilize", "--output", model])
        #expect(stabilized.status == 0)
        #expect(stabilized.stderr.contains("warning: complete separation"))
    }

    @Test(arguments: [
        (["train", "--data", "x.csv", "--output", "m.json"], "--target"),
        (["train", "--data", "x.csv", "--target", "y", "--output", "m.json", "--l2", "abc"], "--l2"),
        (["train", "--data", "x.csv", "--target", "y", "--output", "m.json", "--delimiter", "#"], "--delimiter"),
        (["train", "--data", "x.csv", "--target", "y", "--output", "m.json", "--on-separation", "ignore"], "--on-separation"),
        (["train", "--data", "x.csv", "--target", "y", "--output", "m.json", "--reference", "region"], "col=level"),
        (["train", "--data", "x.csv", "--target", "y", "--output", "m.json", "--threads", "0"], "--threads"),
        (["score", "--model", "m.json", "--data", "x.csv"], "--output"),
        (["frobnicate"], "frobnicate"),
        // Checked in validate(), before the (missing) file is read: the message names the flag.
        (["train", "--data", "x.csv", "--target", "y", "--output", "m.json", "--proxy-threshold", "0.3"], "--proxy-threshold must be in (0.5, 1]"),
        (["train", "--data", "x.csv", "--target", "y", "--output", "m.json", "--max-iterations", "0"], "--max-iterations must be ≥ 1"),
        (["train", "--spec", "s.yaml", "--data", "x.csv", "--output", "m.json", "--selection", "maybe"], "ipw"),
        (["train", "--spec", "s.yaml", "--data", "x.csv", "--output", "m.json", "--allow-sensitive", "sexe"], "--allow-sensitive needs --reason"),
        (["select", "--spec", "s.yaml", "--data", "x.csv", "--slentry", "1.5"], "--slentry must be in (0, 1)"),
        (["select", "--spec", "s.yaml", "--data", "x.csv", "--method", "sideways"], "forward"),
        (["score", "--model", "m.json", "--data", "x.csv", "--output", "s.csv", "--reasons", "99"], "--reasons must be between 0 and 50"),
        (["evaluate", "--model", "m.json", "--data", "x.csv", "--cv", "1"], "--cv must be between 2 and 100"),
        (["simulate", "--dossiers", "10", "--random-sample", "5"], "--random-sample needs --sample-output"),
        (["queue", "close", "1", "--controller", "alice", "--indu", "700"], "--indu-months"),
        (["queue", "close", "1", "--controller", "alice", "--judgement", "maybe"], "override"),
        (["queue", "next", "--controller", "alice", "--channel", "telephone"], "sur_pieces"),
        (["queue", "export", "--campaign", "c", "--output", "o.csv", "--months", "0"], "--months must be at least 1"),
    ])
    func badArgumentsExitOneWithAMessage(arguments: [String], mention: String) throws {
        let r = try run(arguments)
        #expect(r.status == 1, "\(arguments): status \(r.status)")
        #expect(r.stderr.contains(mention), "\(arguments): \(r.stderr)")
    }

    @Test func userErrorsExitOne() throws {
        let dir = scratch()
        let missing = try run(["train", "--data", dir.appendingPathComponent("none.csv").path, "--target", "y", "--output", dir.appendingPathComponent("m.json").path])
        #expect(missing.status == 1 && missing.stderr.contains("none.csv: cannot open"))
        let badModel = dir.appendingPathComponent("bad.json").path
        try Data("{}".utf8).write(to: URL(fileURLWithPath: badModel))
        let inspect = try run(["inspect", badModel])
        #expect(inspect.status == 1 && inspect.stderr.contains("not a valid Ciblage model file"))
        let unknown = try run(["train", "--data", Self.data.appendingPathComponent("spector.csv").path, "--target", "grade",
                               "--output", dir.appendingPathComponent("m.json").path])
        #expect(unknown.status == 1 && unknown.stderr.contains("no column named 'grade'"))
    }

    @Test func simulateTargetTrainWithSpecAndScore() throws {
        let dir = scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let spec = Self.packageRoot.appendingPathComponent("models/dmde-simule.spec.yaml").path
        let sim = try run(["simulate", "--dossiers", "20000", "--seed", "3", "--output", path("pop.csv"), "--random-sample", "3000",
                           "--sample-output", path("pbdf.csv"), "--targeted-sample", "1500", "--targeted-output", path("targeted.csv"),
                           "--history-output", path("history.csv")])
        #expect(sim.status == 0, "\(sim.stderr)")
        #expect(sim.stdout.contains("random sample") && sim.stdout.contains("3000 rows"))
        let target = try run(["target", "--history", path("history.csv"), "--output", path("labels.csv"), "--as-of", "2026-01"])
        #expect(target.status == 0 && target.stdout.contains("labelled 1"))
        let train = try run(["train", "--spec", spec, "--data", path("pbdf.csv"), "--output", path("model.json")])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("3000 with provenance random"))
        let inspect = try run(["inspect", path("model.json")])
        #expect(inspect.stdout.contains("Feature spec: dmde-simule") && inspect.stdout.contains("trained on random rows only"))
        let terms = inspect.stdout.split(separator: "\n").filter { !$0.hasPrefix("Proxy:") }
        #expect(!terms.contains { $0.contains("parent_isole") }, "sensitive columns are not inputs")
        #expect(inspect.stdout.contains("Proxy: ") && train.stderr.contains("warning: proxy: "), "the proxy check flags the proxies of single parenthood")
        let score = try run(["score", "--model", path("model.json"), "--data", path("pop.csv"), "--output", path("scores.csv")])
        #expect(score.status == 0 && score.stdout.contains("20000 scores"))
        #expect(try String(contentsOfFile: path("scores.csv"), encoding: .utf8).hasPrefix("id,score\nD00000001,"))

        // Targeted rows need a decision about selection bias.
        let mixed = dir.appendingPathComponent("mixed.csv").path
        let sample = try String(contentsOfFile: path("pbdf.csv"), encoding: .utf8)
        let targeted = try String(contentsOfFile: path("targeted.csv"), encoding: .utf8).split(separator: "\n").dropFirst().joined(separator: "\n")
        try (sample + targeted + "\n").write(toFile: mixed, atomically: true, encoding: .utf8)
        let undecided = try run(["train", "--spec", spec, "--data", mixed, "--provenance", "all", "--output", path("m2.json")])
        #expect(undecided.status == 1 && undecided.stderr.contains("--selection ipw"))
        let ipw = try run(["train", "--spec", spec, "--data", mixed, "--provenance", "all", "--selection", "ipw", "--output", path("m2.json")])
        #expect(ipw.status == 0, "\(ipw.stderr)")
        let ignored = try run(["train", "--spec", spec, "--data", mixed, "--provenance", "all", "--selection", "ignore", "--output", path("m3.json")])
        #expect(ignored.status == 0 && ignored.stderr.contains("selection bias"))

        // Sensitive columns: refused without a reason, recorded with one.
        let noReason = try run(["train", "--spec", spec, "--data", path("pbdf.csv"), "--allow-sensitive", "parent_isole", "--output", path("m4.json")])
        #expect(noReason.status == 1 && noReason.stderr.contains("--reason"))
        // A refusal of the library names the flag, not the library's parameter.
        let unknown = try run(["train", "--spec", spec, "--data", path("pbdf.csv"), "--allow-sensitive", "religion", "--reason", "x", "--output", path("m5.json")])
        #expect(unknown.status == 1 && unknown.stderr.contains("--allow-sensitive religion: the spec has no such column"), "\(unknown.stderr)")
        let withReason = try run(["train", "--spec", spec, "--data", path("pbdf.csv"), "--allow-sensitive", "parent_isole",
                                  "--reason", "étude de calibration", "--output", path("m4.json")])
        #expect(withReason.status == 0 && withReason.stderr.contains("sensitive column 'parent_isole' used as a model input by override"))
        #expect(try String(contentsOfFile: path("m4.json"), encoding: .utf8).contains("\"reason\" : \"étude de calibration\""))
    }

    /// Audit, card and monitor end to end on a simulated population, and their argument errors.
    @Test func auditCardAndMonitor() throws {
        let dir = scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let model = Self.packageRoot.appendingPathComponent("models/dmde-simule.model.json").path
        let sim = try run(["simulate", "--dossiers", "20000", "--seed", "5", "--output", path("pop.csv"), "--random-sample", "3000", "--sample-output", path("pbdf.csv")])
        #expect(sim.status == 0, "\(sim.stderr)")
        var profile = "nb_enfants: 2, enfant_19_plus: 0, couple: 0, activite_titulaire: salarie, activite_conjoint: sans_conjoint, revenu_rapport_smic: 0.6, "
        profile += "declaration_trimestrielle: 1, moyenne_rsa_12m: 0, moyenne_ppa_12m: 180, moyenne_al_12m: 250, moyenne_af_12m: 140, moyenne_cf_12m: 0, "
        profile += "moyenne_aah_12m: 900, nb_changements_loyer_18m: 1, nb_changements_adresse_24m: 0, changement_situation_familiale: 0, pension_alimentaire: 1, "
        profile += "tutelle: 0, nb_contacts_caf_12m: 4, mois_depuis_dernier_controle: 40, sexe_titulaire: F, parent_isole: 1, "
        profile += (1...20).map { String(format: "c%03d: 0", $0) }.joined(separator: ", ")
        try "archetypes:\n  - name: Mère isolée avec AAH\n    profile: {\(profile)}\n    edits: {sexe_titulaire: [M], activite_titulaire: [chomeur]}\n"
            .write(toFile: path("arch.yaml"), atomically: true, encoding: .utf8)
        let audit = try run(["audit", "--model", model, "--data", path("pop.csv"), "--attribute", "parent_isole", "--intersection", "parent_isole,revenu_rapport_smic",
                             "--band", "revenu_rapport_smic=0.5,1", "--top-k", "1000", "--bootstrap", "30", "--archetypes", path("arch.yaml"),
                             "--json", path("audit.json"), "--html", path("audit.html")])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("disparities:") && audit.stdout.contains("archetype Mère isolée avec AAH"))
        #expect(audit.stdout.contains("sexe_titulaire: F → M  score +0.0000, +0 places (not a model input)"))
        #expect(try String(contentsOfFile: path("audit.html"), encoding: .utf8).contains("<svg"))
        let evaluate = try run(["evaluate", "--model", model, "--data", path("pbdf.csv"), "--bootstrap", "20", "--json", path("eval.json")])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let card = try run(["card", "--model", model, "--evaluation", path("eval.json"), "--audit", path("audit.json"), "--valid-from", "2026-01-01",
                            "--markdown", path("card.md"), "--html", path("card.html")])
        #expect(card.status == 0, "\(card.stderr)")
        let md = try String(contentsOfFile: path("card.md"), encoding: .utf8)
        #expect(md.contains("article L312-1-3") && md.contains("| AUC |") && md.contains("**Disparité**"))

        // The selection of a plan, audited: `queue plan --output` lists it, `audit --selected` reads it.
        try "name: c\nmodel: \(model)\nchannels:\n  - {name: sur_pieces, capacity: 500}\nexploration: 0.2\nseed: 3\n"
            .write(toFile: path("campaign.yaml"), atomically: true, encoding: .utf8)
        let plan = try run(["queue", "plan", "--campaign", path("campaign.yaml"), "--data", path("pop.csv"), "--store", path("q.sqlite"), "--output", path("plan.csv")])
        #expect(plan.status == 0, "\(plan.stderr)")
        // Signed checkpoints: a key pair, a checkpoint after planning and another by hand, then verification.
        let keygen = try run(["queue", "keygen", "--output", path("audit.key")])
        #expect(keygen.status == 0 && FileManager.default.fileExists(atPath: path("audit.key.pub")), "\(keygen.stderr)")
        #expect(try run(["queue", "keygen", "--output", path("audit.key")]).stderr.contains("--key \(path("audit.key")) exists already"))
        let signed = try run(["queue", "checkpoint", "--key", path("audit.key"), "--checkpoint", path("checkpoints.jsonl"), "--store", path("q.sqlite")])
        #expect(signed.status == 0 && signed.stdout.contains("signed entry 1"), "\(signed.stdout) \(signed.stderr)")
        let verified = try run(["queue", "verify", "--checkpoint", path("checkpoints.jsonl"), "--public-key", path("audit.key.pub"), "--store", path("q.sqlite")])
        #expect(verified.status == 0 && verified.stdout.contains("chain intact"), "\(verified.stderr)")
        let half = try run(["queue", "verify", "--checkpoint", path("checkpoints.jsonl"), "--store", path("q.sqlite")])
        #expect(half.status == 1 && half.stderr.contains("--checkpoint and --public-key go together"))
        let planned = try String(contentsOfFile: path("plan.csv"), encoding: .utf8).split(separator: "\n")
        #expect(planned.count == 501 && planned[0].hasPrefix("id,canal,secteur,selection,proba_inclusion,score"))
        let planAudit = try run(["audit", "--model", model, "--data", path("pop.csv"), "--attribute", "parent_isole", "--selected", path("plan.csv"), "--bootstrap", "20"])
        #expect(planAudit.status == 0 && planAudit.stdout.contains("500 of 20000 dossiers selected"), "\(planAudit.stdout) \(planAudit.stderr)")

        // Users: once a store has users, the queue commands act for the user of CIBLAGE_TOKEN, never for a name.
        let store = path("q.sqlite")
        let first = try run(["queue", "next", "--controller", "mallory", "--store", store])
        #expect(first.status == 0 && first.stdout.contains("controller mallory"), "no users yet: the name is taken as given")
        let sector = String(first.stdout.components(separatedBy: "sector ").last?.prefix { $0 != "," } ?? "")
        let add = try run(["users", "add", "alice", "--role", "controleur", "--sector", sector, "--password-stdin", "--bcrypt-cost", "4", "--store", store],
                          stdin: "mot-de-passe-alice\n")
        #expect(add.status == 0 && add.stdout.contains("added alice (controleur, sectors \(sector))"), "\(add.stderr)")
        #expect(try run(["users", "add", "bob", "--role", "controleur", "--sector", "S1", "--store", store]).stderr.contains("--password-stdin"))
        #expect(try run(["users", "add", "bob", "--role", "controleur", "--password-stdin", "--store", store], stdin: "mot-de-passe-bob1\n")
            .stderr.contains("needs at least one --sector"))
        #expect(try run(["users", "add", "bob", "--role", "chef", "--password-stdin", "--store", store], stdin: "mot-de-passe-bob1\n").status == 1)
        let refused = try run(["queue", "next", "--controller", "alice", "--store", store])
        #expect(refused.status == 1 && refused.stderr.contains("set CIBLAGE_TOKEN"), "\(refused.stderr)")
        #expect(try run(["users", "token", "alice", "--password-stdin", "--store", store], stdin: "wrong-password-x\n").status == 1)
        let token = try run(["users", "token", "alice", "--password-stdin", "--days", "1", "--store", store], stdin: "mot-de-passe-alice\n")
        #expect(token.status == 0 && token.stdout.hasPrefix("cbl_"), "\(token.stderr)")
        let env = ["CIBLAGE_TOKEN": token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]
        let pulled = try run(["queue", "next", "--store", store], environment: env)
        #expect(pulled.status == 0 && pulled.stdout.contains("controller alice"), "\(pulled.stderr)")
        let impostor = try run(["queue", "next", "--controller", "mallory", "--store", store], environment: env)
        #expect(impostor.status == 1 && impostor.stderr.contains("--controller mallory is not the user of CIBLAGE_TOKEN (alice)"), "\(impostor.stderr)")
        #expect(try run(["queue", "next", "--store", store], environment: ["CIBLAGE_TOKEN": "cbl_forged"]).stderr.contains("unknown, expired"))
        #expect(try run(["users", "list", "--store", store]).stdout.contains("alice\tcontroleur\t\(sector)\tactive"))
        #expect(try run(["users", "disable", "alice", "--store", store]).status == 0)
        #expect(try run(["queue", "next", "--store", store], environment: env).status == 1)
        #expect(try run(["serve", "--listen", "localhost", "--store", store]).stderr.contains("--listen must be HOST:PORT"))

        // Monitor: the closed controls of a campaign, as `queue export` writes them.
        var closed = "id,cible,montant_indu,montant_rappel,fraude,provenance,proba_inclusion,score,canal,jugement,modele\n"
        for i in 0..<400 { closed += "D\(i),\(i % 3 == 0 ? 1 : 0),0,0,0,random,0.01,0.1,pieces,agree,x\n" }
        try closed.write(toFile: path("closed.csv"), atomically: true, encoding: .utf8)
        let monitor = try run(["monitor", "--model", model, "--closed", path("closed.csv"), "--json", path("monitor.json")])
        #expect(monitor.status == 0, "\(monitor.stderr)")
        #expect(monitor.stdout.contains("400 closed random controls") && monitor.stdout.contains("underestimates risk"))

        for (arguments, message) in [
            (["audit", "--model", model, "--data", path("pop.csv"), "--attribute", "parent_isole", "--top-k", "10", "--threshold", "0.5"], "exactly one selection rule"),
            (["audit", "--model", model, "--data", path("pop.csv"), "--attribute", "religion", "--top-k", "10"], "religion"),
            (["audit", "--model", model, "--data", path("pop.csv"), "--attribute", "revenu_rapport_smic", "--band", "revenu_rapport_smic=1,0.5", "--top-k", "10"], "increasing numbers"),
            (["audit", "--model", model, "--data", path("pop.csv"), "--top-k", "10"], "no attribute to audit"),
            (["audit", "--model", model, "--data", path("pop.csv"), "--attribute", "parent_isole", "--reference", "parent_isole=7", "--top-k", "10"], "the cells are 0, 1"),
            (["audit", "--model", model, "--data", path("pop.csv"), "--attribute", "parent_isole", "--band", "revenu_rapport_smic=1,2", "--top-k", "10"], "not among the audited attributes"),
            (["card", "--model", model, "--evaluation", path("audit.json"), "--markdown", path("x.md")], "not an evaluation written by"),
            (["card", "--model", model, "--audit", path("eval.json"), "--markdown", path("x.md")], "not an audit report written by"),
            (["card", "--model", model], "--markdown"),
            (["card", "--model", model, "--markdown", path("x.md"), "--valid-from", "janvier"], "YYYY-MM-DD"),
            (["monitor", "--model", model], "--closed"),
        ] {
            let r = try run(arguments)
            #expect(r.status == 1 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path("x.md")))
    }

    @Test func evaluateSelectExplainAndReasons() throws {
        let dir = scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let spec = Self.packageRoot.appendingPathComponent("models/dmde-simule.spec.yaml").path
        let model = Self.packageRoot.appendingPathComponent("models/dmde-simule.model.json").path
        #expect(try run(["simulate", "--dossiers", "30000", "--seed", "9", "--random-sample", "4000", "--sample-output", path("pbdf.csv")]).status == 0)
        let evaluate = try run(["evaluate", "--model", model, "--data", path("pbdf.csv"), "--bootstrap", "20", "--cv", "3",
                                "--report", path("report.html"), "--json", path("eval.json")])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("auc") && evaluate.stdout.contains("Hosmer-Lemeshow") && evaluate.stdout.contains("cross-validation (3"))
        let html = try String(contentsOfFile: path("report.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Courbe ROC") && !html.contains("src="))
        #expect(!html.contains("<script"), "self-contained, no script")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("eval.json")))) as! [String: Any]
        #expect((json["metrics"] as! [String: Any])["auc"] != nil)

        let select = try run(["select", "--spec", spec, "--data", path("pbdf.csv"), "--method", "forward", "--screen", "--output", path("selected.json")])
        #expect(select.status == 0, "\(select.stderr)")
        #expect(select.stdout.contains("Summary of Forward Selection") && select.stdout.contains("IV"))
        #expect(try run(["inspect", path("selected.json")]).status == 0)
        // Selection from the cache gives the same model, byte for byte, without parsing the CSV.
        let convert = try run(["convert", "--spec", spec, "--data", path("pbdf.csv"), "--output", path("pbdf.cbl")])
        #expect(convert.status == 0 && convert.stdout.contains("4000 rows"), "\(convert.stderr)")
        let cached = try run(["select", "--spec", spec, "--data", path("pbdf.cbl"), "--method", "forward", "--screen", "--output", path("selected-cache.json")])
        #expect(cached.status == 0, "\(cached.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("selected.json"))) == Data(contentsOf: URL(fileURLWithPath: path("selected-cache.json"))))
        let twice = try run(["convert", "--spec", spec, "--data", path("pbdf.cbl"), "--output", path("x.cbl")])
        #expect(twice.status == 1 && twice.stderr.contains("is already a cache"), "\(twice.stderr)")

        let id = "D00000001"
        let all = try String(contentsOfFile: path("pbdf.csv"), encoding: .utf8).split(separator: "\n")
        let first = String(all[1].split(separator: ",")[0])
        let explain = try run(["explain", "--model", model, "--data", path("pbdf.csv"), "--id", first, "--json", path("explain.json")])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("R311-3-1-2") && explain.stdout.contains("Les opérations effectuées"))
        #expect(explain.stdout.contains("Présence d'un enfant de 19 ans ou plus"))
        // The model uses the 12-month mean of AAH, which its proxy check flags as predicting a
        // disability: the person is told, rather than that no data on disability is used.
        #expect(explain.stdout.contains("« Montant mensuel moyen d'AAH sur 12 mois (€) » renseigne en partie sur « Situation de handicap » (AUC 0,81"))
        // No path of this machine: the model is named by its checksum (it is not registered).
        let notice = explain.stdout.split(separator: "\n").filter { !$0.hasPrefix("wrote ") }.joined(separator: "\n")
        let explained = try String(contentsOfFile: path("explain.json"), encoding: .utf8) + notice
        #expect(!explained.contains(dir.path) && !explained.contains(Self.packageRoot.path) && !explained.contains(".json") && !explained.contains(".csv"))
        #expect(explain.stdout.contains("Modèle : modèle non enregistré, empreinte sha256:"))
        let missing = try run(["explain", "--model", model, "--data", path("pbdf.csv"), "--id", id + "x"])
        #expect(missing.status == 1 && missing.stderr.contains("no dossier with id"))

        let monitor = try run(["monitor", "--model", model, "--reference", path("pbdf.csv"), "--current", path("pbdf.csv")])
        #expect(monitor.status == 0 && monitor.stdout.contains("score") && !monitor.stdout.contains("shift"), "\(monitor.stdout)")

        let score = try run(["score", "--model", model, "--data", path("pbdf.csv"), "--output", path("scores.csv"), "--reasons", "3"])
        #expect(score.status == 0, "\(score.stderr)")
        let header = try String(contentsOfFile: path("scores.csv"), encoding: .utf8).split(separator: "\n")[0]
        #expect(header == "id,score,raison_1,contribution_1,raison_2,contribution_2,raison_3,contribution_3")
    }

    /// On a terminal (`script` gives the command one), a long command draws its progress on stderr;
    /// in a pipe it prints nothing of it; the output file is the same bytes either way.
    @Test func progressShowsOnATerminalOnlyAndChangesNoOutput() throws {
        let dir = scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let terminal = Process()
        terminal.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        terminal.arguments = ["-qec", "\(Self.executable.path) simulate --dossiers 400000 --seed 4 --candidates 0 --output \(path("tty.csv"))", path("tty.log")]
        terminal.standardOutput = FileHandle.nullDevice
        try terminal.run()
        terminal.waitUntilExit()
        #expect(terminal.terminationStatus == 0)
        let drawn = try String(contentsOfFile: path("tty.log"), encoding: .utf8)
        #expect(drawn.contains("simulating: ") && drawn.contains("% (") && drawn.contains("rows/s"), "\(drawn)")
        let piped = try run(["simulate", "--dossiers", "400000", "--seed", "4", "--candidates", "0", "--output", path("pipe.csv")])
        #expect(piped.status == 0 && !piped.stderr.contains("simulating") && !piped.stderr.contains("\r"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("tty.csv"))) == Data(contentsOf: URL(fileURLWithPath: path("pipe.csv"))))
    }

    /// The same malformed file through every command that reads a CSV: each exits 1 naming the file,
    /// the line and the column, and writes none of its outputs.
    @Test func aMalformedFileIsRefusedByEveryCommandWithItsPlaceNamed() throws {
        let dir = scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let model = Self.packageRoot.appendingPathComponent("models/dmde-simule.model.json").path
        let spec = Self.packageRoot.appendingPathComponent("models/dmde-simule.spec.yaml").path
        #expect(try run(["simulate", "--dossiers", "3000", "--seed", "6", "--random-sample", "600", "--sample-output", path("pbdf.csv"),
                         "--history-output", path("history.csv")]).status == 0)
        // Line 5 of the sample gets a word where revenu_rapport_smic holds a number.
        var lines = try String(contentsOfFile: path("pbdf.csv"), encoding: .utf8).components(separatedBy: "\n")
        let column = lines[0].components(separatedBy: ",").firstIndex(of: "revenu_rapport_smic")!
        var fields = lines[4].components(separatedBy: ",")
        fields[column] = "beaucoup"
        lines[4] = fields.joined(separator: ",")
        try lines.joined(separator: "\n").write(toFile: path("bad.csv"), atomically: true, encoding: .utf8)
        var history = try String(contentsOfFile: path("history.csv"), encoding: .utf8).components(separatedBy: "\n")
        var record = history[2].components(separatedBy: ",")
        record[2] = "beaucoup"
        history[2] = record.joined(separator: ",")
        try history.joined(separator: "\n").write(toFile: path("bad-history.csv"), atomically: true, encoding: .utf8)
        try "name: c\nmodel: \(model)\nchannels:\n  - {name: sur_pieces, capacity: 50}\n".write(toFile: path("c.yaml"), atomically: true, encoding: .utf8)
        let bad = path("bad.csv"), place = "bad.csv, line 5, column 'revenu_rapport_smic': 'beaucoup' is not a number"
        let cases: [(arguments: [String], mention: String, outputs: [String])] = [
            (["train", "--spec", spec, "--data", bad, "--output", path("m.json")], place, ["m.json"]),
            (["select", "--spec", spec, "--data", bad, "--output", path("s.json")], place, ["s.json"]),
            (["score", "--model", model, "--data", bad, "--output", path("scores.csv")], place, ["scores.csv"]),
            (["evaluate", "--model", model, "--data", bad, "--json", path("e.json"), "--report", path("e.html")], place, ["e.json", "e.html"]),
            (["explain", "--model", model, "--data", bad, "--id", "D00000001", "--output", path("x.md")], place, ["x.md"]),
            (["audit", "--model", model, "--data", bad, "--attribute", "parent_isole", "--top-k", "10", "--json", path("a.json")], place, ["a.json"]),
            (["monitor", "--model", model, "--reference", path("pbdf.csv"), "--current", bad, "--json", path("d.json")], place, ["d.json"]),
            (["queue", "plan", "--campaign", path("c.yaml"), "--data", bad, "--store", path("q.sqlite"), "--output", path("plan.csv")], place, ["plan.csv"]),
            (["target", "--history", path("bad-history.csv"), "--output", path("labels.csv")],
             "bad-history.csv, line 3, column 'indu': 'beaucoup' is not a number", ["labels.csv"]),
        ]
        for c in cases {
            let r = try run(c.arguments)
            #expect(r.status == 1, "\(c.arguments[0]): status \(r.status), \(r.stderr)")
            #expect(r.stderr.contains(c.mention), "\(c.arguments[0]): \(r.stderr)")
            for o in c.outputs { #expect(!FileManager.default.fileExists(atPath: path(o)), "\(c.arguments[0]) wrote \(o)") }
        }
        // The plan was refused before the store recorded anything.
        let verify = try run(["queue", "status", "--store", path("q.sqlite")])
        #expect(verify.status == 0 && !verify.stdout.contains("sur_pieces"), "\(verify.stdout)")
    }

    @Test func helpExplainsFlagsAndExitsZero() throws {
        let r = try run(["train", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--l2") && r.stdout.contains("scikit-learn's C = 1/λ"))
        #expect(r.stdout.contains("--reference"))
    }
}
