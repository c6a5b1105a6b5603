import Foundation
import Testing

/// The queue under several processes: concurrent pulls, and processes killed with SIGKILL.
@Suite(.serialized) struct QueueProcessTests {
    let cli = CLITests()

    /// A simulated population, a model with a severity part, and a campaign of `capacity` items.
    func setUp(capacity: Int, dossiers: Int) throws -> (dir: URL, campaign: String, population: String) {
        let dir = cli.scratch()
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        let spec = CLITests.packageRoot.appendingPathComponent("models/dmde-simule.spec.yaml").path
        #expect(try cli.run(["simulate", "--dossiers", "\(dossiers)", "--seed", "5", "--output", path("pop.csv"),
                             "--random-sample", "3000", "--sample-output", path("pbdf.csv")]).status == 0)
        let train = try cli.run(["train", "--spec", spec, "--data", path("pbdf.csv"), "--amount", "montant_indu", "--output", path("model.json")])
        #expect(train.status == 0, "\(train.stderr)")
        try """
            name: charge
            model: model.json
            channels:
              - {name: sur_pieces, capacity: \(capacity)}
            exploration: 0.1
            seed: 3

            """.write(toFile: path("campaign.yaml"), atomically: true, encoding: .utf8)
        return (dir, path("campaign.yaml"), path("pop.csv"))
    }

    /// SQLite, and PostgreSQL when CIBLAGE_TEST_POSTGRES_URL is set (a database of its own, made with createdb).
    static var stores: [String] { (ProcessInfo.processInfo.environment["CIBLAGE_TEST_POSTGRES_URL"] ?? "").isEmpty ? ["sqlite"] : ["sqlite", "postgres"] }

    func newStore(_ kind: String, in dir: URL) throws -> String {
        guard kind == "postgres", let base = ProcessInfo.processInfo.environment["CIBLAGE_TEST_POSTGRES_URL"],
              var url = URLComponents(string: base) else { return dir.appendingPathComponent("q.sqlite").path }
        let name = "p_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/createdb")
        p.arguments = ["-h", url.host!, "-p", "\(url.port ?? 5432)", "-U", url.user!, name]
        p.environment = ["PGPASSWORD": url.password ?? ""]
        try p.run(); p.waitUntilExit()
        #expect(p.terminationStatus == 0, "createdb failed")
        url.path = "/" + name
        return url.string!
    }

    @Test(arguments: stores)
    func sixteenProcessesPullWithoutDoubleAssignment(kind: String) throws {
        let (dir, campaign, population) = try setUp(capacity: 8000, dossiers: 12_000)
        let store = try newStore(kind, in: dir)
        let plan = try cli.run(["queue", "plan", "--campaign", campaign, "--data", population, "--store", store])
        #expect(plan.status == 0 && plan.stdout.contains("8000 new items"), "\(plan.stdout) \(plan.stderr)")
        let start = Date()
        var processes: [(Process, Pipe, Pipe)] = []
        for k in 0..<16 {
            let p = Process()
            p.executableURL = CLITests.executable
            p.arguments = ["queue", "next", "--controller", "c\(k)", "--repeat", "500", "--store", store]
            let out = Pipe(), err = Pipe()
            p.standardOutput = out; p.standardError = err
            try p.run()
            processes.append((p, out, err))
        }
        var ids: [Int] = []
        var latencies: [String] = []
        for (p, out, err) in processes {
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(String(decoding: e, as: UTF8.self))")
            ids += String(decoding: o, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
            latencies.append(String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let seconds = Date().timeIntervalSince(start)
        print("\(kind): 16 processes × 500 next: \(ids.count) assignments in \(String(format: "%.1f", seconds)) s, \(String(format: "%.0f", Double(ids.count) / seconds)) next/s")
        print(latencies.joined(separator: "\n"))
        #expect(ids.count == 8000, "every item assigned once, none lost")
        #expect(Set(ids).count == ids.count, "no item assigned twice")
        let verify = try cli.run(["queue", "verify", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("8001 entries"), "\(verify.stdout)\(verify.stderr)")
    }

    func kill(_ arguments: [String], afterMilliseconds ms: Int) throws -> Int32 {
        let p = Process()
        p.executableURL = CLITests.executable
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(useconds_t(ms * 1000))
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return p.terminationStatus
    }

    func statusCounts(_ store: String) throws -> (planned: Int, assigned: Int, closed: Int) {
        let s = try cli.run(["queue", "status", "--store", store])
        var planned = 0, assigned = 0, closed = 0
        for line in s.stdout.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, let a = Int(f[2]), let b = Int(f[3]), let c = Int(f[4]) else { continue }
            planned += a; assigned += b; closed += c
        }
        return (planned, assigned, closed)
    }

    func auditEntries(_ store: String) throws -> Int {
        let v = try cli.run(["queue", "verify", "--store", store])
        #expect(v.status == 0, "audit does not verify: \(v.stderr)")
        return Int(v.stdout.split(separator: " ").first { Int($0) != nil } ?? "0") ?? -1
    }

    @Test func killedPlansAreAllOrNothing() throws {
        let (dir, campaign, population) = try setUp(capacity: 400, dossiers: 4000)
        var g = SystemRandomNumberGenerator()
        var outcomes: [String: Int] = [:]
        for round in 0..<50 {
            let store = dir.appendingPathComponent("plan-\(round).sqlite").path
            _ = try kill(["queue", "plan", "--campaign", campaign, "--data", population, "--store", store], afterMilliseconds: Int.random(in: 50...1500, using: &g))
            guard FileManager.default.fileExists(atPath: store) else { outcomes["no store", default: 0] += 1; continue }
            let c = try statusCounts(store)
            let total = c.planned + c.assigned + c.closed
            #expect(total == 0 || total == 400, "round \(round): a killed plan left \(total) items")
            let entries = try auditEntries(store)
            #expect(entries == (total == 400 ? 1 : 0))
            outcomes[total == 400 ? "complete" : "nothing", default: 0] += 1
        }
        print("killed plans: \(outcomes)")
    }

    @Test func killedClosesAreRecordedExactlyOnce() throws {
        let (dir, campaign, population) = try setUp(capacity: 300, dossiers: 3000)
        let store = dir.appendingPathComponent("q.sqlite").path
        #expect(try cli.run(["queue", "plan", "--campaign", campaign, "--data", population, "--store", store]).status == 0)
        let ids = try cli.run(["queue", "next", "--controller", "alice", "--repeat", "300", "--store", store]).stdout
            .split(separator: "\n").compactMap { Int($0) }
        #expect(ids.count == 300)
        // A shell closes the items one by one; it is killed at random points, 50 times.
        let script = dir.appendingPathComponent("close.sh").path
        try """
            #!/bin/sh
            for id in \(ids.map(String.init).joined(separator: " ")); do
              "\(CLITests.executable.path)" queue close $id --controller alice --indu 700 --indu-months 6 --store "\(store)" >/dev/null 2>&1
            done

            """.write(toFile: script, atomically: true, encoding: .utf8)
        var g = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "exec setsid /bin/sh \(script)"]
            try p.run()
            usleep(useconds_t(Int.random(in: 20...250, using: &g) * 1000))
            Foundation.kill(-p.processIdentifier, SIGKILL)
            Foundation.kill(p.processIdentifier, SIGKILL)
            _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/pkill"), arguments: ["-9", "-f", script]).waitUntilExit()
            p.waitUntilExit()
            let c = try statusCounts(store)
            #expect(c.planned == 0 && c.assigned + c.closed == 300, "an item was lost or duplicated: \(c)")
            // 1 plan entry + 300 assignments + one entry per close, whatever was interrupted.
            #expect(try auditEntries(store) == 1 + 300 + c.closed)
        }
        print("closed after the kills: \(try statusCounts(store).closed) of 300")
    }
}
