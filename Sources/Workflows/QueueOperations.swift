import CiblageSupport
import ControlQueue
import ControlQueuePostgres
import ControlQueueSQLite
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

/// Where the queue lives, chosen by URL: a SQLite file for one machine, PostgreSQL to share one
/// queue between machines and server processes.
public enum QueueStoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// `postgres://` or `postgresql://` URLs name PostgreSQL; anything else is a SQLite file path.
    public init(_ url: String) {
        self = url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") ? .postgres(url: url) : .sqlite(path: url)
    }

    /// - Parameter forServer: a server's store gives up on queries PostgreSQL leaves unanswered
    ///   (after a restart), so that its threads come back; the CLI's waits.
    public func open(forServer: Bool = false) throws -> any QueueStore {
        switch self {
        case .sqlite(let path): return try SQLiteQueueStore(path: path)
        case .postgres(let url): return try PostgresQueueStore(url: url, timeOutUnansweredQueries: forServer)
        }
    }
}

/// Plan a campaign into the store.
public struct PlanRequest: Sendable {
    public var campaign: String
    public var population: String
    /// Also write the plan as CSV, for review and for `audit --selected`.
    public var output: String?
    /// Also write every dossier's score, as `ciblage score` does, from the plan's own pass.
    public var scores: String?
    public var actor: Actor
    /// Sign a checkpoint of the audit log after planning: the signing key, and the checkpoint log it is appended to.
    public var checkpoint: CheckpointSigning?
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public init(campaign: String, population: String, actor: Actor) {
        self.campaign = campaign; self.population = population; self.actor = actor
    }

    public func validate() throws(RequestError) {
        try RequestError.checkDistinct([("campaign", campaign), ("population", population), ("output", output), ("scores", scores)])
    }
}

public struct PlanResult: Sendable {
    public var campaign: String
    public var inserted: Int
    public var skipped: Int
    /// Items drawn at random (the exploration share).
    public var explored: Int
    public var eligible: Int
    public var population: Int
    /// What the population's rows are (the model spec's unit; nil: dossiers), for the edges' wording.
    public var unit: AnalysisUnit?
    /// Outreach: households selected and held out (not contacted, not in the queue; in the plan file).
    public var heldOut = 0
    /// Outreach: how many households each contact-pressure rule left out.
    public var exclusions: OutreachPlanner.Exclusions?
}

/// Where checkpoints are signed and kept: both outside the store.
public struct CheckpointSigning: Sendable, Equatable {
    /// The Ed25519 private key file (`queue keygen`).
    public var key: String
    /// The checkpoint log (JSON lines) the new checkpoint is appended to.
    public var log: String
    public init(key: String, log: String) { self.key = key; self.log = log }
}

/// Verify the audit log: its hash chain, and optionally the signed checkpoints of a log kept outside the store.
public struct AuditVerificationRequest: Sendable {
    public var checkpoints: String?
    /// The trusted public key (`KEY.pub`); required with `checkpoints`.
    public var publicKey: String?
    public init() {}

    public func validate() throws(RequestError) {
        guard (checkpoints == nil) == (publicKey == nil) else {
            throw RequestError("publicKey", "{checkpoint} and {publicKey} go together: a checkpoint is only as good as the key it is checked with")
        }
    }
}

/// Pull the best unassigned item for a controller, with a lease.
public struct PullRequest: Sendable {
    public var actor: Actor
    public var channel: ChannelKind?
    public var sector: String?
    public var lease: Duration = .seconds(240 * 60)
    public init(actor: Actor) { self.actor = actor }
    public init(controller: String) { self.actor = Actor(name: controller) }

    public func validate() throws(RequestError) {
        guard !actor.name.isEmpty else { throw RequestError("controller", "{controller} must not be empty") }
        guard lease > .zero, lease <= .seconds(7 * 24 * 3600) else { throw RequestError("lease", "{lease} must be more than 0 and at most a week") }
    }
}

