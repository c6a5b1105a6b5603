import Crypto
import Foundation

/// One entry of the audit log as stored.
public struct AuditEntry: Sendable {
    public var seq: Int64
    public var time: Double
    public var actor: String
    public var action: String
    public var item: Int64?
    public var details: String
    public var previousHash: String
    public var hash: String
    /// Purged at the end of its retention: who and what are gone, its place and hash stay (see `AuditChain.verify`).
    public var redacted: Bool
    public init(seq: Int64, time: Double, actor: String, action: String, item: Int64?, details: String, previousHash: String, hash: String,
                redacted: Bool = false) {
        self.seq = seq; self.time = time; self.actor = actor; self.action = action; self.item = item
        self.details = details; self.previousHash = previousHash; self.hash = hash; self.redacted = redacted
    }
}

/// The tamper-evident chain shared by every store: each entry's hash covers its content and the
/// previous entry's hash, so editing, removing or reordering an entry breaks every hash after it.
public enum AuditChain {
    public static let genesis = "genesis"

    /// The entries that are access logs (logins and views of dossiers): kept 6 to 12 months, then
    /// redacted by `purge`. Every other entry (plans, assignments, closes, models, users) is the
    /// record of a decision and is kept whole.
    public static let accessActions: Set<String> = ["view", "login", "login-failed", "login-throttled", "logout", "logout-others"]

    public static func hash(seq: Int64, time: Double, actor: String, action: String, item: Int64?, details: String, previous: String) -> String {
        let text = "\(seq)|\(time)|\(actor)|\(action)|\(item.map(String.init) ?? "")|\(details)|\(previous)"
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Recomputes the chain over entries in `seq` order and names the first that does not verify.
    public static func verify<S: Sequence>(_ entries: S) -> AuditVerification where S.Element == AuditEntry {
        var previous = genesis, expected: Int64 = 1, count = 0
        var failure: AuditVerification?
        for e in entries {
            count += 1
            guard failure == nil else { continue }
            if e.seq != expected {
                failure = AuditVerification(entries: 0, firstBadEntry: expected, problem: "entry \(expected) is missing (next entry is \(e.seq))")
            } else if e.previousHash != previous {
                failure = AuditVerification(entries: 0, firstBadEntry: e.seq, problem: "entry \(e.seq) does not follow entry \(e.seq - 1) (chain broken: removed, reordered or altered)")
            } else if e.redacted {
                // A redacted entry's content is gone, so its own hash cannot be recomputed; its
                // place can: it follows its predecessor, and its successor's hash, recomputed, covers
                // its stored hash. Only an access entry, emptied, may be redacted.
                if !accessActions.contains(e.action) || !e.actor.isEmpty || !e.details.isEmpty {
                    failure = AuditVerification(entries: 0, firstBadEntry: e.seq, problem: "entry \(e.seq) (\(e.action)) is marked purged but is not an emptied access entry")
                } else {
                    previous = e.hash; expected += 1
                }
            } else if hash(seq: e.seq, time: e.time, actor: e.actor, action: e.action, item: e.item, details: e.details, previous: e.previousHash) != e.hash {
                failure = AuditVerification(entries: 0, firstBadEntry: e.seq, problem: "entry \(e.seq) was altered (its hash does not match its content)")
            } else {
                previous = e.hash; expected += 1
            }
        }
        if var f = failure { f.entries = count; return f }
        return AuditVerification(entries: count, firstBadEntry: nil, problem: nil)
    }
}
