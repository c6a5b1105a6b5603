import Foundation
import Testing

/// The CLI is an edge: each command builds a request from its options, calls one workflow and prints
/// the result. These tests read `Sources/ciblage` and fail when a command does I/O or domain work itself.
@Suite struct CLIBoundaryTests {
    static let sources = CLITests.packageRoot.appendingPathComponent("Sources/ciblage")

    /// Modules the CLI may import: the workflows, the core's types, the argument parser, and the
    /// server edge that `serve` starts. Never a store adapter.
    static let allowedImports: Set<String> = ["ArgumentParser", "Foundation", "Glibc", "Synchronization", "Workflows", "CiblageServer", "CiblageSupport", "Accountability", "ControlQueue", "Dossiers",
                                              "Evaluation", "LinearAlgebra", "RiskModel"]

    /// Calls that read or write data files, build CSV or JSON, open a store or run the core directly.
    static let forbidden = ["AtomicFile", "CSVReader", "CSVBlockReader", "TrainingData.read", ".load(from:", ".load(path:", "JSONEncoder",
                            "JSONSerialization", "FileManager", "contentsOfFile", "contentsOf:", ".write(to:", "SQLiteQueueStore",
                            "PostgresQueueStore", "csvField", "Scorer.", "LogisticRegression.", "Planner.", "VariableSelection.run",
                            ".json()", "FileHandle(for", "fopen(", "EvaluationData", "AuditReport.run", "ProxyDetection", "PopulationSimulator.run",
                            "TargetBuilder.build"]

    /// The workflow calls a `run()` may make (the functions and `QueueOperations` methods of `Sources/Workflows`).
    static let workflows = ["train(", "selectVariables(", "score(", "evaluate(", "explain(", "exportPMML(", "inspect(model:", "monitor(",
                            "audit(", "writeCard(", "simulate(", "buildTargets(", ".plan(", ".next(", ".items(of:", ".close(", ".release(",
                            ".progress(", ".exportOutcomes(", ".verifyAudit(", ".signCheckpoint(", "generateAuditKey(",
                            ".addUser(", ".users()", ".disableUser(", ".issueToken(", "CiblageApplication.run(",
                            ".register(", ".approve(", "convert(", ".purge(", ".writeDeployerEvidence(", "scoreRouted(", ".retire(", ".versions(named:", ".show(",
                            "estimateUplift(", "scoreUplift(", "simulateFollowUp(", "buildRightOpenedTargets(", "buildRejetTargets(", "convertForEvaluation("]

    struct Violation: CustomStringConvertible, Equatable {
        var file: String
        var line: Int
        var problem: String
        var description: String { "\(file):\(line): \(problem)" }
    }

    /// The problems of one source file: forbidden imports and calls anywhere, and `run()` bodies that call no workflow.
    static func violations(file: String, text: String) -> [Violation] {
        var found: [Violation] = []
        let lines = text.components(separatedBy: "\n")
        for (k, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("//") || line.hasPrefix("///") { continue }
            if line.hasPrefix("import ") || line.hasPrefix("@testable import ") {
                let module = String(line.split(separator: " ").last!)
                if !allowedImports.contains(module) { found.append(Violation(file: file, line: k + 1, problem: "imports \(module)")) }
            }
            for token in forbidden where line.contains(token) {
                found.append(Violation(file: file, line: k + 1, problem: "calls \(token) itself"))
            }
        }
        for (line, body) in runBodies(lines) where !workflows.contains(where: { body.contains($0) }) {
            found.append(Violation(file: file, line: line, problem: "run() calls no workflow"))
        }
        return found
    }

    /// Each `func run()` with the text of its body, by brace matching from its line.
    static func runBodies(_ lines: [String]) -> [(line: Int, body: String)] {
        var out: [(Int, String)] = []
        for (k, line) in lines.enumerated() where line.contains("func run() throws {") || line.contains("func run() async throws {") {
            var depth = 0, body = "", started = false
            scan: for l in lines[k...] {
                for c in l {
                    if c == "{" { depth += 1; started = true }
                    if c == "}" { depth -= 1 }
                    body.append(c)
                    if started && depth == 0 { break scan }
                }
                body.append("\n")
            }
            out.append((k + 1, body))
        }
        return out
    }

    @Test func noCommandReadsFilesBuildsCSVOrJSONOrOpensAStoreItself() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { $0.hasSuffix(".swift") }.sorted()
        #expect(files.count >= 13, "the command files were not found: \(files)")
        var runs = 0
        var all: [Violation] = []
        for name in files {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(name), encoding: .utf8)
            runs += Self.runBodies(text.components(separatedBy: "\n")).count
            all += Self.violations(file: name, text: text)
        }
        #expect(runs >= 20, "every command has a run(); found \(runs)")
        #expect(all.isEmpty, "\(all.map(\.description).joined(separator: "\n"))")
    }

    /// The check itself finds what it looks for (so that the test above can fail).
    @Test func theCheckFlagsACommandThatDoesTheWorkItself() {
        let bad = """
            import GRDB
            struct Bad {
                func run() throws {
                    let text = try String(contentsOfFile: path, encoding: .utf8)
                    try AtomicFile.write(Data(text.utf8), to: out)
                }
            }
            """
        let problems = Self.violations(file: "Bad.swift", text: bad).map(\.problem)
        #expect(problems.contains("imports GRDB"))
        #expect(problems.contains("calls contentsOfFile itself") && problems.contains("calls AtomicFile itself"))
        #expect(problems.contains("run() calls no workflow"))
        let good = "import Workflows\nstruct Good {\n    func run() throws {\n        let r = try train(request())\n        print(r)\n    }\n}\n"
        #expect(Self.violations(file: "Good.swift", text: good).isEmpty)
    }
}
