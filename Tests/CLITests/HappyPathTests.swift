import Foundation
import Testing
@testable import ciblage
import Dossiers
import LinearAlgebra

/// The commands and options that only had their refusals tested: each one doing its job, checked on
/// what it writes, not only on its exit code.
@Suite struct HappyPathTests {
    let cli = CLITests()

    /// A store with one planned campaign of 40 items on two channels, and the population it came from.
    func plannedStore() throws -> (dir: URL, store: String) {
        let dir = cli.scratch()
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        let model = CLITests.packageRoot.appendingPathComponent("models/dmde-simule.model.json").path
        #expect(try cli.run(["simulate", "--dossiers", "3000", "--seed", "9", "--output", path("pop.csv")]).status == 0)
        try "name: c\nmodel: \(model)\nchannels:\n  - {name: sur_place, capacity: 10}\n  - {name: sur_pieces, capacity: 30}\nexploration: 0.2\nseed: 3\n"
            .write(toFile: path("campaign.yaml"), atomically: true, encoding: .utf8)
        let plan = try cli.run(["queue", "plan", "--campaign", path("campaign.yaml"), "--data", path("pop.csv"), "--store", path("q.sqlite")])
        #expect(plan.status == 0 && plan.stdout.contains("40 new items"), "\(plan.stdout) \(plan.stderr)")
        return (dir, path("q.sqlite"))
    }

    /// "item 12: dossier …, sur_place, sector S03, …" → (12, "sur_place", "S03").
    func parse(_ line: String) -> (id: Int, channel: String, sector: String)? {
        let parts = line.components(separatedBy: ", ")
        guard parts.count > 3, let id = Int(parts[0].dropFirst("item ".count).prefix { $0 != ":" }) else { return nil }
        return (id, parts[1], String(parts[2].dropFirst("sector ".count)))
    }

