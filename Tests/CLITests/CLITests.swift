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

    func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func scratch() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
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
        #expect(!inspect.stdout.contains("parent_isole"), "sensitive columns are not inputs")
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
        let withReason = try run(["train", "--spec", spec, "--data", path("pbdf.csv"), "--allow-sensitive", "parent_isole",
                                  "--reason", "étude de calibration", "--output", path("m4.json")])
        #expect(withReason.status == 0 && withReason.stderr.contains("sensitive column 'parent_isole' used as a model input by override"))
        #expect(try String(contentsOfFile: path("m4.json"), encoding: .utf8).contains("\"reason\" : \"étude de calibration\""))
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

        let id = "D00000001"
        let all = try String(contentsOfFile: path("pbdf.csv"), encoding: .utf8).split(separator: "\n")
        let first = String(all[1].split(separator: ",")[0])
        let explain = try run(["explain", "--model", model, "--data", path("pbdf.csv"), "--id", first, "--json", path("explain.json")])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("R311-3-1-2") && explain.stdout.contains("Les opérations effectuées"))
        #expect(explain.stdout.contains("Présence d'un enfant de 19 ans ou plus"))
        let missing = try run(["explain", "--model", model, "--data", path("pbdf.csv"), "--id", id + "x"])
        #expect(missing.status == 1 && missing.stderr.contains("no dossier with id"))

        let monitor = try run(["monitor", "--model", model, "--reference", path("pbdf.csv"), "--current", path("pbdf.csv")])
        #expect(monitor.status == 0 && monitor.stdout.contains("score") && !monitor.stdout.contains("shift"), "\(monitor.stdout)")

        let score = try run(["score", "--model", model, "--data", path("pbdf.csv"), "--output", path("scores.csv"), "--reasons", "3"])
        #expect(score.status == 0, "\(score.stderr)")
        let header = try String(contentsOfFile: path("scores.csv"), encoding: .utf8).split(separator: "\n")[0]
        #expect(header == "id,score,raison_1,contribution_1,raison_2,contribution_2,raison_3,contribution_3")
    }

    @Test func helpExplainsFlagsAndExitsZero() throws {
        let r = try run(["train", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--l2") && r.stdout.contains("scikit-learn's C = 1/λ"))
        #expect(r.stdout.contains("--reference"))
    }
}
