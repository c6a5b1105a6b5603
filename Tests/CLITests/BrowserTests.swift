import Foundation
import Testing

/// The web application in a real browser: headless Chromium driven by selenium
/// (`scripts/browser-e2e.py`), against `ciblage serve` on a planned store.
///
/// `make test` installs Chromium, its driver and selenium, and sets CIBLAGE_BROWSER_TEST=1: then a
/// missing browser fails the test. Without it (a bare `swift test` on a machine without Chromium)
/// the test says so and does nothing.
@Suite struct BrowserTests {
    static let python = CLITests.packageRoot.appendingPathComponent("scripts/.venv-browser/bin/python")

    @Test func twoControleursAndASuperviseurInHeadlessChromium() throws {
        let required = ProcessInfo.processInfo.environment["CIBLAGE_BROWSER_TEST"] == "1"
        let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") && FileManager.default.isExecutableFile(atPath: Self.python.path)
        guard available else {
            if required { Issue.record("CIBLAGE_BROWSER_TEST=1 but Chromium, chromedriver or the selenium venv is missing: run scripts/install-browser-test-deps.sh") }
            else { print("browser test skipped: no Chromium here (make test installs it)") }
            return
        }
        let cli = CLITests()
        let dir = cli.scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        #expect(try cli.run(["simulate", "--dossiers", "3000", "--seed", "5", "--output", path("pop.csv")]).status == 0)
        let model = CLITests.packageRoot.appendingPathComponent("models/dmde-simule.model.json").path
        try "name: e2e\nmodel: \(model)\nchannels:\n  - {name: sur_pieces, capacity: 60}\n  - {name: sur_place, capacity: 10}\nobjective: {euros: 20000}\nexploration: 0.2\nseed: 1\n"
            .write(toFile: path("c.yaml"), atomically: true, encoding: .utf8)
        let plan = try cli.run(["queue", "plan", "--campaign", path("c.yaml"), "--data", path("pop.csv"), "--store", path("q.sqlite")])
        #expect(plan.status == 0, "\(plan.stderr)")
        let sectors = Set(try cli.run(["queue", "status", "--store", path("q.sqlite")]).stdout.split(separator: "\n").dropFirst()
            .compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) }).sorted()
        #expect(!sectors.isEmpty)
        let password = "mot-de-passe-e2e-2026"
        for (name, role) in [("claire", "controleur"), ("marc", "controleur"), ("sophie", "superviseur")] {
            let add = try cli.run(["users", "add", name, "--role", role] + sectors.flatMap { ["--sector", $0] }
                                  + ["--password-stdin", "--bcrypt-cost", "4", "--store", path("q.sqlite")], stdin: password + "\n")
            #expect(add.status == 0, "\(add.stderr)")
        }
        let port = Int.random(in: 20_000...40_000)
        let server = Process()
        server.executableURL = CLITests.executable
        server.arguments = ["serve", "--store", path("q.sqlite"), "--listen", "127.0.0.1:\(port)", "--campaign", path("c.yaml")]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }

        let browser = Process()
        browser.executableURL = Self.python
        let shots = ProcessInfo.processInfo.environment["CIBLAGE_SCREENSHOTS"] ?? path("screenshots")
        browser.arguments = [CLITests.packageRoot.appendingPathComponent("scripts/browser-e2e.py").path, "http://127.0.0.1:\(port)", password, shots]
        let out = Pipe()
        browser.standardOutput = out
        browser.standardError = out
        try browser.run()
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        browser.waitUntilExit()
        #expect(browser.terminationStatus == 0, "\(log)")
        #expect(log.contains("0 failed check(s)"), "\(log)")
        #expect(FileManager.default.fileExists(atPath: shots + "/dossier-375px.png") && FileManager.default.fileExists(atPath: shots + "/tableau.png"))
        // Both closes are in the store's audit log under the people who made them.
        let verify = try cli.run(["queue", "verify", "--store", path("q.sqlite")])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    /// `queue next|list|close|release --server URL`: the controller's commands through the API, as
    /// the user of CIBLAGE_TOKEN, with the server's authorisation and audit trail.
    @Test func controllersCommandsGoThroughTheServer() throws {
        let cli = CLITests()
        let dir = cli.scratch()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        #expect(try cli.run(["simulate", "--dossiers", "2000", "--seed", "8", "--output", path("pop.csv")]).status == 0)
        let model = CLITests.packageRoot.appendingPathComponent("models/dmde-simule.model.json").path
        try "name: remote\nmodel: \(model)\nchannels:\n  - {name: sur_pieces, capacity: 30}\nseed: 1\n".write(toFile: path("c.yaml"), atomically: true, encoding: .utf8)
        #expect(try cli.run(["queue", "plan", "--campaign", path("c.yaml"), "--data", path("pop.csv"), "--store", path("q.sqlite")]).status == 0)
        let sectors = Set(try cli.run(["queue", "status", "--store", path("q.sqlite")]).stdout.split(separator: "\n").dropFirst()
            .compactMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) }).sorted()
        let add = try cli.run(["users", "add", "claire", "--role", "controleur"] + sectors.flatMap { ["--sector", $0] }
                              + ["--password-stdin", "--bcrypt-cost", "4", "--store", path("q.sqlite")], stdin: "mot-de-passe-claire\n")
        #expect(add.status == 0, "\(add.stderr)")
        let token = try cli.run(["users", "token", "claire", "--password-stdin", "--store", path("q.sqlite")], stdin: "mot-de-passe-claire\n")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = Int.random(in: 40_001...60_000)
        let server = Process()
        server.executableURL = CLITests.executable
        server.arguments = ["serve", "--store", path("q.sqlite"), "--listen", "127.0.0.1:\(port)"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let env = ["CIBLAGE_TOKEN": token, "CIBLAGE_SERVER": "http://127.0.0.1:\(port)"]
        var pulled = try cli.run(["queue", "next"], environment: env)
        for _ in 0..<50 where pulled.status != 0 && pulled.stderr.contains("cannot be reached") {  // the server is starting
            Thread.sleep(forTimeInterval: 0.1)
            pulled = try cli.run(["queue", "next"], environment: env)
        }
        #expect(pulled.status == 0 && pulled.stdout.contains("controller claire"), "\(pulled.stdout) \(pulled.stderr)")
        let item = try #require(pulled.stdout.split(separator: ":").first?.split(separator: " ").last.map(String.init))
        #expect(try cli.run(["queue", "list"], environment: env).stdout.contains("item \(item):"))
        let refused = try cli.run(["queue", "close", item, "--indu", "500"], environment: env)
        #expect(refused.status == 1 && refused.stderr.contains("--indu-months"), "\(refused.stderr)")
        #expect(try cli.run(["queue", "close", item, "--indu", "500", "--indu-months", "4"], environment: env).status == 0)
        let again = try cli.run(["queue", "close", item], environment: env)
        #expect(again.status == 1 && again.stderr.contains("HTTP 409"), "\(again.stderr)")
        #expect(try cli.run(["queue", "next", "--controller", "mallory"], environment: env).stderr.contains("--controller does not go with --server"))
        #expect(try cli.run(["queue", "next"], environment: ["CIBLAGE_SERVER": "http://127.0.0.1:\(port)", "CIBLAGE_TOKEN": "cbl_forged"])
            .stderr.contains("HTTP 401"))
        // The close is in the store's audit log as claire's, from the server.
        server.terminate(); server.waitUntilExit()
        #expect(try cli.run(["queue", "verify", "--store", path("q.sqlite")]).status == 0)
    }
}