    @Test func queueNextListReleaseCloseAndExportDoTheirWork() throws {
        let (dir, store) = try plannedStore()
        // A single `queue next` describes the item it assigned.
        let first = try cli.run(["queue", "next", "--controller", "alice", "--store", store])
        #expect(first.status == 0, "\(first.stderr)")
        let a = try #require(parse(first.stdout), "\(first.stdout)")
        #expect(first.stdout.contains("state assigned, controller alice"))
        // --channel and --sector restrict what is pulled.
        let visit = try cli.run(["queue", "next", "--controller", "alice", "--channel", "sur_place", "--store", store])
        let v = try #require(parse(visit.stdout), "\(visit.stdout) \(visit.stderr)")
        #expect(v.channel == "sur_place")
        // A sector that still has planned items, from `queue status` (channel, sector, planned, …).
        let status = try cli.run(["queue", "status", "--store", store]).stdout.split(separator: "\n").dropFirst()
            .map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        let open = try #require(status.first { $0.count >= 3 && (Int($0[2]) ?? 0) > 0 }, "\(status)")
        let inSector = try cli.run(["queue", "next", "--controller", "alice", "--sector", String(open[1]), "--store", store])
        let s = try #require(parse(inSector.stdout), "\(inSector.stdout) \(inSector.stderr)")
        #expect(s.sector == String(open[1]))
        let nowhere = try cli.run(["queue", "next", "--controller", "alice", "--sector", "no-such-sector", "--store", store])
        #expect(nowhere.status == 0 && nowhere.stdout.contains("no item left for alice"))
        // `queue list` shows alice's three items and nobody else's.
        let listed = try cli.run(["queue", "list", "--controller", "alice", "--store", store]).stdout
            .split(separator: "\n").filter { $0.hasPrefix("item ") }.compactMap { parse(String($0))?.id }
        #expect(Set(listed) == [a.id, v.id, s.id])
        #expect(try cli.run(["queue", "list", "--controller", "bob", "--store", store]).stdout.split(separator: "\n").filter { $0.hasPrefix("item ") }.isEmpty)
        // `queue release` gives one back: it leaves alice's list and can be pulled again.
        let released = try cli.run(["queue", "release", "\(s.id)", "--controller", "alice", "--store", store])
        #expect(released.status == 0 && released.stdout.contains("released item \(s.id)"), "\(released.stderr)")
        let after = try cli.run(["queue", "list", "--controller", "alice", "--store", store]).stdout
        #expect(!after.contains("item \(s.id):") && after.contains("item \(a.id):"))
        // A successful override close, with its reason, and an agreeing close with an indu.
        let override = try cli.run(["queue", "close", "\(a.id)", "--controller", "alice", "--indu", "0", "--judgement", "override",
                                    "--reason", "dossier déjà contrôlé sur place le mois dernier", "--store", store])
        #expect(override.status == 0 && override.stdout.contains("closed item \(a.id)"), "\(override.stderr)")
        let agree = try cli.run(["queue", "close", "\(v.id)", "--controller", "alice", "--indu", "1250", "--indu-months", "7", "--store", store])
        #expect(agree.status == 0, "\(agree.stderr)")
        // `queue export` writes both closed items, labelled by the target rule (≥ 600 € over ≥ 6 months).
        let csv = dir.appendingPathComponent("outcomes.csv").path
        let export = try cli.run(["queue", "export", "--campaign", "c", "--output", csv, "--store", store])
        #expect(export.status == 0 && export.stdout.contains("2 closed items"), "\(export.stdout) \(export.stderr)")
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 3)
        let header = rows[0]
        let judgement = try #require(header.firstIndex(of: "jugement"), "\(header)")
        let label = try #require(header.firstIndex(of: "cible"), "\(header)")
        let amount = try #require(header.firstIndex(of: "montant_indu"), "\(header)")
        let byJudgement = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[judgement], [$0[label], $0[amount]]) })
        #expect(byJudgement["agree"]?.first == "1" && Double(byJudgement["agree"]?.last ?? "") == 1250, "\(rows)")
        #expect(byJudgement["override"]?.first == "0" && Double(byJudgement["override"]?.last ?? "") == 0, "\(rows)")
        // The override and its reason are in the audit log, which still verifies.
        let verify = try cli.run(["queue", "verify", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("chain intact"), "\(verify.stdout) \(verify.stderr)")
    }

    /// spector.csv rewritten with ';' and decimal commas gives the same model as the original, and
    /// scores the same; `export --pmml` writes that model as a PMML RegressionModel.
    @Test func delimiterAndDecimalCommaReadFrenchFilesAndPMMLIsWritten() throws {
        let dir = cli.scratch()
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        let original = CLITests.data.appendingPathComponent("spector.csv").path
        let text = try String(contentsOfFile: original, encoding: .utf8)
        try text.replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: ".", with: ",").write(toFile: path("fr.csv"), atomically: true, encoding: .utf8)
        #expect(try cli.run(["train", "--data", original, "--target", "GRADE", "--output", path("a.json")]).status == 0)
        let french = try cli.run(["train", "--data", path("fr.csv"), "--target", "GRADE", "--delimiter", ";", "--decimal-comma", "--output", path("b.json")])
        #expect(french.status == 0, "\(french.stderr)")
        let a = try cli.run(["inspect", path("a.json")]).stdout, b = try cli.run(["inspect", path("b.json")]).stdout
        #expect(!a.isEmpty && a.split(separator: "\n").filter { $0.contains("GPA") } == b.split(separator: "\n").filter { $0.contains("GPA") })
        #expect(try cli.run(["score", "--model", path("a.json"), "--data", original, "--output", path("a.csv")]).status == 0)
        let scored = try cli.run(["score", "--model", path("b.json"), "--data", path("fr.csv"), "--delimiter", ";", "--decimal-comma", "--output", path("b.csv")])
        #expect(scored.status == 0, "\(scored.stderr)")
        let scoresA = try String(contentsOfFile: path("a.csv"), encoding: .utf8), scoresB = try String(contentsOfFile: path("b.csv"), encoding: .utf8)
        #expect(scoresA.split(separator: "\n").count == 33 && scoresA == scoresB)
        // Without --decimal-comma the French file is refused with the place of the first number.
        let wrong = try cli.run(["train", "--data", path("fr.csv"), "--target", "GRADE", "--delimiter", ";", "--output", path("c.json")])
        #expect(wrong.status == 1 && wrong.stderr.contains("\(path("fr.csv")), line 2, column 'GPA': '2,66' is not a number") && !FileManager.default.fileExists(atPath: path("c.json")), "\(wrong.stderr)")

        let export = try cli.run(["export", "--model", path("a.json"), "--pmml", path("a.pmml")])
        #expect(export.status == 0, "\(export.stderr)")
        let pmml = try String(contentsOfFile: path("a.pmml"), encoding: .utf8)
        #expect(pmml.contains("<PMML") && pmml.contains("version=\"4.4\"") && pmml.contains("normalizationMethod=\"logit\""))
        #expect(pmml.contains("<NumericPredictor name=\"GPA\""))
        // The independent check: the PMML 4.4 XSD, nyoka's bindings, and the pmml4s engine scoring
        // spector.csv to within 1e-12 of `ciblage score`. `make test` installs it and sets
        // CIBLAGE_PMML_CHECK=1 (scripts/install-pmml-check-deps.sh); a bare `swift test` says it skipped.
        guard ProcessInfo.processInfo.environment["CIBLAGE_PMML_CHECK"] == "1" else {
            print("PMML check skipped: CIBLAGE_PMML_CHECK is not 1 (make test sets it after installing Java and scripts/.venv-pmml)")
            return
        }
        let check = Process()
        check.executableURL = CLITests.packageRoot.appendingPathComponent("scripts/.venv-pmml/bin/python")
        check.arguments = [CLITests.packageRoot.appendingPathComponent("scripts/pmml/check_pmml.py").path, path("a.pmml"), original, path("a.csv")]
        let out = Pipe()
        check.standardOutput = out; check.standardError = out
        try check.run()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        print(report)
        #expect(check.terminationStatus == 0 && report.contains("PMML 4.4): valid"), "\(report)")
    }

    /// `evaluate --inclusion pi` weights each row by 1/π: the same figures as `--weight w` with w = 1/π,
    /// and not those of the unweighted evaluation.
    @Test func evaluateInclusionWeightsRowsByTheInverseProbability() throws {
        let dir = cli.scratch()
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        let original = CLITests.data.appendingPathComponent("spector.csv").path
        #expect(try cli.run(["train", "--data", original, "--target", "GRADE", "--output", path("m.json")]).status == 0)
        var lines = try String(contentsOfFile: original, encoding: .utf8).split(separator: "\n").map(String.init)
        let pis = [0.5, 0.25, 1.0, 0.125]
        lines[0] += ",pi,w"
        for k in 1..<lines.count {
            let pi = pis[k % pis.count]
            lines[k] += ",\(pi),\(1 / pi)"
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("sample.csv"), atomically: true, encoding: .utf8)
        func evaluate(_ extra: [String]) throws -> String {
            let r = try cli.run(["evaluate", "--model", path("m.json"), "--data", path("sample.csv"), "--bootstrap", "0"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout
        }
        let byInclusion = try evaluate(["--inclusion", "pi"]), byWeight = try evaluate(["--weight", "w"]), plain = try evaluate([])
        func auc(_ s: String) -> String? { s.split(separator: "\n").first { $0.hasPrefix("auc ") }.map(String.init) }
        #expect(auc(byInclusion) != nil && auc(byInclusion) == auc(byWeight), "\(byInclusion)\n\(byWeight)")
        #expect(auc(byInclusion) != auc(plain))
    }

    /// Exit code 2 is for our own failures only: an error of no known kind, or the linear algebra
    /// refusing what the workflows should never hand it; user errors stay 1.
    @Test func internalErrorsExitTwoAndUserErrorsOne() {
        struct Unexpected: Error {}
        #expect(Main.status(for: Unexpected()) == 2)
        #expect(Main.status(for: LinearAlgebraError.shapeMismatch("2x3 times 2x3")) == 2)
        #expect(Main.status(for: DataError.emptyFile(file: "x.csv")) == 1)
    }
}
