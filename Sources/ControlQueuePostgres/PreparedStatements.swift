import ControlQueue
import Foundation
import PostgresNIO

// The statements of the hot path (a pull, a close, the session behind every request), prepared
// once per connection: PostgreSQL then skips parsing and, after five runs, planning them. Under the
// load benchmark parsing and planning were a third of PostgreSQL's time, and PostgreSQL half of the
// machine's. The other statements are rare enough to be sent as text.
//
// Each state change records its audit entry in the same statement (a data-modifying CTE inserting
// into `audit_pending`; see `PostgresQueueStore.audit`), so it is one round trip and its own
// transaction. `$prefix || id::TEXT || $suffix` is the entry's hashed text (`AuditText`).

/// Expired leases back to the pool, each with its "lease-expired" entry (in item order).
struct ExpireLeases: PostgresPreparedStatement {
    static let sql = """
        WITH expired AS (
            UPDATE items SET state = 'planned', controller = NULL, lease_expires = NULL
            WHERE id IN (SELECT id FROM items WHERE state = 'assigned' AND lease_expires < $1 FOR UPDATE SKIP LOCKED)
            RETURNING id)
        INSERT INTO audit_pending (time, actor, action, item, details, rest)
            SELECT $1, 'system', 'lease-expired', id, 'expired', $2 || id::TEXT || $3 FROM expired ORDER BY id
        """
    static let bindingDataTypes: [PostgresDataType] = [.float8, .text, .text]
    typealias Row = Void

    var now: Double
    var text: AuditText

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 3)
        b.append(now); b.append(text.prefix); b.append(text.suffix)
        return b
    }
    func decodeRow(_ row: PostgresRow) throws {}
}

/// The best free item of the actor's sectors (and the channel and sector asked for, if any)
/// assigned to the actor with a lease, and its "assign" entry; the item's columns come back.
struct PullBest: PostgresPreparedStatement {
    static let sql = """
        WITH picked AS (
            UPDATE items SET state = 'assigned', controller = $1, lease_expires = $2
            WHERE id = (SELECT id FROM items WHERE state = 'planned' AND ($3::TEXT IS NULL OR channel = $3)
                            AND ($4::TEXT IS NULL OR sector = $4) AND ($5::TEXT[] IS NULL OR sector = ANY($5::TEXT[]))
                        ORDER BY expected_value DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING \(PostgresQueueStore.itemColumns)),
        logged AS (
            INSERT INTO audit_pending (time, actor, action, item, details, rest)
            SELECT $6, $1, 'assign', id, $7, $8 || id::TEXT || $9 FROM picked)
        SELECT \(PostgresQueueStore.itemColumns) FROM picked
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .float8, .text, .text, .textArray, .float8, .text, .text, .text]
    typealias Row = QueueItem

    var actor: String
    var leaseExpires: Double
    var channel: String?
    var sector: String?
    var sectors: [String]?
    var text: AuditText

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 9)
        b.append(actor); b.append(leaseExpires); b.append(channel); b.append(sector); b.append(sectors)
        b.append(text.time); b.append(text.details); b.append(text.prefix); b.append(text.suffix)
        return b
    }
    func decodeRow(_ row: PostgresRow) throws -> QueueItem { try PostgresQueueStore.item(row) }
}

/// An item assigned to the actor, in the actor's sectors (nil: any), closed with its outcome and
/// its "close" entry; no row when it is not the actor's to close.
struct CloseHeld: PostgresPreparedStatement {
    static let sql = """
        WITH closed AS (
            UPDATE items SET state = 'closed', indu = $1, rappel = $2, indu_months = $3, fraud = $4,
                judgement = $5, judgement_reason = $6, closed_at = $7, lease_expires = NULL
            WHERE id = $8 AND state = 'assigned' AND controller = $9 AND ($10::TEXT[] IS NULL OR sector = ANY($10::TEXT[]))
            RETURNING id),
        logged AS (
            INSERT INTO audit_pending (time, actor, action, item, details, rest)
            SELECT $7, $9, 'close', id, $11, $12 || id::TEXT || $13 FROM closed)
        SELECT id FROM closed
        """
    static let bindingDataTypes: [PostgresDataType] = [.float8, .float8, .int4, .bool, .text, .text, .float8, .int8, .text, .textArray,
                                                       .text, .text, .text]
    typealias Row = Int64

    var item: Int64
    var outcome: Outcome
    var actor: String
    var sectors: [String]?
    var text: AuditText

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 13)
        b.append(outcome.indu); b.append(outcome.rappel); b.append(outcome.induMonths.map(Int32.init)); b.append(outcome.fraud)
        b.append(outcome.judgement.rawValue); b.append(outcome.judgementReason); b.append(text.time); b.append(item)
        b.append(actor); b.append(sectors); b.append(text.details); b.append(text.prefix); b.append(text.suffix)
        return b
    }
    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

/// A session and its user, in one read: what every authenticated request needs first.
struct SessionWithUser: PostgresPreparedStatement {
    static let sql = """
        SELECT s.id_hash, s."user", s.csrf, s.created, s.last_seen, s.address, u.name, u.role, u.sectors, u.password_hash, u.disabled
        FROM sessions s JOIN users u ON u.name = s."user" WHERE s.id_hash = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]
    typealias Row = (String, String, String, Double, Double, String?, String, String, String, String, Bool)

    var idHash: String

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 1)
        b.append(idHash)
        return b
    }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The hashed text of an entry, `time|actor|action|item|details`, as the two parts around the
/// item number, for statements that record the entry of the row they change in the same
/// statement (`… SELECT prefix || id::TEXT || suffix FROM changed`; PostgreSQL writes a BIGINT
/// as Swift does).
struct AuditText {
    let time: Double, details: String, prefix: String, suffix: String
    init(actor: String, action: String, details: String, now: Date) {
        time = now.timeIntervalSince1970
        self.details = details
        prefix = "\(time)|\(actor)|\(action)|"
        suffix = "|\(details)"
    }
}
