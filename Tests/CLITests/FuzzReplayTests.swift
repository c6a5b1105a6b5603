import Foundation
import Testing

/// The fuzzing harnesses, replayed by a normal build (docs/HARDENING.md): every seed of the corpus
/// and every input that ever crashed (fuzz/regressions/TARGET/, one file each) goes through its
/// harness, whose properties (readers agree, numbers equal strtod's, round trips, refusal kinds)
/// stop the process when they fail.
@Suite struct FuzzReplayTests {
    static let targets = ["csv", "spec", "campaign", "model", "archetypes", "json"]
    static let binary = CLITests.executable.deletingLastPathComponent().appendingPathComponent("ciblage-fuzz")

    @Test(arguments: targets)
    func seedsAndRegressionsPassTheirHarness(_ target: String) throws {
        let root = CLITests.packageRoot.appendingPathComponent("fuzz")
        let folders = ["corpus", "regressions"].map { root.appendingPathComponent($0).appendingPathComponent(target).path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        let files = try folders.flatMap { try FileManager.default.contentsOfDirectory(atPath: $0).filter { !$0.hasPrefix(".") } }
        #expect(files.count >= 2, "a corpus of a few seeds at least for \(target)")
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = [target] + folders
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && o.contains("\(target): \(files.count) inputs replayed, every property held"), "\(o)\(e)")
    }

    /// An unknown target or a missing input is refused, never replayed as "0 inputs, all passed".
    @Test func theReplayRefusesWhatItCannotRun() throws {
        func run(_ arguments: [String]) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = Self.binary
            p.arguments = arguments
            let err = Pipe()
            p.standardError = err; p.standardOutput = FileHandle.nullDevice
            try p.run()
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, e)
        }
        let unknown = try run(["yaml"])
        #expect(unknown.0 == 2 && unknown.1.contains("TARGET is one of: csv, spec, campaign, model, archetypes, json"))
        let missing = try run(["csv", "/nonexistent/input"])
        #expect(missing.0 == 1 && missing.1.contains("/nonexistent/input: no such file or folder"))
    }
}