/// Close an item with the control's outcome and the controller's judgement.
public struct CloseRequest: Sendable {
    public var item: Int64
    public var actor: Actor
    public var outcome: Outcome
    public init(item: Int64, actor: Actor, outcome: Outcome) { self.item = item; self.actor = actor; self.outcome = outcome }
    public init(item: Int64, controller: String, outcome: Outcome) { self.init(item: item, actor: Actor(name: controller), outcome: outcome) }
}

/// Write the closed outcomes of a campaign as labelled rows for retraining.
public struct OutcomeExportRequest: Sendable {
    public var campaign: String
    public var output: String
    /// The target rule labelling each outcome (the DMDE rule by default).
    public var definition = TargetDefinitionSpec()
    public var actor: Actor
    public init(campaign: String, output: String, actor: Actor) { self.campaign = campaign; self.output = output; self.actor = actor }

    public func validate() throws(RequestError) {
        guard definition.minimumAmount >= 0, definition.minimumAmount.isFinite else {
            throw RequestError("amount", "{amount} must be a finite amount ≥ 0, got \(definition.minimumAmount)")
        }
        guard definition.minimumMonths >= 1 else { throw RequestError("months", "{months} must be at least 1, got \(definition.minimumMonths)") }
    }
}

/// Progress of a campaign per channel and sector, and against its objective when the campaign file is given.
public struct QueueProgress: Sendable {
    public var rows: [ChannelStatus]
    public var objective: Objective?
    public var closed: Int { rows.reduce(0) { $0 + $1.closed } }
    public var eurosFound: Double { rows.reduce(0) { $0 + $1.eurosFound } }
}

/// The queue's user tasks over one store. The CLI opens one per command; the server keeps one.
public struct QueueOperations: Sendable {
    public let store: any QueueStore

    public init(store: any QueueStore) { self.store = store }
    /// Opens the store a URL names (see `QueueStoreLocation`).
    public init(url: String) throws { store = try QueueStoreLocation(url).open() }

    /// The person a controller's command acts for. On a store with users, the API token (`CIBLAGE_TOKEN`)
    /// says who, and a `claimed` name (`--controller`) must agree with it; on a store without users,
    /// the claimed name is taken as given (whoever opens the store is its administrator).
    public func person(claimed: String?, token: String?) throws -> Actor {
        let actor = try IdentityOperations(store: store).actor(token: token, fallback: claimed ?? "")
        if actor.role != nil, let claimed, claimed != actor.name {
            throw QueueError("{controller} \(claimed) is not the user of CIBLAGE_TOKEN (\(actor.name)): on a store with users the token says who acts",
                             kind: .forbidden)
        }
        guard !actor.name.isEmpty else { throw QueueError("give {controller} (or CIBLAGE_TOKEN on a store with users)") }
        return actor
    }

    /// Who a store-wide command (plan, export, checkpoint) is recorded as: the token's user when a
    /// token is given, else the store's administrator named by `fallback` ($USER).
    public func administrator(token: String?, fallback: String) throws -> Actor {
        guard let token, !token.isEmpty else { return Actor(name: fallback) }
        guard let user = try IdentityOperations(store: store).user(forToken: token) else {
            throw QueueError("CIBLAGE_TOKEN is unknown, expired or its user disabled", kind: .forbidden)
        }
        return Actor(user, address: "cli")
    }

    /// Chooses the dossiers of every channel and inserts them all or none (no duplicates on re-planning).
    /// - Parameter progress: told the bytes of the population read.
    public func plan(_ request: PlanRequest, progress: ProgressHandler? = nil) throws -> PlanResult {
        try request.validate()
        let campaign = try Campaign.load(path: request.campaign)
        let model = try campaign.loadModel(campaignFile: request.campaign, registry: store)
        if campaign.isOutreach { return try planOutreach(campaign, control: model, request) }
        // The store's insert comes before the scores file is committed: a refused plan leaves neither.
        var result = (inserted: 0, skipped: 0)
        let summary = try Planner.plan(campaign: campaign, model: model, population: request.population, format: request.format,
                                       threads: request.threads, scores: request.scores, progress: progress, record: { summary in
            result = try store.plan(campaign: campaign.name, modelChecksum: model.checksum ?? "", items: summary.items, by: request.actor)
        })
        if let output = request.output { try AtomicFile.write(Data(summary.csv().utf8), to: output) }
        if let signing = request.checkpoint { _ = try signCheckpoint(signing) }
        return PlanResult(campaign: campaign.name, inserted: result.inserted, skipped: result.skipped,
                          explored: summary.items.filter { $0.selection == "explore" }.count,
                          eligible: summary.eligible, population: summary.population, unit: model.spec?.unit)
    }

