import CiblageSupport
import Foundation

/// One dossier planned for control.
public struct PlannedItem: Codable, Equatable, Sendable {
    public var dossier: String
    public var channel: ChannelKind
    public var sector: String
    public var score: Double
    public var expectedAmount: Double?
    public var expectedValue: Double
    /// "exploit" (ranked by expected value) or "explore" (drawn at random).
    public var selection: String
    /// Probability that this dossier was selected under the plan's rule (1 for ranked, k/N for random).
    public var inclusionProbability: Double
    public var reasons: String
    public init(dossier: String, channel: ChannelKind, sector: String, score: Double, expectedAmount: Double?, expectedValue: Double,
                selection: String, inclusionProbability: Double, reasons: String) {
        self.dossier = dossier; self.channel = channel; self.sector = sector; self.score = score
        self.expectedAmount = expectedAmount; self.expectedValue = expectedValue; self.selection = selection
        self.inclusionProbability = inclusionProbability; self.reasons = reasons
    }
}

public enum ItemState: String, Codable, Sendable { case planned, assigned, closed }

public struct QueueItem: Codable, Equatable, Sendable {
    public var id: Int64
    public var campaign: String
    public var modelChecksum: String
    public var item: PlannedItem
    public var state: ItemState
    public var controller: String?
    public var leaseExpires: Date?
    public var outcome: Outcome?
    public init(id: Int64, campaign: String, modelChecksum: String, item: PlannedItem, state: ItemState, controller: String?,
                leaseExpires: Date?, outcome: Outcome?) {
        self.id = id; self.campaign = campaign; self.modelChecksum = modelChecksum; self.item = item; self.state = state
        self.controller = controller; self.leaseExpires = leaseExpires; self.outcome = outcome
    }
}

public struct ChannelStatus: Codable, Equatable, Sendable {
    public var channel: String
    public var sector: String
    public var planned: Int
    public var assigned: Int
    public var closed: Int
    public var hits: Int
    public var eurosFound: Double
    public init(channel: String, sector: String, planned: Int, assigned: Int, closed: Int, hits: Int, eurosFound: Double) {
        self.channel = channel; self.sector = sector; self.planned = planned; self.assigned = assigned; self.closed = closed
        self.hits = hits; self.eurosFound = eurosFound
    }
}

public struct AuditVerification: Equatable, Sendable {
    public var entries: Int
    /// The sequence number of the first entry that does not verify, and why.
    public var firstBadEntry: Int64?
    public var problem: String?
    /// Signed checkpoints checked and found to agree with the log.
    public var checkpoints = 0
    public var ok: Bool { firstBadEntry == nil }
    public init(entries: Int, firstBadEntry: Int64?, problem: String?, checkpoints: Int = 0) {
        self.entries = entries; self.firstBadEntry = firstBadEntry; self.problem = problem; self.checkpoints = checkpoints
    }
}

/// Refusals that leave the store unchanged.
public struct QueueError: ParameterNamingError, Equatable {
    /// What kind of refusal, so that each edge can answer in its own terms (an exit code, an HTTP status).
    public enum Kind: Sendable, Equatable {
        /// The request itself is wrong (a negative amount, a missing reason).
        case invalid
        /// No such object, or not one the actor may see: the server answers 404 either way.
        case notFound
        /// The object is in a state that forbids the operation (already closed, not assigned).
        case conflict
        /// The actor's role does not allow the operation.
        case forbidden
        /// The store cannot be reached (a database restarting): nothing was recorded, retry.
        case unavailable
    }
    public var message: String
    public var kind: Kind
    public init(_ message: String, kind: Kind = .invalid) { self.message = message; self.kind = kind }
    public var template: String { message }
}

/// The queue's persistence. One protocol, one test suite; SQLite (GRDB) is the embedded default.
/// Every mutating call appends to the hash-chained audit log in the same transaction, with the actor.
///
/// Authorisation is part of each query: an actor with a role only ever reads or changes the rows its
/// `ItemScope` allows, so a refused object is indistinguishable from a missing one.
public protocol QueueStore: IdentityStore, ModelRegistryStore {
    /// Inserts a plan atomically (all items or none); items already planned for the campaign are skipped.
    func plan(campaign: String, modelChecksum: String, items: [PlannedItem], by actor: Actor) throws -> (inserted: Int, skipped: Int)
    /// Assigns the best unassigned item (highest expected value) matching the filters and the actor's
    /// sectors, with a lease.
    func next(for actor: Actor, channel: ChannelKind?, sector: String?, lease: TimeInterval, now: Date) throws -> QueueItem?
    /// Items of a scope, open ones first, best first.
    func items(in scope: ItemScope) throws -> [QueueItem]
    /// The names of the campaigns with an item in the scope, in Swift's `String` order: what a
    /// campaign filter offers, read without loading any item (a national plan holds 100,000 and more).
    func campaigns(in scope: ItemScope) throws -> [String]
    /// One item if the scope holds it. `viewedBy` records the view in the audit log (a dossier's page).
    func item(_ id: Int64, in scope: ItemScope, viewedBy: Actor?, now: Date) throws -> QueueItem?
    func close(item: Int64, by actor: Actor, outcome: Outcome, now: Date) throws
    func release(item: Int64, by actor: Actor, now: Date) throws
    /// Gives an open item of the actor's sectors to another controller, with a new lease.
    func reassign(item: Int64, to controller: String, by actor: Actor, lease: TimeInterval, now: Date) throws
    /// Counts per channel and sector; `sectors` restricts them (a superviseur's).
    func status(campaign: String?, sectors: [String]?, now: Date) throws -> [ChannelStatus]
    /// Closed items as labelled rows, recorded in the audit log.
    func export(campaign: String, by actor: Actor, now: Date) throws -> [QueueItem]
    /// The audit log in sequence order, as stored (for verification).
    func auditEntries() throws -> [AuditEntry]
    /// Applies the retention rules in one transaction, with an audit entry (see `RetentionPolicy`).
    func purge(_ policy: RetentionPolicy, by actor: Actor, now: Date) throws -> PurgeSummary
}

