import CiblageSupport
import ControlQueue
import Dispatch
import Foundation
import Logging
import PostgresNIO

/// The shared store: several controllers on several machines pull from one PostgreSQL queue.
///
/// `next` takes the best free item with `FOR UPDATE SKIP LOCKED`, so concurrent pulls skip each other's
/// row instead of waiting; each operation is one transaction. Audit entries are chained when their
/// transaction commits, under a lock on the single `audit_head` row that serialises the hash chain
/// (see `audit`); a trigger refuses UPDATE and DELETE on the audit table. The protocol is synchronous (the CLI is); each call runs its
/// async work on the client's event loops and waits for it.
public final class PostgresQueueStore: QueueStore, @unchecked Sendable {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger = Logger(label: "ciblage.queue.postgres")

    /// Whether a store call gives up on a query PostgreSQL leaves unanswered (see `blocking`).
    private let timesOut: Bool

    /// `url`: postgres://user:password@host:port/database
    /// - Parameter timeOutUnansweredQueries: true in a server, whose threads must come back after a
    ///   database restart; false for the CLI and tests, which wait as long as it takes (a test
    ///   runner that keeps the concurrency pool busy must not turn a slow answer into a failure).
    public init(url: String, timeOutUnansweredQueries: Bool = false) throws {
        timesOut = timeOutUnansweredQueries
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, let user = components.user else {
            throw QueueError("{store} \(url): expected postgres://user:password@host:port/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        let configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                         password: components.password, database: database.isEmpty ? user : database, tls: .disable)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
        try blocking(timeout: 120) { try await self.createSchema() }
    }

    deinit { runner.cancel() }

    /// Runs async work from synchronous code and waits for it (never called from the concurrency pool).
    private func blocking<T: Sendable>(timeout: TimeInterval = 20, _ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>(), done = DispatchSemaphore(value: 0)
        Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        // A query on a connection that PostgreSQL dropped (a restart) can stay unanswered: after
        // `timeout` the caller gets a refusal it can act on and its thread back; the work may still
        // finish, so the message says it may have been recorded.
        if !timesOut {
            done.wait()
        } else if done.wait(timeout: .now() + timeout) != .success {
            throw QueueError("PostgreSQL did not answer within \(Int(timeout)) s; the operation may or may not have been recorded: look before retrying",
                             kind: .unavailable)
        }
        switch box.result! {
        case .success(let v): return v
        case .failure(let e as QueueError): throw e
        case .failure(let e as PostgresTransactionError):
            // A refusal inside a transaction (rolled back): report the refusal itself.
            if let inner = e.closureError as? QueueError { throw inner }
            if let inner = e.closureError as? PSQLError { throw Self.queueError(inner) }
            if let inner = e.beginError as? PSQLError { throw Self.queueError(inner) }
            if e.commitError != nil {
                // The COMMIT itself failed: it may have been applied before the connection was lost.
                throw QueueError("PostgreSQL: the connection was lost while committing; the operation may have been recorded: look before retrying (a close retried answers 'already closed')", kind: .unavailable)
            }
            throw QueueError("PostgreSQL: the transaction failed and was rolled back (\(e)); nothing of it was recorded: retry", kind: .unavailable)
        case .failure(let e as PSQLError): throw Self.queueError(e)
        case .failure(let e): throw e
        }
    }

    /// A PostgreSQL error in words: the server's own message for a refused statement; for a lost or
    /// refused connection (a restart), "unavailable", so that edges answer "retry" (HTTP 503).
    static func queueError(_ e: PSQLError) -> QueueError {
        if let message = e.serverInfo?[PSQLError.ServerInfo.Field.message] {
            let state = e.serverInfo?[PSQLError.ServerInfo.Field.sqlState] ?? ""
            // Class 57 (operator intervention: admin shutdown, cannot connect now) and 08 (connection exception).
            let unavailable = state.hasPrefix("57") || state.hasPrefix("08")
            return QueueError("PostgreSQL: \(message)" + (unavailable ? "; nothing was recorded: retry" : ""), kind: unavailable ? .unavailable : .invalid)
        }
        return QueueError("PostgreSQL is unreachable (\(e.code)); nothing was recorded: retry", kind: .unavailable)
    }

    /// The schema this code writes; raised with every change to `createSchema` (2: the model registry; 3: redaction of access entries past their retention).
    static let schemaVersion: Int32 = 3

    /// Creates or upgrades the schema, once: a store already at `schemaVersion` is left alone.
    ///
    /// Why the version: DDL takes strong locks even when it changes nothing (`ALTER TABLE … IF NOT
    /// EXISTS` an exclusive lock on `items`, `DROP TRIGGER` one on `audit_pending`). Taken by every
    /// process that opens the store, they deadlocked with pulls already running in other processes
    /// (a pull locks `audit_pending` and then waits for `items`, the opener the reverse). Now only
    /// the first opener of a new or older store runs the DDL; an upgrade should be done while no
    /// one works on the queue (PostgreSQL names a deadlock and rolls one side back, so nothing is lost).
    private func createSchema() async throws {
        try await client.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(7347231)", logger: logger)  // one schema creator at a time
            var current: Int32?
            for try await exists in try await c.query("SELECT to_regclass('ciblage_schema') IS NOT NULL", logger: logger).decode(Bool.self) where exists {
                for try await v in try await c.query("SELECT version FROM ciblage_schema", logger: logger).decode(Int32.self) { current = v }
            }
            if current == Self.schemaVersion { return }
            try await c.query("""
                CREATE TABLE IF NOT EXISTS items (
                    id BIGSERIAL PRIMARY KEY, campaign TEXT NOT NULL, model_checksum TEXT NOT NULL, dossier TEXT NOT NULL,
                    channel TEXT NOT NULL, sector TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, expected_amount DOUBLE PRECISION,
                    expected_value DOUBLE PRECISION NOT NULL, selection TEXT NOT NULL, inclusion_probability DOUBLE PRECISION NOT NULL,
                    reasons TEXT NOT NULL, state TEXT NOT NULL, controller TEXT, lease_expires DOUBLE PRECISION,
                    indu DOUBLE PRECISION, rappel DOUBLE PRECISION, fraud BOOLEAN, judgement TEXT, judgement_reason TEXT,
                    closed_at DOUBLE PRECISION, UNIQUE (campaign, dossier))
                """, logger: logger)
            // Stores made before outcomes recorded the months an indu covers gain the column.
            try await c.query("ALTER TABLE items ADD COLUMN IF NOT EXISTS indu_months INTEGER", logger: logger)
            try await c.query("CREATE INDEX IF NOT EXISTS items_free ON items (state, sector, channel, expected_value)", logger: logger)
            try await c.query("""
                CREATE TABLE IF NOT EXISTS audit (
                    seq BIGINT PRIMARY KEY, time DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                    item BIGINT, details TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """, logger: logger)
            try await c.query("""
                CREATE TABLE IF NOT EXISTS users (
                    name TEXT PRIMARY KEY, role TEXT NOT NULL, sectors TEXT NOT NULL, password_hash TEXT NOT NULL,
                    disabled BOOLEAN NOT NULL DEFAULT FALSE, created DOUBLE PRECISION NOT NULL)
                """, logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, \"user\" TEXT NOT NULL REFERENCES users(name), expires DOUBLE PRECISION NOT NULL, created DOUBLE PRECISION NOT NULL)", logger: logger)
            try await c.query("""
                CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, "user" TEXT NOT NULL REFERENCES users(name), csrf TEXT NOT NULL,
                    created DOUBLE PRECISION NOT NULL, last_seen DOUBLE PRECISION NOT NULL, address TEXT)
                """, logger: logger)
            try await c.query("CREATE INDEX IF NOT EXISTS sessions_user ON sessions (\"user\")", logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS login_failures (\"user\" TEXT NOT NULL, address TEXT NOT NULL, time DOUBLE PRECISION NOT NULL)", logger: logger)
            try await c.query("CREATE INDEX IF NOT EXISTS login_failures_time ON login_failures (time)", logger: logger)
            try await c.query("CREATE INDEX IF NOT EXISTS items_controller ON items (controller, state)", logger: logger)
            // `next` walks the free items best first and stops at the first of the actor's sectors.
            try await c.query("CREATE INDEX IF NOT EXISTS items_best ON items (state, expected_value DESC, id)", logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS audit_head (one BOOLEAN PRIMARY KEY DEFAULT TRUE, seq BIGINT NOT NULL, hash TEXT NOT NULL)", logger: logger)
            try await c.query("INSERT INTO audit_head (one, seq, hash) VALUES (TRUE, 0, 'genesis') ON CONFLICT DO NOTHING", logger: logger)
            try await c.query("ALTER TABLE audit_head ADD COLUMN IF NOT EXISTS previous TEXT", logger: logger)
            // Append-only, but for the redaction of an access entry past its retention (`purge`):
            // actor and details emptied, everything the chain needs kept.
            try await c.query("ALTER TABLE audit ADD COLUMN IF NOT EXISTS redacted BOOLEAN NOT NULL DEFAULT FALSE", logger: logger)
            let access = AuditChain.accessActions.sorted().map { "'\($0)'" }.joined(separator: ", ")
            try await c.query(PostgresQuery(unsafeSQL: """
                CREATE OR REPLACE FUNCTION ciblage_audit_append_only() RETURNS trigger AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND OLD.redacted = FALSE AND NEW.redacted = TRUE AND NEW.seq = OLD.seq AND NEW.time = OLD.time
                       AND NEW.action = OLD.action AND NEW.item IS NOT DISTINCT FROM OLD.item AND NEW.previous_hash = OLD.previous_hash
                       AND NEW.hash = OLD.hash AND NEW.actor = '' AND NEW.details = '' AND OLD.action IN (\(access)) THEN
                        RETURN NEW;
                    END IF;
                    RAISE EXCEPTION 'the audit log is append-only';
                END $$ LANGUAGE plpgsql
                """), logger: logger)
            // Entries are chained at commit (see `audit`).
            try await c.query("""
                CREATE TABLE IF NOT EXISTS audit_pending (
                    id BIGSERIAL PRIMARY KEY, time DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                    item BIGINT, details TEXT NOT NULL, rest TEXT NOT NULL)
                """, logger: logger)
            try await c.query("""
                CREATE OR REPLACE FUNCTION ciblage_audit_chain() RETURNS trigger AS $$
                DECLARE s BIGINT; p TEXT; h TEXT;
                BEGIN
                    UPDATE audit_head SET previous = hash, seq = seq + 1,
                        hash = encode(sha256(convert_to((seq + 1)::TEXT || '|' || NEW.rest || '|' || hash, 'UTF8')), 'hex')
                        RETURNING seq, previous, hash INTO s, p, h;
                    INSERT INTO audit (seq, time, actor, action, item, details, previous_hash, hash)
                        VALUES (s, NEW.time, NEW.actor, NEW.action, NEW.item, NEW.details, p, h);
                    DELETE FROM audit_pending WHERE id = NEW.id;
                    RETURN NULL;
                END $$ LANGUAGE plpgsql
                """, logger: logger)
            try await c.query("DROP TRIGGER IF EXISTS audit_chain ON audit_pending", logger: logger)
            try await c.query("""
                CREATE CONSTRAINT TRIGGER audit_chain AFTER INSERT ON audit_pending DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION ciblage_audit_chain()
                """, logger: logger)
            try await c.query("DROP TRIGGER IF EXISTS audit_append_only ON audit", logger: logger)
            try await c.query("CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION ciblage_audit_append_only()", logger: logger)
            try await c.query("""
                CREATE TABLE IF NOT EXISTS model_versions (
                    name TEXT NOT NULL, version TEXT NOT NULL, model_checksum TEXT NOT NULL, artifact BYTEA NOT NULL, artifact_sha256 TEXT NOT NULL,
                    valid_from TEXT NOT NULL, valid_until TEXT, regime TEXT,
                    evaluation BYTEA NOT NULL, evaluation_sha256 TEXT NOT NULL, audit_report BYTEA NOT NULL, audit_sha256 TEXT NOT NULL,
                    card BYTEA NOT NULL, card_sha256 TEXT NOT NULL,
                    registered_by TEXT NOT NULL, registered_at DOUBLE PRECISION NOT NULL, approved_by TEXT, approved_at DOUBLE PRECISION,
                    retired_by TEXT, retired_at DOUBLE PRECISION, retire_reason TEXT, registration_order BIGSERIAL,
                    PRIMARY KEY (name, version))
                """, logger: logger)
            // What was registered never changes (a correction is a new version); approval and
            // retirement are each written once; nothing is deleted.
            try await c.query("""
                CREATE OR REPLACE FUNCTION ciblage_model_immutable() RETURNS trigger AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'a registered model version is never deleted: retire it'; END IF;
                    IF (NEW.name, NEW.version, NEW.model_checksum, NEW.artifact, NEW.artifact_sha256, NEW.valid_from, NEW.valid_until, NEW.regime,
                        NEW.evaluation, NEW.evaluation_sha256, NEW.audit_report, NEW.audit_sha256, NEW.card, NEW.card_sha256,
                        NEW.registered_by, NEW.registered_at, NEW.registration_order)
                       IS DISTINCT FROM
                       (OLD.name, OLD.version, OLD.model_checksum, OLD.artifact, OLD.artifact_sha256, OLD.valid_from, OLD.valid_until, OLD.regime,
                        OLD.evaluation, OLD.evaluation_sha256, OLD.audit_report, OLD.audit_sha256, OLD.card, OLD.card_sha256,
                        OLD.registered_by, OLD.registered_at, OLD.registration_order)
                       OR (OLD.approved_by IS NOT NULL AND (NEW.approved_by, NEW.approved_at) IS DISTINCT FROM (OLD.approved_by, OLD.approved_at))
                       OR (OLD.retired_by IS NOT NULL
                           AND (NEW.retired_by, NEW.retired_at, NEW.retire_reason) IS DISTINCT FROM (OLD.retired_by, OLD.retired_at, OLD.retire_reason))
                    THEN RAISE EXCEPTION 'a registered model version is immutable: only its approval and its retirement are recorded, once each'; END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql
                """, logger: logger)
            try await c.query("DROP TRIGGER IF EXISTS model_versions_immutable ON model_versions", logger: logger)
            try await c.query("CREATE TRIGGER model_versions_immutable BEFORE UPDATE OR DELETE ON model_versions FOR EACH ROW EXECUTE FUNCTION ciblage_model_immutable()", logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS ciblage_schema (one BOOLEAN PRIMARY KEY DEFAULT TRUE, version INTEGER NOT NULL)", logger: logger)
            try await c.query("""
                INSERT INTO ciblage_schema (one, version) VALUES (TRUE, \(Self.schemaVersion)) ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version
                """, logger: logger)
        }
    }

    /// Records an entry; PostgreSQL chains it when the transaction commits.
    ///
    /// Why at commit: the chain is serialised by the lock on the single `audit_head` row, and every
    /// writer waits for whoever holds it. Taken by a statement of the transaction, that lock was held
    /// until the client sent COMMIT: on busy cores, a round trip plus the time the client's thread
    /// waited to be scheduled, while every other writer waited too (the bound of the load benchmark:
    /// 276 operations/s). Here the transaction only inserts into `audit_pending`, which locks
    /// nothing shared; the deferred constraint trigger `audit_chain` runs inside COMMIT, takes the
    /// next number and the previous hash under the head's lock, writes the entry to `audit` and
    /// deletes the pending row, and the lock is released when the commit is durable: held for the
    /// time PostgreSQL needs and no longer. Entries of one transaction are chained in the order they
    /// were recorded (deferred triggers fire in event order); entries of different transactions in
    /// commit order. A rolled-back transaction leaves neither a pending row nor an entry.
    ///
    /// The hash is SHA-256 of `seq|rest|previous`, the text of `AuditChain.hash`, where `rest` is
    /// `time|actor|action|item|details` made here; `queue verify` recomputes every hash in Swift.
    private func audit(_ c: PostgresConnection, actor: String, action: String, item: Int64?, details: String, now: Date) async throws {
        let text = AuditText(actor: actor, action: action, details: details, now: now)
        let rest = text.prefix + (item.map(String.init) ?? "") + text.suffix
        try await c.query("""
            INSERT INTO audit_pending (time, actor, action, item, details, rest) VALUES (\(text.time), \(actor), \(action), \(item), \(details), \(rest))
            """, logger: logger)
    }


    static let itemColumns = """
        id, campaign, model_checksum, dossier, channel, sector, score, expected_amount, expected_value, selection, inclusion_probability,
        reasons, state, controller, lease_expires, indu, rappel, fraud, judgement, judgement_reason, indu_months
        """

    private func items(_ rows: PostgresRowSequence) async throws -> [QueueItem] {
        var out: [QueueItem] = []
        for try await row in rows { out.append(try Self.item(row)) }
        return out
    }

    /// A row of `itemColumns`.
    static func item(_ row: PostgresRow) throws -> QueueItem {
        let r = try row.decode((Int64, String, String, String, String, String, Double, Double?, Double, String, Double,
                                String, String, String?, Double?, Double?, Double?, Bool?, String?, String?, Int32?).self)
        let state = ItemState(rawValue: r.12) ?? .planned
        return QueueItem(
            id: r.0, campaign: r.1, modelChecksum: r.2,
            item: PlannedItem(dossier: r.3, channel: ChannelKind(rawValue: r.4) ?? .surPieces, sector: r.5, score: r.6, expectedAmount: r.7,
                              expectedValue: r.8, selection: r.9, inclusionProbability: r.10, reasons: r.11),
            state: state, controller: r.13, leaseExpires: r.14.map { Date(timeIntervalSince1970: $0) },
            outcome: state == .closed ? Outcome(indu: r.15 ?? 0, rappel: r.16 ?? 0, induMonths: r.20.map(Int.init), fraud: r.17 ?? false,
                                                judgement: Judgement(rawValue: r.18 ?? "") ?? .agree, judgementReason: r.19) : nil)
    }

    /// A scope as two query parameters: the holder's name (nil: anyone) and the sectors (nil: all).
    /// Authorisation is inside each query's `WHERE`.
    private static func parameters(_ scope: ItemScope) -> (holder: String?, sectors: [String]?) {
        switch scope {
        case .all: return (nil, nil)
        case .heldBy(let name, let sectors): return (name, sectors)
        case .sectors(let sectors): return (nil, sectors)
        }
    }

    private func fetchItem(_ c: PostgresConnection, _ id: Int64, in scope: ItemScope, lock: Bool) async throws -> QueueItem? {
        let (holder, sectors) = Self.parameters(scope)
        return try await items(c.query("""
            SELECT \(unescaped: Self.itemColumns) FROM items WHERE id = \(id)
                AND (\(holder)::TEXT IS NULL OR (controller = \(holder) AND state != 'planned'))
                AND (\(sectors)::TEXT[] IS NULL OR sector = ANY(\(sectors)::TEXT[])) \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger)).first
    }

    /// Items inserted per statement by `plan`.
    static let planBatch = 5000

    public func plan(campaign: String, modelChecksum: String, items: [PlannedItem], by actor: Actor) throws -> (inserted: Int, skipped: Int) {
        let now = Date()
        // A national plan inserts 100,000 items and more: it gets an hour, not the default 20 s.
        let result: [Int] = try blocking(timeout: 3600) { [self] in
            try await client.withTransaction(logger: logger) { c in
                // In batches of `planBatch` items, each one statement over arrays (UNNEST, in plan order, so
                // ids follow the plan): one round trip per item made a national plan of 110,000 items
                // wait on the network 110,000 times. A missing expected amount travels as NaN.
                var inserted = 0
                var start = 0
                while start < items.count {
                    let batch = items[start..<min(items.count, start + Self.planBatch)]
                    start += batch.count
                    let rows = try await c.query("""
                        INSERT INTO items (campaign, model_checksum, dossier, channel, sector, score, expected_amount, expected_value, selection,
                            inclusion_probability, reasons, state)
                        SELECT \(campaign), \(modelChecksum), t.dossier, t.channel, t.sector, t.score, NULLIF(t.amount, 'NaN'::DOUBLE PRECISION),
                            t.value, t.selection, t.probability, t.reasons, 'planned'
                        FROM UNNEST(\(batch.map(\.dossier))::TEXT[], \(batch.map(\.channel.rawValue))::TEXT[], \(batch.map(\.sector))::TEXT[],
                            \(batch.map(\.score))::DOUBLE PRECISION[], \(batch.map { $0.expectedAmount ?? .nan })::DOUBLE PRECISION[],
                            \(batch.map(\.expectedValue))::DOUBLE PRECISION[], \(batch.map(\.selection))::TEXT[],
                            \(batch.map(\.inclusionProbability))::DOUBLE PRECISION[], \(batch.map(\.reasons))::TEXT[])
                            WITH ORDINALITY AS t(dossier, channel, sector, score, amount, value, selection, probability, reasons, position)
                        ORDER BY t.position
                        ON CONFLICT (campaign, dossier) DO NOTHING RETURNING id
                        """, logger: logger)
                    for try await _ in rows { inserted += 1 }
                }
                try await audit(c, actor: actor.name, action: "plan", item: nil,
                                details: actor.details("campaign=\(campaign) model=\(modelChecksum) inserted=\(inserted) skipped=\(items.count - inserted)"), now: now)
                return [inserted, items.count - inserted]
            }
        }
        return (result[0], result[1])
    }

    /// Two statements, each its own transaction and one round trip: expired leases back to the
    /// pool, then the best free item assigned. Each records its audit entries in the same statement
    /// (a data-modifying CTE), so no transaction waits on the client between its statements. The
    /// second sees what the first committed: an item whose lease has just expired can be pulled.
    public func next(for actor: Actor, channel: ChannelKind?, sector: String?, lease: TimeInterval, now: Date) throws -> QueueItem? {
        guard !actor.name.isEmpty else { throw QueueError("a controller name is needed") }
        let channelName = channel?.rawValue, sectors = actor.sectors
        let t = now.timeIntervalSince1970
        let expired = AuditText(actor: "system", action: "lease-expired", details: "expired", now: now)
        let assigned = AuditText(actor: actor.name, action: "assign", details: actor.details("lease=\(Int(lease))s"), now: now)
        return try blocking { [self] in
            for try await _ in try await client.execute(ExpireLeases(now: t, text: expired), logger: logger) {}
            let pull = PullBest(actor: actor.name, leaseExpires: t + lease, channel: channelName, sector: sector, sectors: sectors, text: assigned)
            var picked: QueueItem?
            for try await item in try await client.execute(pull, logger: logger) { picked = item }
            return picked
        }
    }

    public func items(in scope: ItemScope) throws -> [QueueItem] {
        let (holder, sectors) = Self.parameters(scope)
        return try blocking { [self] in
            try await items(client.query("""
                SELECT \(unescaped: Self.itemColumns) FROM items WHERE (\(holder)::TEXT IS NULL OR (controller = \(holder) AND state != 'planned'))
                    AND (\(sectors)::TEXT[] IS NULL OR sector = ANY(\(sectors)::TEXT[])) ORDER BY state, expected_value DESC, id
                """, logger: logger))
        }
    }

    public func campaigns(in scope: ItemScope) throws -> [String] {
        let (holder, sectors) = Self.parameters(scope)
        return try blocking { [self] in
            var names: [String] = []
            let rows = try await client.query("""
                SELECT DISTINCT campaign FROM items WHERE (\(holder)::TEXT IS NULL OR (controller = \(holder) AND state != 'planned'))
                    AND (\(sectors)::TEXT[] IS NULL OR sector = ANY(\(sectors)::TEXT[]))
                """, logger: logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            // Sorted here, not by SQL: the database's collation would order accents and case its own way.
            return names.sorted()
        }
    }

    public func item(_ id: Int64, in scope: ItemScope, viewedBy viewer: Actor?, now: Date) throws -> QueueItem? {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                guard let found = try await fetchItem(c, id, in: scope, lock: false) else { return nil }
                if let viewer { try await audit(c, actor: viewer.name, action: "view", item: id, details: viewer.auditContext, now: now) }
                return found
            }
        }
    }

    /// The item an actor may act on, locked, or the refusal: missing and not-yours are the same 404.
    private func actableItem(_ c: PostgresConnection, _ id: Int64, by actor: Actor) async throws -> QueueItem {
        guard let scope = ItemScope.actable(by: actor) else { throw QueueError("a \(actor.role?.rawValue ?? "") cannot act on items", kind: .forbidden) }
        guard let current = try await fetchItem(c, id, in: scope, lock: true) else { throw QueueError("no item \(id)", kind: .notFound) }
        return current
    }

    /// The usual case in one statement and one round trip: the holder closes an item assigned to
    /// them, in their sectors, with its audit entry in the same statement. When that changes no
    /// row, the transaction below finds the item and names the refusal (or closes it, if it became
    /// closable in between).
    public func close(item id: Int64, by actor: Actor, outcome: Outcome, now: Date) throws {
        try outcome.validate()
        guard ItemScope.actable(by: actor) != nil else { throw QueueError("a \(actor.role?.rawValue ?? "") cannot act on items", kind: .forbidden) }
        let text = AuditText(actor: actor.name, action: "close", details: actor.details(outcome.auditDetails), now: now)
        let sectors = actor.role == nil ? nil : actor.sectors
        let closedNow: Bool = try blocking { [self] in
            var changed = false
            for try await _ in try await client.execute(CloseHeld(item: id, outcome: outcome, actor: actor.name, sectors: sectors, text: text),
                                                        logger: logger) { changed = true }
            return changed
        }
        if closedNow { return }
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                let current = try await actableItem(c, id, by: actor)
                try current.ensureClosable(by: actor.name)
                try await c.query("""
                    UPDATE items SET state = 'closed', indu = \(outcome.indu), rappel = \(outcome.rappel),
                        indu_months = \(outcome.induMonths.map(Int32.init)), fraud = \(outcome.fraud),
                        judgement = \(outcome.judgement.rawValue), judgement_reason = \(outcome.judgementReason), closed_at = \(now.timeIntervalSince1970),
                        lease_expires = NULL WHERE id = \(id)
                    """, logger: logger)
                try await audit(c, actor: actor.name, action: "close", item: id, details: actor.details(outcome.auditDetails), now: now)
            }
        }
    }

    public func release(item id: Int64, by actor: Actor, now: Date) throws {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                let current = try await actableItem(c, id, by: actor)
                try current.ensureReleasable(by: actor.name)
                try await c.query("UPDATE items SET state = 'planned', controller = NULL, lease_expires = NULL WHERE id = \(id)", logger: logger)
                try await audit(c, actor: actor.name, action: "release", item: id, details: actor.auditContext, now: now)
            }
        }
    }

    public func reassign(item id: Int64, to controller: String, by actor: Actor, lease: TimeInterval, now: Date) throws {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                let scope: ItemScope = actor.role == nil ? .all : .sectors(actor.sectors ?? [])
                guard let current = try await fetchItem(c, id, in: scope, lock: true) else { throw QueueError("no item \(id)", kind: .notFound) }
                guard current.state != .closed else { throw QueueError("item \(id) is already closed; nothing changed", kind: .conflict) }
                try await c.query("UPDATE items SET state = 'assigned', controller = \(controller), lease_expires = \(now.timeIntervalSince1970 + lease) WHERE id = \(id)", logger: logger)
                try await audit(c, actor: actor.name, action: "reassign", item: id,
                                details: actor.details("from=\(current.controller ?? "") to=\(controller) lease=\(Int(lease))s"), now: now)
            }
        }
    }

    public func status(campaign: String?, sectors: [String]?, now: Date) throws -> [ChannelStatus] {
        try blocking { [self] in
            var out: [ChannelStatus] = []
            let rows = try await client.query("""
                SELECT channel, sector, COUNT(*) FILTER (WHERE state = 'planned'), COUNT(*) FILTER (WHERE state = 'assigned'),
                    COUNT(*) FILTER (WHERE state = 'closed'), COUNT(*) FILTER (WHERE state = 'closed' AND indu > 0),
                    COALESCE(SUM(indu) FILTER (WHERE state = 'closed'), 0)
                FROM items WHERE (\(campaign)::TEXT IS NULL OR campaign = \(campaign))
                    AND (\(sectors)::TEXT[] IS NULL OR sector = ANY(\(sectors)::TEXT[])) GROUP BY channel, sector ORDER BY channel, sector
                """, logger: logger)
            for try await r in rows.decode((String, String, Int64, Int64, Int64, Int64, Double).self) {
                out.append(ChannelStatus(channel: r.0, sector: r.1, planned: Int(r.2), assigned: Int(r.3), closed: Int(r.4), hits: Int(r.5), eurosFound: r.6))
            }
            return out
        }
    }

    public func export(campaign: String, by actor: Actor, now: Date) throws -> [QueueItem] {
        try blocking(timeout: 600) { [self] in
            try await client.withTransaction(logger: logger) { c in
                let out = try await items(c.query("SELECT \(unescaped: Self.itemColumns) FROM items WHERE campaign = \(campaign) AND state = 'closed' ORDER BY id", logger: logger))
                try await audit(c, actor: actor.name, action: "export", item: nil, details: actor.details("campaign=\(campaign) rows=\(out.count)"), now: now)
                return out
            }
        }
    }

    // MARK: Identities

    private static func account(_ r: (String, String, String, String, Bool)) -> UserAccount {
        UserAccount(name: r.0, role: Role(rawValue: r.1) ?? .controleur, sectors: (try? JSONDecoder().decode([String].self, from: Data(r.2.utf8))) ?? [],
                    passwordHash: r.3, disabled: r.4)
    }

    private func accounts(_ rows: PostgresRowSequence) async throws -> [UserAccount] {
        var out: [UserAccount] = []
        for try await r in rows.decode((String, String, String, String, Bool).self) { out.append(Self.account(r)) }
        return out
    }

    public func addUser(_ user: UserAccount, by actor: Actor) throws {
        let sectors = String(decoding: try JSONEncoder().encode(user.sectors), as: UTF8.self)
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                let rows = try await c.query("""
                    INSERT INTO users (name, role, sectors, password_hash, disabled, created)
                    VALUES (\(user.name), \(user.role.rawValue), \(sectors), \(user.passwordHash), \(user.disabled), \(Date().timeIntervalSince1970))
                    ON CONFLICT (name) DO NOTHING RETURNING name
                    """, logger: logger)
                var inserted = false
                for try await _ in rows { inserted = true }
                guard inserted else { throw QueueError("user \(user.name) already exists", kind: .conflict) }
                try await audit(c, actor: actor.name, action: "user-add", item: nil,
                                details: actor.details("user=\(user.name) role=\(user.role.rawValue) sectors=\(user.sectors.joined(separator: ","))"), now: Date())
            }
        }
    }

    public func user(named name: String) throws -> UserAccount? {
        try blocking { [self] in
            try await accounts(client.query("SELECT name, role, sectors, password_hash, disabled FROM users WHERE name = \(name)", logger: logger)).first
        }
    }

    public func users() throws -> [UserAccount] {
        try blocking { [self] in try await accounts(client.query("SELECT name, role, sectors, password_hash, disabled FROM users ORDER BY name", logger: logger)) }
    }

    public func hasUsers() throws -> Bool {
        try blocking { [self] in
            var any = false
            for try await _ in try await client.query("SELECT 1 FROM users LIMIT 1", logger: logger) { any = true }
            return any
        }
    }

    public func setDisabled(_ disabled: Bool, user name: String, by actor: Actor) throws {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                var found = false
                for try await _ in try await c.query("UPDATE users SET disabled = \(disabled) WHERE name = \(name) RETURNING name", logger: logger) { found = true }
                guard found else { throw QueueError("no user \(name)", kind: .notFound) }
                if disabled {
                    // A disabled account keeps no way in: its sessions and tokens end with it.
                    try await c.query("DELETE FROM sessions WHERE \"user\" = \(name)", logger: logger)
                    try await c.query("DELETE FROM tokens WHERE \"user\" = \(name)", logger: logger)
                }
                try await audit(c, actor: actor.name, action: disabled ? "user-disable" : "user-enable", item: nil, details: actor.details("user=\(name)"), now: Date())
            }
        }
    }

    public func addToken(hash: String, user: String, expires: Date, by actor: Actor) throws {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                try await c.query("INSERT INTO tokens (hash, \"user\", expires, created) VALUES (\(hash), \(user), \(expires.timeIntervalSince1970), \(Date().timeIntervalSince1970))", logger: logger)
                try await audit(c, actor: actor.name, action: "token-issue", item: nil,
                                details: actor.details("user=\(user) expires=\(Int(expires.timeIntervalSince1970))"), now: Date())
            }
        }
    }

    public func tokenUser(hash: String, now: Date) throws -> UserAccount? {
        try blocking { [self] in
            try await accounts(client.query("""
                SELECT u.name, u.role, u.sectors, u.password_hash, u.disabled FROM tokens t JOIN users u ON u.name = t."user"
                WHERE t.hash = \(hash) AND t.expires > \(now.timeIntervalSince1970) AND NOT u.disabled
                """, logger: logger)).first
        }
    }

    private func sessionRecords(_ rows: PostgresRowSequence) async throws -> [SessionRecord] {
        var out: [SessionRecord] = []
        for try await r in rows.decode((String, String, String, Double, Double, String?).self) {
            out.append(SessionRecord(idHash: r.0, user: r.1, csrfToken: r.2, created: Date(timeIntervalSince1970: r.3),
                                     lastSeen: Date(timeIntervalSince1970: r.4), address: r.5))
        }
        return out
    }

    public func createSession(_ s: SessionRecord) throws {
        try blocking { [self] in
            try await client.query("""
                INSERT INTO sessions (id_hash, "user", csrf, created, last_seen, address)
                VALUES (\(s.idHash), \(s.user), \(s.csrfToken), \(s.created.timeIntervalSince1970), \(s.lastSeen.timeIntervalSince1970), \(s.address))
                """, logger: logger)
        }
    }

    public func session(idHash: String) throws -> SessionRecord? {
        try blocking { [self] in
            try await sessionRecords(client.query("SELECT id_hash, \"user\", csrf, created, last_seen, address FROM sessions WHERE id_hash = \(idHash)", logger: logger)).first
        }
    }

    public func sessionWithUser(idHash: String) throws -> (SessionRecord, UserAccount)? {
        try blocking { [self] in
            var found: (SessionRecord, UserAccount)?
            for try await r in try await client.execute(SessionWithUser(idHash: idHash), logger: logger) {
                let session = SessionRecord(idHash: r.0, user: r.1, csrfToken: r.2, created: Date(timeIntervalSince1970: r.3),
                                            lastSeen: Date(timeIntervalSince1970: r.4), address: r.5)
                found = (session, Self.account((r.6, r.7, r.8, r.9, r.10)))
            }
            return found
        }
    }

    public func touchSession(idHash: String, at time: Date) throws {
        try blocking { [self] in try await client.query("UPDATE sessions SET last_seen = \(time.timeIntervalSince1970) WHERE id_hash = \(idHash)", logger: logger) }
    }

    public func deleteSession(idHash: String) throws {
        try blocking { [self] in try await client.query("DELETE FROM sessions WHERE id_hash = \(idHash)", logger: logger) }
    }

    @discardableResult
    public func deleteSessions(user: String, except: String?) throws -> Int {
        try blocking { [self] in
            var n = 0
            for try await _ in try await client.query("DELETE FROM sessions WHERE \"user\" = \(user) AND id_hash != \(except ?? "") RETURNING id_hash", logger: logger) { n += 1 }
            return n
        }
    }

    public func sessions(user: String) throws -> [SessionRecord] {
        try blocking { [self] in
            try await sessionRecords(client.query("SELECT id_hash, \"user\", csrf, created, last_seen, address FROM sessions WHERE \"user\" = \(user) ORDER BY created", logger: logger))
        }
    }

    public func recordLoginFailure(user: String, address: String, at time: Date) throws {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                // Failures older than a day are of no use to throttling: they go as new ones come.
                try await c.query("DELETE FROM login_failures WHERE time < \(time.timeIntervalSince1970 - 86_400)", logger: logger)
                try await c.query("INSERT INTO login_failures (\"user\", address, time) VALUES (\(user), \(address), \(time.timeIntervalSince1970))", logger: logger)
            }
        }
    }

    public func loginFailures(user: String?, address: String?, since: Date) throws -> Int {
        try blocking { [self] in
            var n: Int64 = 0
            for try await c in try await client.query("""
                SELECT COUNT(*) FROM login_failures WHERE time >= \(since.timeIntervalSince1970)
                    AND (\(user)::TEXT IS NULL OR "user" = \(user)) AND (\(address)::TEXT IS NULL OR address = \(address))
                """, logger: logger).decode(Int64.self) { n = c }
            return Int(n)
        }
    }

    public func recordEvent(actor: Actor, action: String, item: Int64?, details: String, now: Date) throws {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                try await audit(c, actor: actor.name, action: action, item: item, details: actor.details(details), now: now)
            }
        }
    }

    public func auditEntries() throws -> [AuditEntry] {
        try blocking(timeout: 600) { [self] in
            var entries: [AuditEntry] = []
            let rows = try await client.query("SELECT seq, time, actor, action, item, details, previous_hash, hash, redacted FROM audit ORDER BY seq", logger: logger)
            for try await r in rows.decode((Int64, Double, String, String, Int64?, String, String, String, Bool).self) {
                entries.append(AuditEntry(seq: r.0, time: r.1, actor: r.2, action: r.3, item: r.4, details: r.5, previousHash: r.6, hash: r.7, redacted: r.8))
            }
            return entries
        }
    }

    public func purge(_ policy: RetentionPolicy, by actor: Actor, now: Date) throws -> PurgeSummary {
        try policy.validate()
        let access = AuditChain.accessActions.sorted()
        let scores = policy.scoreCutoff(now).timeIntervalSince1970, accessBefore = policy.accessCutoff(now).timeIntervalSince1970
        let sessionsBefore = policy.sessionCutoff(now).timeIntervalSince1970, failuresBefore = now.timeIntervalSince1970 - 86_400
        return try blocking(timeout: 600) { [self] in
            try await client.withTransaction(logger: logger) { c in
                func count(_ query: PostgresQuery) async throws -> Int {
                    var n: Int64 = 0
                    for try await v in try await c.query(query, logger: logger).decode(Int64.self) { n = v }
                    return Int(n)
                }
                let items = try await count("WITH d AS (DELETE FROM items WHERE state = 'closed' AND closed_at < \(scores) RETURNING 1) SELECT count(*) FROM d")
                let entries = try await count("""
                    WITH r AS (UPDATE audit SET actor = '', details = '', redacted = TRUE
                               WHERE redacted = FALSE AND time < \(accessBefore) AND action = ANY(\(access)::TEXT[]) RETURNING 1) SELECT count(*) FROM r
                    """)
                let sessions = try await count("WITH d AS (DELETE FROM sessions WHERE created < \(sessionsBefore) RETURNING 1) SELECT count(*) FROM d")
                try await c.query("DELETE FROM login_failures WHERE time < \(failuresBefore)", logger: logger)
                let summary = PurgeSummary(itemsDeleted: items, entriesRedacted: entries, sessionsDeleted: sessions)
                try await audit(c, actor: actor.name, action: "purge", item: nil, details: actor.details(summary.details(policy)), now: now)
                return summary
            }
        }
    }

    // MARK: Model registry

    private static let versionColumns = """
        name, version, model_checksum, artifact_sha256, valid_from, valid_until, regime, evaluation_sha256, audit_sha256, card_sha256,
        registered_by, registered_at, approved_by, approved_at, retired_by, retired_at, retire_reason
        """

    private func modelVersions(_ rows: PostgresRowSequence) async throws -> [ModelVersion] {
        var out: [ModelVersion] = []
        for try await r in rows.decode((String, String, String, String, String, String?, String?, String, String, String,
                                        String, Double, String?, Double?, String?, Double?, String?).self) {
            var v = ModelVersion(name: r.0, version: r.1, modelChecksum: r.2, artifactSHA256: r.3,
                                 validFrom: CalendarDay(r.4) ?? CalendarDay(year: 1970, month: 1, day: 1)!, validUntil: r.5.flatMap { CalendarDay($0) },
                                 regime: r.6, evidence: EvidenceChecksums(evaluation: r.7, audit: r.8, card: r.9),
                                 registeredBy: r.10, registeredAt: Date(timeIntervalSince1970: r.11))
            v.approvedBy = r.12; v.approvedAt = r.13.map { Date(timeIntervalSince1970: $0) }
            v.retiredBy = r.14; v.retiredAt = r.15.map { Date(timeIntervalSince1970: $0) }; v.retireReason = r.16
            out.append(v)
        }
        return out
    }

    public func registerModel(_ v: ModelVersion, artifact: Data, evidence: ModelEvidence, by actor: Actor, now: Date) throws {
        let e = evidence.checksums
        try blocking(timeout: 120) { [self] in
            try await client.withTransaction(logger: logger) { c in
                var inserted = false
                for try await _ in try await c.query("""
                    INSERT INTO model_versions (name, version, model_checksum, artifact, artifact_sha256, valid_from, valid_until, regime,
                        evaluation, evaluation_sha256, audit_report, audit_sha256, card, card_sha256, registered_by, registered_at)
                    VALUES (\(v.name), \(v.version), \(v.modelChecksum), \(artifact), \(v.artifactSHA256), \(v.validFrom.description),
                        \(v.validUntil?.description), \(v.regime), \(evidence.evaluation), \(e.evaluation), \(evidence.audit), \(e.audit),
                        \(evidence.card), \(e.card), \(v.registeredBy), \(v.registeredAt.timeIntervalSince1970))
                    ON CONFLICT (name, version) DO NOTHING RETURNING name
                    """, logger: logger) { inserted = true }
                guard inserted else { throw QueueError("model \(v.reference) is already registered: a new model is a new version", kind: .conflict) }
                try await audit(c, actor: actor.name, action: "model-register", item: nil, details: actor.details(v.registrationDetails), now: now)
            }
        }
    }

    public func modelVersions(named name: String?) throws -> [ModelVersion] {
        try blocking { [self] in
            try await modelVersions(client.query("""
                SELECT \(unescaped: Self.versionColumns) FROM model_versions WHERE (\(name)::TEXT IS NULL OR name = \(name)) ORDER BY name, registration_order
                """, logger: logger))
        }
    }

    public func modelArtifact(name: String, version: String) throws -> Data? {
        try blocking(timeout: 120) { [self] in
            var found: Data?
            for try await d in try await client.query("SELECT artifact FROM model_versions WHERE name = \(name) AND version = \(version)",
                                                      logger: logger).decode(Data.self) { found = d }
            return found
        }
    }

    public func modelEvidence(name: String, version: String) throws -> ModelEvidence? {
        try blocking(timeout: 120) { [self] in
            var found: ModelEvidence?
            for try await r in try await client.query("""
                SELECT evaluation, audit_report, card FROM model_versions WHERE name = \(name) AND version = \(version)
                """, logger: logger).decode((Data, Data, Data).self) { found = ModelEvidence(evaluation: r.0, audit: r.1, card: r.2) }
            return found
        }
    }

    public func changeModel(name: String, version: String, action: String, by actor: Actor, now: Date,
                            _ change: @escaping @Sendable (ModelVersion) throws -> ModelVersion) throws -> ModelVersion {
        try blocking { [self] in
            try await client.withTransaction(logger: logger) { c in
                guard let current = try await modelVersions(c.query("""
                    SELECT \(unescaped: Self.versionColumns) FROM model_versions WHERE name = \(name) AND version = \(version) FOR UPDATE
                    """, logger: logger)).first else { throw QueueError("no model \(name)@\(version) in the registry", kind: .notFound) }
                let changed = try change(current)
                try await c.query("""
                    UPDATE model_versions SET approved_by = \(changed.approvedBy), approved_at = \(changed.approvedAt?.timeIntervalSince1970),
                        retired_by = \(changed.retiredBy), retired_at = \(changed.retiredAt?.timeIntervalSince1970), retire_reason = \(changed.retireReason)
                    WHERE name = \(name) AND version = \(version)
                    """, logger: logger)
                try await audit(c, actor: actor.name, action: action, item: nil, details: actor.details(changed.changeDetails), now: now)
                return changed
            }
        }
    }
}

/// The result of async work handed back to a waiting synchronous caller.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
