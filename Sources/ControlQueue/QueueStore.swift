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
    public var message: String
    public init(_ message: String) { self.message = message }
    public var template: String { message }
}

/// The queue's persistence. One protocol, one test suite; SQLite (GRDB) is the embedded default.
/// Every mutating call appends to the hash-chained audit log in the same transaction.
public protocol QueueStore: Sendable {
    /// Inserts a plan atomically (all items or none); items already planned for the campaign are skipped.
    func plan(campaign: String, modelChecksum: String, items: [PlannedItem], actor: String) throws -> (inserted: Int, skipped: Int)
    /// Assigns the best unassigned item (highest expected value) matching the filters, with a lease.
    func next(controller: String, channel: ChannelKind?, sector: String?, lease: TimeInterval, now: Date) throws -> QueueItem?
    func list(controller: String) throws -> [QueueItem]
    func close(item: Int64, controller: String, outcome: Outcome, now: Date) throws
    func release(item: Int64, controller: String, now: Date) throws
    func status(campaign: String?, now: Date) throws -> [ChannelStatus]
    /// Closed items as labelled rows, recorded in the audit log.
    func export(campaign: String, actor: String, now: Date) throws -> [QueueItem]
    /// The audit log in sequence order, as stored (for verification).
    func auditEntries() throws -> [AuditEntry]
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
