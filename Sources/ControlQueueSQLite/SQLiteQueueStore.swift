import CiblageSupport
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
                    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
                        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS users (
                        name TEXT PRIMARY KEY, role TEXT NOT NULL, sectors TEXT NOT NULL, password_hash TEXT NOT NULL,
                        disabled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
                    CREATE TABLE IF NOT EXISTS tokens (
                        hash TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), expires REAL NOT NULL, created REAL NOT NULL);
                    CREATE TABLE IF NOT EXISTS sessions (
                        id_hash TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), csrf TEXT NOT NULL,
                        created REAL NOT NULL, last_seen REAL NOT NULL, address TEXT);
                    CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
                    CREATE TABLE IF NOT EXISTS login_failures (user TEXT NOT NULL, address TEXT NOT NULL, time REAL NOT NULL);
                    CREATE INDEX IF NOT EXISTS login_failures_time ON login_failures (time);
                    CREATE INDEX IF NOT EXISTS items_controller ON items (controller, state);
                    -- `next` walks the free items best first and stops at the first of the actor's sectors:
                    -- without it, every pull sorts all free items of those sectors (2 ms at 10,000 items).
                    CREATE INDEX IF NOT EXISTS items_best ON items (state, expected_value DESC, id);
                    """)
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS model_versions (
                        name TEXT NOT NULL, version TEXT NOT NULL, model_checksum TEXT NOT NULL,
                        artifact BLOB NOT NULL, artifact_sha256 TEXT NOT NULL,
                        valid_from TEXT NOT NULL, valid_until TEXT, regime TEXT,
                        evaluation BLOB NOT NULL, evaluation_sha256 TEXT NOT NULL, audit_report BLOB NOT NULL, audit_sha256 TEXT NOT NULL,
                        card BLOB NOT NULL, card_sha256 TEXT NOT NULL,
                        registered_by TEXT NOT NULL, registered_at REAL NOT NULL, approved_by TEXT, approved_at REAL,
                        retired_by TEXT, retired_at REAL, retire_reason TEXT,
                        registration_order INTEGER NOT NULL,
                        PRIMARY KEY (name, version));
                    -- What was registered never changes (a correction is a new version); approval and
                    -- retirement are each written once.
                    CREATE TRIGGER IF NOT EXISTS model_versions_immutable BEFORE UPDATE ON model_versions
                        WHEN NEW.name IS NOT OLD.name OR NEW.version IS NOT OLD.version OR NEW.model_checksum IS NOT OLD.model_checksum
                          OR NEW.artifact IS NOT OLD.artifact OR NEW.artifact_sha256 IS NOT OLD.artifact_sha256
                          OR NEW.valid_from IS NOT OLD.valid_from OR NEW.valid_until IS NOT OLD.valid_until OR NEW.regime IS NOT OLD.regime
                          OR NEW.evaluation IS NOT OLD.evaluation OR NEW.evaluation_sha256 IS NOT OLD.evaluation_sha256
                          OR NEW.audit_report IS NOT OLD.audit_report OR NEW.audit_sha256 IS NOT OLD.audit_sha256
                          OR NEW.card IS NOT OLD.card OR NEW.card_sha256 IS NOT OLD.card_sha256
                          OR NEW.registered_by IS NOT OLD.registered_by OR NEW.registered_at IS NOT OLD.registered_at
                          OR NEW.registration_order IS NOT OLD.registration_order
                          OR (OLD.approved_by IS NOT NULL AND (NEW.approved_by IS NOT OLD.approved_by OR NEW.approved_at IS NOT OLD.approved_at))
                          OR (OLD.retired_by IS NOT NULL AND (NEW.retired_by IS NOT OLD.retired_by OR NEW.retired_at IS NOT OLD.retired_at
                                                              OR NEW.retire_reason IS NOT OLD.retire_reason))
                        BEGIN SELECT RAISE(ABORT, 'a registered model version is immutable: only its approval and its retirement are recorded, once each'); END;
                    CREATE TRIGGER IF NOT EXISTS model_versions_no_delete BEFORE DELETE ON model_versions
                        BEGIN SELECT RAISE(ABORT, 'a registered model version is never deleted: retire it'); END;
                    """)
                // Access entries past their retention are redacted in place (`purge`); nothing else
                // of the log may change. Stores made before retention gain the column and the rule.
                if try !db.columns(in: "audit").contains(where: { $0.name == "redacted" }) {
                    try db.execute(sql: "ALTER TABLE audit ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0")
                }
                let rule = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_no_update'")
                if rule?.contains("redacted") != true {
                    let access = AuditChain.accessActions.sorted().map { "'\($0)'" }.joined(separator: ", ")
                    try db.execute(sql: """
                        DROP TRIGGER IF EXISTS audit_no_update;
                        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                            WHEN NOT (OLD.redacted = 0 AND NEW.redacted = 1 AND NEW.seq = OLD.seq AND NEW.time = OLD.time AND NEW.action = OLD.action
                                      AND NEW.item IS OLD.item AND NEW.previous_hash = OLD.previous_hash AND NEW.hash = OLD.hash
                                      AND NEW.actor = '' AND NEW.details = '' AND OLD.action IN (\(access)))
                            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                        """)
                }
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
            let rows = try Row.fetchAll(db, sql: "SELECT seq, time, actor, action, item, details, previous_hash, hash, redacted FROM audit ORDER BY seq")
            return rows.map { r in
                AuditEntry(seq: r["seq"], time: r["time"], actor: r["actor"], action: r["action"], item: r["item"], details: r["details"],
                           previousHash: r["previous_hash"], hash: r["hash"], redacted: (r["redacted"] as Int) != 0)
            }
        }
    }

    public func purge(_ policy: RetentionPolicy, by actor: Actor, now: Date) throws -> PurgeSummary {
        try policy.validate()
        let access = AuditChain.accessActions.sorted()
        return try transaction { db in
            try db.execute(sql: "DELETE FROM items WHERE state = 'closed' AND closed_at < ?", arguments: [policy.scoreCutoff(now).timeIntervalSince1970])
            let items = db.changesCount
            try db.execute(sql: """
                UPDATE audit SET actor = '', details = '', redacted = 1
                WHERE redacted = 0 AND time < ? AND action IN (\(Array(repeating: "?", count: access.count).joined(separator: ", ")))
                """, arguments: StatementArguments([policy.accessCutoff(now).timeIntervalSince1970] as [any DatabaseValueConvertible] + access))
            let entries = db.changesCount
            try db.execute(sql: "DELETE FROM sessions WHERE created < ?", arguments: [policy.sessionCutoff(now).timeIntervalSince1970])
            let sessions = db.changesCount
            try db.execute(sql: "DELETE FROM login_failures WHERE time < ?", arguments: [now.timeIntervalSince1970 - 86_400])
            let summary = PurgeSummary(itemsDeleted: items, entriesRedacted: entries, sessionsDeleted: sessions)
            try audit(db, actor: actor.name, action: "purge", item: nil, details: actor.details(summary.details(policy)), now: now)
            return summary
        }
    }

    // MARK: Operations

    /// The `WHERE` condition of a scope, with its arguments: authorisation inside the query.
    private static func condition(_ scope: ItemScope) -> (String, StatementArguments) {
        switch scope {
        case .all: return ("1", [])
        case .heldBy(let name, let sectors):
            let (inSectors, arguments) = sectorCondition(sectors)
            return ("controller = ? AND state != 'planned' AND \(inSectors)", [name] + arguments)
        case .sectors(let sectors): return sectorCondition(sectors)
        }
    }

    private static func sectorCondition(_ sectors: [String]?) -> (String, StatementArguments) {
        guard let sectors else { return ("1", []) }
        guard !sectors.isEmpty else { return ("0", []) }
        return ("sector IN (\(Array(repeating: "?", count: sectors.count).joined(separator: ", ")))", StatementArguments(sectors))
    }

    public func plan(campaign: String, modelChecksum: String, items: [PlannedItem], by actor: Actor) throws -> (inserted: Int, skipped: Int) {
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
            try audit(db, actor: actor.name, action: "plan", item: nil,
                      details: actor.details("campaign=\(campaign) model=\(modelChecksum) inserted=\(inserted) skipped=\(skipped)"), now: now)
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

    public func next(for actor: Actor, channel: ChannelKind?, sector: String?, lease: TimeInterval, now: Date) throws -> QueueItem? {
        guard !actor.name.isEmpty else { throw QueueError("a controller name is needed") }
        return try transaction { db in
            try expireLeases(db, now: now)
            let (inSectors, sectorArguments) = Self.sectorCondition(actor.sectors)
            var sql = "SELECT id FROM items WHERE state = 'planned' AND \(inSectors)"
            var arguments = sectorArguments
            if let channel { sql += " AND channel = ?"; _ = arguments.append(contentsOf: [channel.rawValue]) }
            if let sector { sql += " AND sector = ?"; _ = arguments.append(contentsOf: [sector]) }
            sql += " ORDER BY expected_value DESC, id LIMIT 1"
            guard let id = try Int64.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
            try db.execute(sql: "UPDATE items SET state = 'assigned', controller = ?, lease_expires = ? WHERE id = ?",
                           arguments: [actor.name, now.timeIntervalSince1970 + lease, id])
            try audit(db, actor: actor.name, action: "assign", item: id, details: actor.details("lease=\(Int(lease))s"), now: now)
            return try fetchItem(db, id, in: .all)
        }
    }

    private func fetchItem(_ db: Database, _ id: Int64, in scope: ItemScope) throws -> QueueItem? {
        let (condition, arguments) = Self.condition(scope)
        return try Row.fetchOne(db, sql: "SELECT * FROM items WHERE id = ? AND \(condition)", arguments: [id] + arguments).map(Self.item)
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

    public func items(in scope: ItemScope) throws -> [QueueItem] {
        let (condition, arguments) = Self.condition(scope)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM items WHERE \(condition) ORDER BY state, expected_value DESC, id", arguments: arguments).map(Self.item)
        }
    }

    public func campaigns(in scope: ItemScope) throws -> [String] {
        let (condition, arguments) = Self.condition(scope)
        // Sorted here, not by SQL: the same order as PostgreSQL's, whatever its collation.
        return try queue.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT campaign FROM items WHERE \(condition)", arguments: arguments) }.sorted()
    }

    public func item(_ id: Int64, in scope: ItemScope, viewedBy viewer: Actor?, now: Date) throws -> QueueItem? {
        guard let viewer else { return try queue.read { db in try fetchItem(db, id, in: scope) } }
        return try transaction { db in
            guard let found = try fetchItem(db, id, in: scope) else { return nil }
            try audit(db, actor: viewer.name, action: "view", item: id, details: viewer.auditContext, now: now)
            return found
        }
    }

    /// The item an actor may act on, or the refusal: missing and not-yours are the same 404.
    private func actableItem(_ db: Database, _ id: Int64, by actor: Actor) throws -> QueueItem {
        guard let scope = ItemScope.actable(by: actor) else { throw QueueError("a \(actor.role?.rawValue ?? "") cannot act on items", kind: .forbidden) }
        guard let current = try fetchItem(db, id, in: scope) else { throw QueueError("no item \(id)", kind: .notFound) }
        return current
    }

    public func close(item id: Int64, by actor: Actor, outcome: Outcome, now: Date) throws {
        try outcome.validate()
        try transaction { db in
            let current = try actableItem(db, id, by: actor)
            try current.ensureClosable(by: actor.name)
            try db.execute(sql: """
                UPDATE items SET state = 'closed', indu = ?, rappel = ?, indu_months = ?, fraud = ?, judgement = ?, judgement_reason = ?,
                    closed_at = ?, lease_expires = NULL WHERE id = ?
                """, arguments: [outcome.indu, outcome.rappel, outcome.induMonths, outcome.fraud ? 1 : 0, outcome.judgement.rawValue, outcome.judgementReason,
                                 now.timeIntervalSince1970, id])
            try audit(db, actor: actor.name, action: "close", item: id, details: actor.details(outcome.auditDetails), now: now)
        }
    }

    public func release(item id: Int64, by actor: Actor, now: Date) throws {
        try transaction { db in
            let current = try actableItem(db, id, by: actor)
            try current.ensureReleasable(by: actor.name)
            try db.execute(sql: "UPDATE items SET state = 'planned', controller = NULL, lease_expires = NULL WHERE id = ?", arguments: [id])
            try audit(db, actor: actor.name, action: "release", item: id, details: actor.auditContext, now: now)
        }
    }

    public func reassign(item id: Int64, to controller: String, by actor: Actor, lease: TimeInterval, now: Date) throws {
        try transaction { db in
            let scope: ItemScope = actor.role == nil ? .all : .sectors(actor.sectors ?? [])
            guard let current = try fetchItem(db, id, in: scope) else { throw QueueError("no item \(id)", kind: .notFound) }
            guard current.state != .closed else { throw QueueError("item \(id) is already closed; nothing changed", kind: .conflict) }
            try db.execute(sql: "UPDATE items SET state = 'assigned', controller = ?, lease_expires = ? WHERE id = ?",
                           arguments: [controller, now.timeIntervalSince1970 + lease, id])
            try audit(db, actor: actor.name, action: "reassign", item: id,
                      details: actor.details("from=\(current.controller ?? "") to=\(controller) lease=\(Int(lease))s"), now: now)
        }
    }

    public func status(campaign: String?, sectors: [String]?, now: Date) throws -> [ChannelStatus] {
        try queue.read { db in
            let (inSectors, sectorArguments) = Self.sectorCondition(sectors)
            var sql = """
                SELECT channel, sector, SUM(state = 'planned') AS planned, SUM(state = 'assigned') AS assigned, SUM(state = 'closed') AS closed,
                    SUM(state = 'closed' AND indu > 0) AS hits, COALESCE(SUM(CASE WHEN state = 'closed' THEN indu ELSE 0 END), 0) AS euros
                FROM items WHERE \(inSectors)
                """
            var arguments = sectorArguments
            if let campaign { sql += " AND campaign = ?"; _ = arguments.append(contentsOf: [campaign]) }
            sql += " GROUP BY channel, sector ORDER BY channel, sector"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { r in
                ChannelStatus(channel: r["channel"], sector: r["sector"], planned: r["planned"], assigned: r["assigned"], closed: r["closed"],
                              hits: r["hits"], eurosFound: r["euros"])
            }
        }
    }

    public func export(campaign: String, by actor: Actor, now: Date) throws -> [QueueItem] {
        try transaction { db in
            let items = try Row.fetchAll(db, sql: "SELECT * FROM items WHERE campaign = ? AND state = 'closed' ORDER BY id", arguments: [campaign]).map(Self.item)
            try audit(db, actor: actor.name, action: "export", item: nil, details: actor.details("campaign=\(campaign) rows=\(items.count)"), now: now)
            return items
        }
    }

    // MARK: Identities

    private static func account(_ r: Row) -> UserAccount {
        let sectors = (try? JSONDecoder().decode([String].self, from: Data((r["sectors"] as String).utf8))) ?? []
        return UserAccount(name: r["name"], role: Role(rawValue: r["role"]) ?? .controleur, sectors: sectors, passwordHash: r["password_hash"],
                           disabled: (r["disabled"] as Int) != 0)
    }

    public func addUser(_ user: UserAccount, by actor: Actor) throws {
        let sectors = String(decoding: try JSONEncoder().encode(user.sectors), as: UTF8.self)
        try transaction { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [user.name]) == nil else {
                throw QueueError("user \(user.name) already exists", kind: .conflict)
            }
            try db.execute(sql: "INSERT INTO users (name, role, sectors, password_hash, disabled, created) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [user.name, user.role.rawValue, sectors, user.passwordHash, user.disabled ? 1 : 0, Date().timeIntervalSince1970])
            try audit(db, actor: actor.name, action: "user-add", item: nil,
                      details: actor.details("user=\(user.name) role=\(user.role.rawValue) sectors=\(user.sectors.joined(separator: ","))"), now: Date())
        }
    }

    public func user(named name: String) throws -> UserAccount? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(Self.account) }
    }

    public func users() throws -> [UserAccount] {
        try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(Self.account) }
    }

    public func hasUsers() throws -> Bool { try queue.read { db in try Int.fetchOne(db, sql: "SELECT 1 FROM users LIMIT 1") != nil } }

    public func setDisabled(_ disabled: Bool, user name: String, by actor: Actor) throws {
        try transaction { db in
            try db.execute(sql: "UPDATE users SET disabled = ? WHERE name = ?", arguments: [disabled ? 1 : 0, name])
            guard db.changesCount == 1 else { throw QueueError("no user \(name)", kind: .notFound) }
            if disabled {
                // A disabled account keeps no way in: its sessions and tokens end with it.
                try db.execute(sql: "DELETE FROM sessions WHERE user = ?", arguments: [name])
                try db.execute(sql: "DELETE FROM tokens WHERE user = ?", arguments: [name])
            }
            try audit(db, actor: actor.name, action: disabled ? "user-disable" : "user-enable", item: nil, details: actor.details("user=\(name)"), now: Date())
        }
    }

    public func addToken(hash: String, user: String, expires: Date, by actor: Actor) throws {
        try transaction { db in
            try db.execute(sql: "INSERT INTO tokens (hash, user, expires, created) VALUES (?, ?, ?, ?)",
                           arguments: [hash, user, expires.timeIntervalSince1970, Date().timeIntervalSince1970])
            try audit(db, actor: actor.name, action: "token-issue", item: nil,
                      details: actor.details("user=\(user) expires=\(Int(expires.timeIntervalSince1970))"), now: Date())
        }
    }

    public func tokenUser(hash: String, now: Date) throws -> UserAccount? {
        try queue.read { db in
            try Row.fetchOne(db, sql: """
                SELECT users.* FROM tokens JOIN users ON users.name = tokens.user WHERE tokens.hash = ? AND tokens.expires > ? AND users.disabled = 0
                """, arguments: [hash, now.timeIntervalSince1970]).map(Self.account)
        }
    }

    private static func session(_ r: Row) -> SessionRecord {
        SessionRecord(idHash: r["id_hash"], user: r["user"], csrfToken: r["csrf"], created: Date(timeIntervalSince1970: r["created"]),
                      lastSeen: Date(timeIntervalSince1970: r["last_seen"]), address: r["address"])
    }

    public func createSession(_ s: SessionRecord) throws {
        try transaction { db in
            try db.execute(sql: "INSERT INTO sessions (id_hash, user, csrf, created, last_seen, address) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [s.idHash, s.user, s.csrfToken, s.created.timeIntervalSince1970, s.lastSeen.timeIntervalSince1970, s.address])
        }
    }

    public func session(idHash: String) throws -> SessionRecord? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id_hash = ?", arguments: [idHash]).map(Self.session) }
    }

    public func sessionWithUser(idHash: String) throws -> (SessionRecord, UserAccount)? {
        try queue.read { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT s.id_hash, s.user, s.csrf, s.created, s.last_seen, s.address,
                       u.name, u.role, u.sectors, u.password_hash, u.disabled
                FROM sessions s JOIN users u ON u.name = s.user WHERE s.id_hash = ?
                """, arguments: [idHash]) else { return nil }
            return (Self.session(r), Self.account(r))
        }
    }

    public func touchSession(idHash: String, at time: Date) throws {
        try transaction { db in try db.execute(sql: "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", arguments: [time.timeIntervalSince1970, idHash]) }
    }

    public func deleteSession(idHash: String) throws {
        try transaction { db in try db.execute(sql: "DELETE FROM sessions WHERE id_hash = ?", arguments: [idHash]) }
    }

    @discardableResult
    public func deleteSessions(user: String, except: String?) throws -> Int {
        try transaction { db in
            try db.execute(sql: "DELETE FROM sessions WHERE user = ? AND id_hash != ?", arguments: [user, except ?? ""])
            return db.changesCount
        }
    }

    public func sessions(user: String) throws -> [SessionRecord] {
        try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM sessions WHERE user = ? ORDER BY created", arguments: [user]).map(Self.session) }
    }

    public func recordLoginFailure(user: String, address: String, at time: Date) throws {
        try transaction { db in
            // Failures older than a day are of no use to throttling: they go as new ones come.
            try db.execute(sql: "DELETE FROM login_failures WHERE time < ?", arguments: [time.timeIntervalSince1970 - 86_400])
            try db.execute(sql: "INSERT INTO login_failures (user, address, time) VALUES (?, ?, ?)", arguments: [user, address, time.timeIntervalSince1970])
        }
    }

    public func loginFailures(user: String?, address: String?, since: Date) throws -> Int {
        try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM login_failures WHERE time >= ? AND (? IS NULL OR user = ?) AND (? IS NULL OR address = ?)",
                             arguments: [since.timeIntervalSince1970, user, user, address, address]) ?? 0
        }
    }

    public func recordEvent(actor: Actor, action: String, item: Int64?, details: String, now: Date) throws {
        try transaction { db in try audit(db, actor: actor.name, action: action, item: item, details: actor.details(details), now: now) }
    }

    // MARK: Model registry

    private static let versionColumns = """
        name, version, model_checksum, artifact_sha256, valid_from, valid_until, regime, evaluation_sha256, audit_sha256, card_sha256,
        registered_by, registered_at, approved_by, approved_at, retired_by, retired_at, retire_reason
        """

    private static func modelVersion(_ r: Row) -> ModelVersion {
        var v = ModelVersion(name: r["name"], version: r["version"], modelChecksum: r["model_checksum"], artifactSHA256: r["artifact_sha256"],
                             validFrom: CalendarDay(r["valid_from"] as String) ?? CalendarDay(year: 1970, month: 1, day: 1)!,
                             validUntil: (r["valid_until"] as String?).flatMap { CalendarDay($0) }, regime: r["regime"],
                             evidence: EvidenceChecksums(evaluation: r["evaluation_sha256"], audit: r["audit_sha256"], card: r["card_sha256"]),
                             registeredBy: r["registered_by"], registeredAt: Date(timeIntervalSince1970: r["registered_at"]))
        v.approvedBy = r["approved_by"]; v.approvedAt = (r["approved_at"] as Double?).map { Date(timeIntervalSince1970: $0) }
        v.retiredBy = r["retired_by"]; v.retiredAt = (r["retired_at"] as Double?).map { Date(timeIntervalSince1970: $0) }
        v.retireReason = r["retire_reason"]
        return v
    }

    public func registerModel(_ v: ModelVersion, artifact: Data, evidence: ModelEvidence, by actor: Actor, now: Date) throws {
        try transaction { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM model_versions WHERE name = ? AND version = ?", arguments: [v.name, v.version]) == nil else {
                throw QueueError("model \(v.reference) is already registered: a new model is a new version", kind: .conflict)
            }
            let order = (try Int64.fetchOne(db, sql: "SELECT MAX(registration_order) FROM model_versions") ?? 0) + 1
            let e = evidence.checksums
            try db.execute(sql: """
                INSERT INTO model_versions (name, version, model_checksum, artifact, artifact_sha256, valid_from, valid_until, regime,
                    evaluation, evaluation_sha256, audit_report, audit_sha256, card, card_sha256, registered_by, registered_at, registration_order)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [v.name, v.version, v.modelChecksum, artifact, v.artifactSHA256, v.validFrom.description, v.validUntil?.description,
                                 v.regime, evidence.evaluation, e.evaluation, evidence.audit, e.audit, evidence.card, e.card,
                                 v.registeredBy, v.registeredAt.timeIntervalSince1970, order])
            try audit(db, actor: actor.name, action: "model-register", item: nil, details: actor.details(v.registrationDetails), now: now)
        }
    }

    public func modelVersions(named name: String?) throws -> [ModelVersion] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.versionColumns) FROM model_versions WHERE (? IS NULL OR name = ?) ORDER BY name, registration_order",
                             arguments: [name, name]).map(Self.modelVersion)
        }
    }

    public func modelArtifact(name: String, version: String) throws -> Data? {
        try queue.read { db in try Data.fetchOne(db, sql: "SELECT artifact FROM model_versions WHERE name = ? AND version = ?", arguments: [name, version]) }
    }

    public func modelEvidence(name: String, version: String) throws -> ModelEvidence? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT evaluation, audit_report, card FROM model_versions WHERE name = ? AND version = ?",
                             arguments: [name, version]).map { ModelEvidence(evaluation: $0["evaluation"], audit: $0["audit_report"], card: $0["card"]) }
        }
    }

    public func changeModel(name: String, version: String, action: String, by actor: Actor, now: Date,
                            _ change: @escaping @Sendable (ModelVersion) throws -> ModelVersion) throws -> ModelVersion {
        try transaction { db in
            guard let current = try Row.fetchOne(db, sql: "SELECT \(Self.versionColumns) FROM model_versions WHERE name = ? AND version = ?",
                                                 arguments: [name, version]).map(Self.modelVersion) else {
                throw QueueError("no model \(name)@\(version) in the registry", kind: .notFound)
            }
            let changed = try change(current)
            try db.execute(sql: """
                UPDATE model_versions SET approved_by = ?, approved_at = ?, retired_by = ?, retired_at = ?, retire_reason = ? WHERE name = ? AND version = ?
                """, arguments: [changed.approvedBy, changed.approvedAt?.timeIntervalSince1970, changed.retiredBy, changed.retiredAt?.timeIntervalSince1970,
                                 changed.retireReason, name, version])
            try audit(db, actor: actor.name, action: action, item: nil,
                      details: actor.details(changed.changeDetails), now: now)
            return changed
        }
    }
}