    /// An outreach campaign: the contacted households go to the queue, the held-out ones only to the
    /// plan file, which is the campaign's record of who was held out (its follow-up needs it).
    private func planOutreach(_ campaign: Campaign, control: ModelArtifact, _ request: PlanRequest) throws -> PlanResult {
        if request.scores != nil {
            throw RequestError("scores", "an outreach campaign ranks households with several models, not one score: drop {scores} and write the control model's scores with ciblage score")
        }
        guard let output = request.output else {
            throw RequestError("output", "an outreach campaign's held-out households are recorded only in the plan file: give {output}")
        }
        let models = try campaign.loadChannelModels(campaignFile: request.campaign, registry: store)
        let summary = try OutreachPlanner.plan(campaign: campaign, control: control, channelModels: models, population: request.population,
                                               format: request.format, threads: request.threads)
        try AtomicFile.write(Data(summary.plan.csv().utf8), to: output)
        let result = try store.plan(campaign: campaign.name, modelChecksum: control.checksum ?? "", items: summary.contacted, by: request.actor)
        if let signing = request.checkpoint { _ = try signCheckpoint(signing) }
        return PlanResult(campaign: campaign.name, inserted: result.inserted, skipped: result.skipped, explored: 0,
                          eligible: summary.plan.eligible, population: summary.plan.population, heldOut: summary.heldOut.count,
                          exclusions: summary.exclusions)
    }

    public func next(_ request: PullRequest, now: Date = Date()) throws -> QueueItem? {
        try request.validate()
        return try store.next(for: request.actor, channel: request.channel, sector: request.sector,
                              lease: Double(request.lease.components.seconds), now: now)
    }

    /// The items a person holds or has closed, in their sectors.
    public func items(of actor: Actor) throws -> [QueueItem] { try store.items(in: .heldBy(actor.name, sectors: actor.sectors)) }
    public func items(of controller: String) throws -> [QueueItem] { try items(of: Actor(name: controller)) }

    /// One item as its holder or their superviseur sees it; the view is in the audit log. Nil for
    /// anyone else, so that another's item and a missing one look the same (404).
    /// - Parameter recordingView: false when the page is shown again after a refused form (the view
    ///   was recorded when it was opened; a refusal changes nothing in the store).
    public func item(_ id: Int64, viewedBy actor: Actor, recordingView: Bool = true, now: Date = Date()) throws -> QueueItem? {
        guard let scope = ItemScope.viewable(by: actor) else { return nil }
        return try store.item(id, in: scope, viewedBy: recordingView ? actor : nil, now: now)
    }

    /// The items of a superviseur's sectors (open and closed), for the dashboard and reassignment.
    public func items(supervisedBy actor: Actor) throws -> [QueueItem] {
        guard actor.role == .superviseur || actor.role == nil else { throw QueueError("only a superviseur follows sectors", kind: .forbidden) }
        return try store.items(in: actor.role == nil ? .all : .sectors(actor.sectors ?? []))
    }

    public func close(_ request: CloseRequest, now: Date = Date()) throws {
        try store.close(item: request.item, by: request.actor, outcome: request.outcome, now: now)
    }

    public func release(item: Int64, by actor: Actor, now: Date = Date()) throws {
        try store.release(item: item, by: actor, now: now)
    }
    public func release(item: Int64, controller: String, now: Date = Date()) throws { try release(item: item, by: Actor(name: controller), now: now) }

