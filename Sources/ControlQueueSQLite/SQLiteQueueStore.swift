import ControlQueue
import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, safe for several processes on one machine.
///
/// Every operation is one IMMEDIATE transaction (the write lock is taken at BEGIN, so two `next` calls
/// never read the same free item), WAL journaling, and a busy timeout so that concurrent processes
/// wait instead of failing. The audit table is append-only: triggers refuse UPDATE and DELETE, and
/// each entry carries the SHA-256 of its content and of the previous entry's hash.
public final class SQLiteQueueStore: QueueStore, @unchecked Sendable {
    public let path: String
    private let queue: DatabaseQueue

    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(60)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL") }
        queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS items (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        campaign TEXT NOT NULL, model_checksum TEXT NOT NULL, dossier TEXT NOT NULL,
                        channel TEXT NOT NULL, sector TEXT NOT NULL, score REAL NOT NULL, expected_amount REAL,
                        expected_value REAL NOT NULL, selection TEXT NOT NULL, inclusion_probability REAL NOT NULL,
                        reasons TEXT NOT NULL, state TEXT NOT NULL, controller TEXT, lease_expires REAL,
                        indu REAL, rappel REAL, fraud INTEGER, judgement TEXT, judgement_reason TEXT, closed_at REAL,
                        UNIQUE (campaign, dossier));
                    CREATE INDEX IF NOT EXISTS items_free ON items (state, sector, channel, expected_value);
                    CREATE TABLE IF NOT EXISTS audit (
                        seq INTEGER PRIMARY KEY, time REAL NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                        item INTEGER, details TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
                    CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
                        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
                        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
                // Stores made before outcomes recorded the months an indu covers gain the column.
                if try !db.columns(in: "items").contains(where: { $0.name == "indu_months" }) {
                    try db.execute(sql: "ALTER TABLE items ADD COLUMN indu_months INTEGER")
                }
                return .commit
            }
        }
    }

    /// One IMMEDIATE transaction. A full disk rolls it back whole; the error says so in words.
    private func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw QueueError("\(path): the disk is full; the operation was rolled back and nothing of it was recorded: free space and retry")
        }
    }

    // MARK: Audit chain

    private func audit(_ db: Database, actor: String, action: String, item: Int64?, details: String, now: Date) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let previous: String = last?["hash"] ?? AuditChain.genesis
        let time = now.timeIntervalSince1970
        let h = AuditChain.hash(seq: seq, time: time, actor: actor, action: action, item: item, details: details, previous: previous)
        try db.execute(sql: "INSERT INTO audit (seq, time, actor, action, item, details, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: [seq, time, actor, action, item, details, previous, h])
    }

    public func auditEntries() throws -> [AuditEntry] {
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, time, actor, action, item, details, previous_hash, hash FROM audit ORDER BY seq")
            return rows.map { r in
                AuditEntry(seq: r["seq"], time: r["time"], actor: r["actor"], action: r["action"], item: r["item"], details: r["details"],
                           previousHash: r["previous_hash"], hash: r["hash"])
            }
        }
    }

    // MARK: Operations

    public func plan(campaign: String, modelChecksum: String, items: [PlannedItem], actor: String) throws -> (inserted: Int, skipped: Int) {
        let now = Date()
        return try transaction { db in
            var inserted = 0, skipped = 0
            // One prepared statement for the whole plan (national plans hold 100,000 items and more).
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO items (campaign, model_checksum, dossier, channel, sector, score, expected_amount, expected_value,
                    selection, inclusion_probability, reasons, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned')
                """)
            for it in items {
                try insert.execute(arguments: [campaign, modelChecksum, it.dossier, it.channel.rawValue, it.sector, it.score, it.expectedAmount,
                                               it.expectedValue, it.selection, it.inclusionProbability, it.reasons])
                if db.changesCount == 1 { inserted += 1 } else { skipped += 1 }
            }
            try audit(db, actor: actor, action: "plan", item: nil,
                      details: "campaign=\(campaign) model=\(modelChecksum) inserted=\(inserted) skipped=\(skipped)", now: now)
            return (inserted, skipped)
        }
    }

    /// Returns expired leases to the pool (inside the caller's transaction), with an audit entry each.
    private func expireLeases(_ db: Database, now: Date) throws {
        let expired = try Row.fetchAll(db, sql: "SELECT id, controller FROM items WHERE state = 'assigned' AND lease_expires < ?",
                                       arguments: [now.timeIntervalSince1970])
        for row in expired {
            let id: Int64 = row["id"]
            try db.execute(sql: "UPDATE items SET state = 'planned', controller = NULL, lease_expires = NULL WHERE id = ?", arguments: [id])
            try audit(db, actor: "system", action: "lease-expired", item: id, details: "controller=\(row["controller"] as String? ?? "")", now: now)
        }
    }

    public func next(controller: String, channel: ChannelKind?, sector: String?, lease: TimeInterval, now: Date) throws -> QueueItem? {
        guard !controller.isEmpty else { throw QueueError("a controller name is needed") }
        return try transaction { db in
            try expireLeases(db, now: now)
            var sql = "SELECT id FROM items WHERE state = 'planned'"
            var arguments: StatementArguments = []
            if let channel { sql += " AND channel = ?"; _ = arguments.append(contentsOf: [channel.rawValue]) }
            if let sector { sql += " AND sector = ?"; _ = arguments.append(contentsOf: [sector]) }
            sql += " ORDER BY expected_value DESC, id LIMIT 1"
            guard let id = try Int64.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
            try db.execute(sql: "UPDATE items SET state = 'assigned', controller = ?, lease_expires = ? WHERE id = ?",
                           arguments: [controller, now.timeIntervalSince1970 + lease, id])
            try audit(db, actor: controller, action: "assign", item: id, details: "lease=\(Int(lease))s", now: now)
            return try fetchItem(db, id)
        }
    }

    private func fetchItem(_ db: Database, _ id: Int64) throws -> QueueItem? {
        try Row.fetchOne(db, sql: "SELECT * FROM items WHERE id = ?", arguments: [id]).map(Self.item)
    }

    static func item(_ row: Row) -> QueueItem {
        let state = ItemState(rawValue: row["state"]) ?? .planned
        var outcome: Outcome? = nil
        if state == .closed {
            outcome = Outcome(indu: row["indu"] ?? 0, rappel: row["rappel"] ?? 0, induMonths: row["indu_months"],
                              fraud: (row["fraud"] as Int? ?? 0) == 1,
                              judgement: Judgement(rawValue: row["judgement"] ?? "") ?? .agree, judgementReason: row["judgement_reason"])
        }
        return QueueItem(
            id: row["id"], campaign: row["campaign"], modelChecksum: row["model_checksum"],
            item: PlannedItem(dossier: row["dossier"], channel: ChannelKind(rawValue: row["channel"]) ?? .surPieces, sector: row["sector"],
                              score: row["score"], expectedAmount: row["expected_amount"], expectedValue: row["expected_value"],
                              selection: row["selection"], inclusionProbability: row["inclusion_probability"], reasons: row["reasons"]),
            state: state, controller: row["controller"], leaseExpires: (row["lease_expires"] as Double?).map { Date(timeIntervalSince1970: $0) },
            outcome: outcome)
    }

    public func list(controller: String) throws -> [QueueItem] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM items WHERE controller = ? ORDER BY state, expected_value DESC, id", arguments: [controller]).map(Self.item)
        }
    }

    public func close(item id: Int64, controller: String, outcome: Outcome, now: Date) throws {
        try outcome.validate()
        try transaction { db in
            guard let current = try fetchItem(db, id) else { throw QueueError("no item \(id)") }
            try current.ensureClosable(by: controller)
            try db.execute(sql: """
                UPDATE items SET state = 'closed', indu = ?, rappel = ?, indu_months = ?, fraud = ?, judgement = ?, judgement_reason = ?,
                    closed_at = ?, lease_expires = NULL WHERE id = ?
                """, arguments: [outcome.indu, outcome.rappel, outcome.induMonths, outcome.fraud ? 1 : 0, outcome.judgement.rawValue, outcome.judgementReason,
                                 now.timeIntervalSince1970, id])
            try audit(db, actor: controller, action: "close", item: id,
                      details: outcome.auditDetails, now: now)
        }
    }

    public func release(item id: Int64, controller: String, now: Date) throws {
        try transaction { db in
            guard let current = try fetchItem(db, id) else { throw QueueError("no item \(id)") }
            try current.ensureReleasable(by: controller)
            try db.execute(sql: "UPDATE items SET state = 'planned', controller = NULL, lease_expires = NULL WHERE id = ?", arguments: [id])
            try audit(db, actor: controller, action: "release", item: id, details: "", now: now)
        }
    }

    public func status(campaign: String?, now: Date) throws -> [ChannelStatus] {
        try queue.read { db in
            var sql = """
                SELECT channel, sector, SUM(state = 'planned') AS planned, SUM(state = 'assigned') AS assigned, SUM(state = 'closed') AS closed,
                    SUM(state = 'closed' AND indu > 0) AS hits, COALESCE(SUM(CASE WHEN state = 'closed' THEN indu ELSE 0 END), 0) AS euros
                FROM items
                """
            var arguments: StatementArguments = []
            if let campaign { sql += " WHERE campaign = ?"; _ = arguments.append(contentsOf: [campaign]) }
            sql += " GROUP BY channel, sector ORDER BY channel, sector"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { r in
                ChannelStatus(channel: r["channel"], sector: r["sector"], planned: r["planned"], assigned: r["assigned"], closed: r["closed"],
                              hits: r["hits"], eurosFound: r["euros"])
            }
        }
    }

    public func export(campaign: String, actor: String, now: Date) throws -> [QueueItem] {
        try transaction { db in
            let items = try Row.fetchAll(db, sql: "SELECT * FROM items WHERE campaign = ? AND state = 'closed' ORDER BY id", arguments: [campaign]).map(Self.item)
            try audit(db, actor: actor, action: "export", item: nil, details: "campaign=\(campaign) rows=\(items.count)", now: now)
            return items
        }
    }
}
