import Foundation
import GRDB
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
        var windows: [(first: Double, last: Double)] = []
        for (p, out, err) in processes {
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let summary = String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(p.terminationStatus == 0, "\(summary)")
            ids += String(decoding: o, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
            latencies.append(summary)
            // "…, from 1764600000.123 to 1764600060.456 (Unix time)": when the process's calls ran.
            let words = summary.split(separator: " ")
            if let f = words.firstIndex(of: "from"), f + 3 < words.count, let first = Double(words[f + 1]), let last = Double(words[f + 3]) {
                windows.append((first, last))
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("\(kind): 16 processes × 500 next: \(ids.count) assignments in \(String(format: "%.1f", seconds)) s, \(String(format: "%.0f", Double(ids.count) / seconds)) next/s")
        print(latencies.joined(separator: "\n"))
        // The processes pulled at the same time, not one after another: every process's window of
        // calls overlaps another's, and the most pulling at one instant is printed (a sweep over
        // the 32 stamps; processes are started one by one, so on a loaded machine the first may end
        // before the last begins).
        #expect(windows.count == 16, "every process reports the window of its calls")
        for (k, w) in windows.enumerated() {
            let overlaps = windows.indices.contains { $0 != k && windows[$0].first < w.last && w.first < windows[$0].last }
            #expect(overlaps, "process \(k) pulled alone, from \(w.first) to \(w.last)")
        }
        // Ends sort before starts at the same instant: touching windows do not count as overlapping.
        var events: [(time: Double, change: Int)] = []
        for w in windows {
            events.append((w.first, 1))
            events.append((w.last, -1))
        }
        events.sort { (a: (time: Double, change: Int), b: (time: Double, change: Int)) -> Bool in
            a.time != b.time ? a.time < b.time : a.change < b.change
        }
        var active = 0, most = 0
        for event in events { active += event.change; most = max(most, active) }
        #expect(most >= 2)
        print("\(kind): at most \(most) of the 16 processes were pulling at the same instant")
        #expect(ids.count == 8000, "every item assigned once, none lost")
        #expect(Set(ids).count == ids.count, "no item assigned twice")
        let verify = try cli.run(["queue", "verify", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("8001 entries"), "\(verify.stdout)\(verify.stderr)")
    }

    /// Whether some process is inside a write transaction on the SQLite store at `path` right now.
    /// `BEGIN IMMEDIATE` with no busy timeout fails with SQLITE_BUSY exactly while another connection
    /// holds the write lock, which SQLite takes at a transaction's first write and frees at its commit
    /// or rollback. Only a store whose `items` table is committed counts, so that the creation of the
    /// schema is not mistaken for the plan.
    final class WriteLockProbe {
        let path: String
        private var database: DatabaseQueue?
        init(path: String) { self.path = path }

        func writerIsInsideTransaction() -> Bool {
            if database == nil {
                guard FileManager.default.fileExists(atPath: path) else { return false }
                var configuration = Configuration()
                configuration.busyMode = .immediateError
                database = try? DatabaseQueue(path: path, configuration: configuration)
            }
            guard let database else { return false }
            do {
                return try database.writeWithoutTransaction { db in
                    guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'items')") == true else { return false }
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    try db.execute(sql: "ROLLBACK")
                    return false
                }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                return true
            } catch {
                return false
            }
        }
    }

    /// What `killWhileWriting` saw: whether the process held the write lock at some point before the
    /// kill, and whether the kill is what ended it (SIGKILL), not the process finishing first.
    struct Kill { var sawWriteLock: Bool; var killed: Bool }

    /// Starts `process`, waits until it is inside a write transaction on `store` (or `deadline`
    /// milliseconds pass), waits `extra` more milliseconds (so that kills land early, midway and late in
    /// the transaction), then sends SIGKILL to its process group.
    /// With `aim` false the kill comes at `deadline` whatever the probe sees (rounds at random times).
    func killWhileWriting(_ process: Process, store: String, extra: Int, deadline: Int, aim: Bool = true) throws -> Kill {
        let probe = WriteLockProbe(path: store)
        try process.run()
        let start = Date()
        var saw = false
        while process.isRunning && Date().timeIntervalSince(start) * 1000 < Double(deadline) {
            if aim && probe.writerIsInsideTransaction() { saw = true; break }
            usleep(500)
        }
        if saw && extra > 0 { usleep(useconds_t(extra * 1000)) }
        Foundation.kill(-process.processIdentifier, SIGKILL)
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return Kill(sawWriteLock: saw, killed: process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
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

    /// Where a kill landed, from what the probe saw and what the store holds afterwards: a plan whose
    /// write lock was seen and that left nothing was killed inside its write transaction (it had begun
    /// and never committed).
    enum PlanKill: String { case insideWriteTransaction = "inside the write transaction", afterCommit = "after the commit",
                                 beforeTransaction = "before the transaction" }

    @Test func killedPlansAreAllOrNothing() throws {
        let (dir, campaign, population) = try setUp(capacity: 4000, dossiers: 12_000)
        var g = SystemRandomNumberGenerator()
        var landings: [PlanKill: Int] = [:]
        for round in 0..<50 {
            let store = dir.appendingPathComponent("plan-\(round).sqlite").path
            let p = Process()
            p.executableURL = CLITests.executable
            p.arguments = ["queue", "plan", "--campaign", campaign, "--data", population, "--store", store]
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            // Four rounds in five aim inside the write transaction; the fifth is killed at a random time.
            let aimed = round % 5 != 4
            let kill = try killWhileWriting(p, store: store, extra: aimed ? Int.random(in: 0...30, using: &g) : 0,
                                            deadline: aimed ? 120_000 : Int.random(in: 50...1500, using: &g))
            #expect(kill.killed, "round \(round): the plan finished before it could be killed")
            var total = 0
            if FileManager.default.fileExists(atPath: store) {
                let c = try statusCounts(store)
                total = c.planned + c.assigned + c.closed
                #expect(total == 0 || total == 4000, "round \(round): a killed plan left \(total) items")
                #expect(try auditEntries(store) == (total == 4000 ? 1 : 0))
            }
            let landing: PlanKill = total == 4000 ? .afterCommit : (kill.sawWriteLock ? .insideWriteTransaction : .beforeTransaction)
            landings[landing, default: 0] += 1
        }
        print("killed plans, 50 rounds: " + [PlanKill.insideWriteTransaction, .beforeTransaction, .afterCommit]
            .map { "\(landings[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
        // The test is about transactions: it proves nothing unless kills landed inside one.
        #expect((landings[.insideWriteTransaction] ?? 0) > 0, "no kill landed inside the write transaction")
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
        var g = SystemRandomNumberGenerator()
        var whileWriting = 0
        for round in 0..<50 {
            // Each round starts six items further on, so that its first closes meet open items and
            // not the refusals of items closed in earlier rounds (a refusal takes the write lock too).
            let start: Int = (round * 6) % ids.count
            let order: [Int] = Array(ids[start...]) + Array(ids[..<start])
            try """
                #!/bin/sh
                for id in \(order.map(String.init).joined(separator: " ")); do
                  "\(CLITests.executable.path)" queue close $id --controller alice --indu 700 --indu-months 6 --store "\(store)" >/dev/null 2>&1
                done

                """.write(toFile: script, atomically: true, encoding: .utf8)
            let p = Process()
            // Foundation starts the shell in a process group of its own, which the closes it runs
            // join: the group's SIGKILL stops the loop and the close in progress together.
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = [script]
            // Even rounds kill once a close is inside its write transaction; odd rounds at a random
            // time within 3 s, so that closes also complete between kills.
            let aimed = round % 2 == 0
            let kill = try killWhileWriting(p, store: store, extra: aimed ? Int.random(in: 0...2, using: &g) : 0,
                                            deadline: aimed ? 10_000 : Int.random(in: 200...3000, using: &g), aim: aimed)
            if kill.sawWriteLock { whileWriting += 1 }
            #expect(kill.killed, "round \(round): the closing loop ended before it was killed")
            let c = try statusCounts(store)
            #expect(c.planned == 0 && c.assigned + c.closed == 300, "an item was lost or duplicated: \(c)")
            // 1 plan entry + 300 assignments + one entry per close, whatever was interrupted.
            #expect(try auditEntries(store) == 1 + 300 + c.closed)
        }
        let closed = try statusCounts(store).closed
        print("closed after the kills: \(closed) of 300; kills within 2 ms of a close holding the write lock: \(whileWriting) of 25 aimed rounds")
        #expect(whileWriting > 0, "no kill came while a close was writing")
        #expect(closed > 0, "some closes completed between the kills, so that 'exactly once' was tested on recorded closes")
    }
}
