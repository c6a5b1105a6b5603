import ControlQueue
import Foundation
import Testing

/// Retention on both stores: old controls deleted, old access entries redacted, the chain still
/// verifiable, and a redaction that is not one refused or found.
@Suite struct RetentionTests {
    @Test(arguments: StoreKind.available)
    func purgeDeletesOldControlsRedactsOldAccessAndTheChainStillVerifies(_ kind: StoreKind) async throws {
        let (async, sql) = try await kind.make()
        let store = async.store
        let now = Date(timeIntervalSince1970: 1_798_000_000)  // December 2026
        let old = now.addingTimeInterval(-8 * 365 * 86_400), lastYear = now.addingTimeInterval(-400 * 86_400), recent = now.addingTimeInterval(-30 * 86_400)
        let alice = Actor(name: "alice", role: .controleur, sectors: ["S1", "S2"], address: "10.0.0.1")
        let outcome = Outcome(indu: 500, rappel: 0, induMonths: 6, fraud: false, judgement: .agree)
        let summary = try await offPool {
            _ = try store.plan(campaign: "c", modelChecksum: "m", items: items(4), by: Actor(name: "root"))
            let first = try store.next(for: alice, channel: nil, sector: nil, lease: 600, now: old)!
            try store.close(item: first.id, by: alice, outcome: outcome, now: old)
            _ = try store.item(first.id, in: .all, viewedBy: alice, now: old)
            try store.recordEvent(actor: alice, action: "login", item: nil, details: "", now: lastYear)
            let second = try store.next(for: alice, channel: nil, sector: nil, lease: 600, now: recent)!
            try store.close(item: second.id, by: alice, outcome: outcome, now: recent)
            try store.recordEvent(actor: alice, action: "login", item: nil, details: "", now: recent)
            #expect(throws: QueueError.self) { try store.purge(RetentionPolicy(accessMonths: 3), by: Actor(name: "root"), now: now) }
            return try store.purge(RetentionPolicy(), by: Actor(name: "root"), now: now)
        }
        #expect(summary.itemsDeleted == 1 && summary.entriesRedacted == 2, "\(summary)")
        try await offPool {
            let items = try store.items(in: .all)
            #expect(items.count == 3 && items.filter { $0.state == .closed }.count == 1, "the control closed 8 years ago is gone, the recent one stays")
            let entries = try store.auditEntries()
            let redacted = entries.filter(\.redacted)
            #expect(redacted.map(\.action).sorted() == ["login", "view"] && redacted.allSatisfy { $0.actor.isEmpty && $0.details.isEmpty })
            #expect(entries.contains { $0.action == "close" && $0.time == old.timeIntervalSince1970 && $0.actor == "alice" }, "decisions are kept whole")
            #expect(entries.contains { $0.action == "login" && !$0.redacted && $0.actor == "alice" }, "a recent login is kept")
            #expect(entries.last?.action == "purge" && entries.last?.details.contains("items-deleted=1 entries-redacted=2") == true)
            let verified = try store.verifyAudit()
            #expect(verified.ok, "\(verified.problem ?? "")")
            // A second purge has nothing left to do.
            #expect(try store.purge(RetentionPolicy(), by: Actor(name: "root"), now: now) == PurgeSummary(itemsDeleted: 0, entriesRedacted: 0, sessionsDeleted: 0))
        }
        // The store refuses a "redaction" of a decision, and any other change.
        for statement in ["UPDATE audit SET actor = '', details = '', redacted = \(kind == .sqlite ? "1" : "TRUE") WHERE action = 'close'",
                          "UPDATE audit SET details = 'x' WHERE action = 'view'"] {
            await #expect(throws: (any Error).self, "\(statement)") { try await sql(statement) }
        }
        // Past the triggers (someone with the file), a redacted decision or a changed redacted hash is found.
        let drop = kind == .sqlite ? "DROP TRIGGER audit_no_update" : "DROP TRIGGER audit_append_only ON audit"
        try await sql(drop)
        let view = try await offPool { try store.auditEntries().first { $0.action == "view" }! }
        try await sql("UPDATE audit SET hash = 'f00d' WHERE seq = \(view.seq)")
        let relinked = try await offPool { try store.verifyAudit() }
        #expect(relinked.firstBadEntry == view.seq + 1, "a redacted entry's hash is covered by its successor: \(relinked.problem ?? "")")
        try await sql("UPDATE audit SET hash = '\(view.hash)' WHERE seq = \(view.seq)")
        #expect(try await offPool { try store.verifyAudit() }.ok)
        try await sql("UPDATE audit SET actor = '', details = '', redacted = \(kind == .sqlite ? "1" : "TRUE") WHERE action = 'close' AND time = \(old.timeIntervalSince1970)")
        let decision = try await offPool { try store.verifyAudit() }
        #expect(!decision.ok && decision.problem?.contains("is marked purged but is not an emptied access entry") == true, "\(decision.problem ?? "")")
    }
}