    /// A superviseur gives an open item of their sectors to a controleur who covers its sector.
    public func reassign(item: Int64, to controller: String, by actor: Actor, lease: Duration = .seconds(240 * 60), now: Date = Date()) throws {
        guard actor.role == .superviseur || actor.role == nil else { throw QueueError("only a superviseur reassigns items", kind: .forbidden) }
        if try store.hasUsers() {
            guard let target = try store.user(named: controller), target.role == .controleur, !target.disabled else {
                throw QueueError("{controller} \(controller) is not an active controleur")
            }
            if let found = try store.item(item, in: actor.role == nil ? .all : .sectors(actor.sectors ?? []), viewedBy: nil, now: now),
               !target.sectors.contains(found.item.sector) {
                throw QueueError("{controller} \(controller) does not cover sector \(found.item.sector)")
            }
        }
        try store.reassign(item: item, to: controller, by: actor, lease: Double(lease.components.seconds), now: now)
    }

    /// - Parameter campaignFile: the campaign whose objective the progress is measured against.
    /// - Parameter sectors: only these sectors (a superviseur's); nil for all.
    public func progress(campaign: String?, campaignFile: String? = nil, sectors: [String]? = nil, now: Date = Date()) throws -> QueueProgress {
        let rows = try store.status(campaign: campaign, sectors: sectors, now: now)
        return QueueProgress(rows: rows, objective: try campaignFile.map { try Campaign.load(path: $0) }?.objective)
    }

    /// Writes the closed items as labelled rows (`OutcomeExport`), recorded in the audit log.
    /// - Returns: the number of rows written.
    @discardableResult
    public func exportOutcomes(_ request: OutcomeExportRequest, now: Date = Date()) throws -> Int {
        try request.validate()
        let items = try store.export(campaign: request.campaign, by: request.actor, now: now)
        try AtomicFile.write(Data(OutcomeExport.csv(items, definition: request.definition).utf8), to: request.output)
        return items.count
    }

    /// The same labelled rows as `exportOutcomes`, as text (the server's download), recorded in the audit log.
    public func outcomesCSV(campaign: String, definition: TargetDefinitionSpec = TargetDefinitionSpec(), actor: Actor, now: Date = Date()) throws -> String {
        OutcomeExport.csv(try store.export(campaign: campaign, by: actor, now: now), definition: definition)
    }

    /// Applies the retention rules (`RetentionPolicy`): old closed items deleted, old access entries
    /// redacted (the chain still verifies), stale sessions deleted; recorded in the audit log.
    public func purge(_ policy: RetentionPolicy = RetentionPolicy(), by actor: Actor, now: Date = Date()) throws -> PurgeSummary {
        try store.purge(policy, by: actor, now: now)
    }

    public func verifyAudit(_ request: AuditVerificationRequest = AuditVerificationRequest()) throws -> AuditVerification {
        try request.validate()
        guard let log = request.checkpoints, let keyPath = request.publicKey else { return try store.verifyAudit() }
        return try store.verifyAudit(against: try AuditCheckpointLog.read(path: log), trusting: try AuditPublicKey.load(path: keyPath))
    }

    /// Signs the head of the audit log and appends the checkpoint to the log (after each plan, and
    /// at least daily from a scheduler). Returns nil when the log is empty.
    @discardableResult
    public func signCheckpoint(_ signing: CheckpointSigning, now: Date = Date()) throws -> AuditCheckpoint? {
        let key = try AuditSigningKey.load(path: signing.key)
        guard let checkpoint = try AuditCheckpoint.sign(head: try store.auditEntries(), at: now, with: key) else { return nil }
        try AuditCheckpointLog.append(checkpoint, to: signing.log)
        return checkpoint
    }
}

/// Makes the key pair that signs audit checkpoints: `path` (private, mode 0600) and `path.pub`.
public func generateAuditKey(path: String) throws -> AuditPublicKey { try AuditSigningKey.generate(path: path) }