/// How long the store keeps what it holds about people (docs/ACCOUNTABILITY.md, "Retention").
///
/// - Scores and outcomes: `scoreYears` after the control closed (the end of the control dossier;
///   the store does not know when the allocataire's dossier itself ends, so it counts from the
///   close, which comes later than any score of it). Closed items older than that are deleted.
/// - Access logs (`AuditChain.accessActions`): `accessMonths`, between 6 and 12. Older entries are
///   redacted: actor and details emptied, sequence, time, action and hash kept, so the chain still
///   verifies and no entry can be slipped in or taken out unseen.
/// - Sessions past their absolute limit and failed logins older than a day: deleted.
public struct RetentionPolicy: Equatable, Sendable {
    public var scoreYears: Int
    public var accessMonths: Int
    public init(scoreYears: Int = 6, accessMonths: Int = 12) { self.scoreYears = scoreYears; self.accessMonths = accessMonths }

    public func validate() throws {
        guard (1...30).contains(scoreYears) else { throw QueueError("{scoreYears} must be between 1 and 30, got \(scoreYears)") }
        guard (6...12).contains(accessMonths) else { throw QueueError("{accessMonths} must be between 6 and 12 (access logs are kept 6 to 12 months), got \(accessMonths)") }
    }

    /// Items closed before this are deleted.
    public func scoreCutoff(_ now: Date) -> Date { Calendar(identifier: .gregorian).date(byAdding: .year, value: -scoreYears, to: now)! }
    /// Access entries before this are redacted.
    public func accessCutoff(_ now: Date) -> Date { Calendar(identifier: .gregorian).date(byAdding: .month, value: -accessMonths, to: now)! }
    /// Sessions created before this are past any absolute limit (12 h) and deleted.
    public func sessionCutoff(_ now: Date) -> Date { now.addingTimeInterval(-86_400) }
}

public struct PurgeSummary: Equatable, Sendable {
    public var itemsDeleted: Int
    public var entriesRedacted: Int
    public var sessionsDeleted: Int
    public init(itemsDeleted: Int, entriesRedacted: Int, sessionsDeleted: Int) {
        self.itemsDeleted = itemsDeleted; self.entriesRedacted = entriesRedacted; self.sessionsDeleted = sessionsDeleted
    }
    /// What the audit log records of a purge.
    public func details(_ policy: RetentionPolicy) -> String {
        "items-deleted=\(itemsDeleted) entries-redacted=\(entriesRedacted) sessions-deleted=\(sessionsDeleted) score-years=\(policy.scoreYears) access-months=\(policy.accessMonths)"
    }
}

/// The store's calls as an administrator makes them directly, by name (the CLI on a store without users).
extension QueueStore {
    public func plan(campaign: String, modelChecksum: String, items: [PlannedItem], actor: String) throws -> (inserted: Int, skipped: Int) {
        try plan(campaign: campaign, modelChecksum: modelChecksum, items: items, by: Actor(name: actor))
    }
    public func next(controller: String, channel: ChannelKind?, sector: String?, lease: TimeInterval, now: Date) throws -> QueueItem? {
        try next(for: Actor(name: controller), channel: channel, sector: sector, lease: lease, now: now)
    }
    public func list(controller: String) throws -> [QueueItem] { try items(in: .heldBy(controller, sectors: nil)) }
    public func close(item: Int64, controller: String, outcome: Outcome, now: Date) throws {
        try close(item: item, by: Actor(name: controller), outcome: outcome, now: now)
    }
    public func release(item: Int64, controller: String, now: Date) throws { try release(item: item, by: Actor(name: controller), now: now) }
    public func status(campaign: String?, now: Date) throws -> [ChannelStatus] { try status(campaign: campaign, sectors: nil, now: now) }
    public func export(campaign: String, actor: String, now: Date) throws -> [QueueItem] {
        try export(campaign: campaign, by: Actor(name: actor), now: now)
    }
}

extension ItemScope {
    /// The scope in which an actor may close or release an item: a direct administrator may act on
    /// any (the hold is then checked by name), a controleur on what they hold in their sectors.
    public static func actable(by actor: Actor) -> ItemScope? {
        switch actor.role {
        case nil: return .all
        case .controleur: return .heldBy(actor.name, sectors: actor.sectors)
        case .superviseur, .datascientist, .admin: return nil
        }
    }
}

extension QueueStore {
    /// Recomputes the hash chain and names the first entry that does not verify.
    public func verifyAudit() throws -> AuditVerification { AuditChain.verify(try auditEntries()) }

    /// The chain, and then each signed checkpoint against it (`AuditCheckpoint.check`): what a chain
    /// alone cannot see, its tail cut off or the whole of it rewritten.
    public func verifyAudit(against checkpoints: [AuditCheckpoint], trusting key: AuditPublicKey) throws -> AuditVerification {
        let entries = try auditEntries()
        let chain = AuditChain.verify(entries)
        guard chain.ok else { return chain }
        for c in checkpoints.sorted(by: { $0.sequence < $1.sequence }) {
            if let problem = c.check(against: entries, trusting: key) {
                return AuditVerification(entries: entries.count, firstBadEntry: c.sequence, problem: problem)
            }
        }
        return AuditVerification(entries: entries.count, firstBadEntry: nil, problem: nil, checkpoints: checkpoints.count)
    }
}
