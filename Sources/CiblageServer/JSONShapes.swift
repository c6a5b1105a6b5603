import ControlQueue
import Foundation
import Workflows

/// An item as the API shows it to its holder or their superviseur, and as `QueueClient` reads it back.
struct ItemJSON: Codable {
    var id: Int64
    var campaign: String
    var dossier: String
    var channel: String
    var sector: String
    var score: Double
    var expectedAmount: Double?
    var expectedValue: Double
    /// "ranked" (by expected value) or "random" (the exploration share).
    var selection: String
    var inclusionProbability: Double
    var reasons: [String]
    var state: String
    var controller: String?
    var leaseExpires: Date?
    var modelChecksum: String
    var outcome: Outcome?

    init(_ q: QueueItem) {
        id = q.id; campaign = q.campaign; dossier = q.item.dossier; channel = q.item.channel.rawValue; sector = q.item.sector
        score = q.item.score; expectedAmount = q.item.expectedAmount; expectedValue = q.item.expectedValue
        selection = q.item.selection == "explore" ? "random" : "ranked"
        inclusionProbability = q.item.inclusionProbability
        reasons = q.item.reasons.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        state = q.state.rawValue; controller = q.controller; leaseExpires = q.leaseExpires; modelChecksum = q.modelChecksum; outcome = q.outcome
    }

    /// The item again, from what the API sent.
    var queueItem: QueueItem {
        QueueItem(id: id, campaign: campaign, modelChecksum: modelChecksum,
                  item: PlannedItem(dossier: dossier, channel: ChannelKind(rawValue: channel) ?? .surPieces, sector: sector, score: score,
                                    expectedAmount: expectedAmount, expectedValue: expectedValue, selection: selection == "random" ? "explore" : "exploit",
                                    inclusionProbability: inclusionProbability, reasons: reasons.joined(separator: " | ")),
                  state: ItemState(rawValue: state) ?? .planned, controller: controller, leaseExpires: leaseExpires, outcome: outcome)
    }
}

struct StateJSON: Encodable {
    var id: Int64
    var state: String
    var controller: String?
}

struct SessionJSON: Encodable {
    var created: Date
    var lastSeen: Date
    var address: String?
    var current: Bool
    init(_ s: SessionRecord, current: Bool) { created = s.created; lastSeen = s.lastSeen; address = s.address; self.current = current }
}

struct UserJSON: Encodable {
    var name: String
    var role: String
    var sectors: [String]
    var disabled: Bool
    init(_ u: UserAccount) { name = u.name; role = u.role.rawValue; sectors = u.sectors; disabled = u.disabled }
}

/// A registered model version: its record and the checksums of its evidence (the artifact is not sent).
struct ModelVersionJSON: Encodable {
    var reference, name, version, state, modelChecksum, artifactSHA256, validFrom: String
    var validUntil, regime: String?
    var evidence: EvidenceChecksums
    var registeredBy: String
    var registeredAt: Date
    var approvedBy: String?
    var approvedAt: Date?
    var retiredBy: String?
    var retiredAt: Date?
    var retireReason: String?

    init(_ v: ModelVersion) {
        reference = v.reference.description; name = v.name; version = v.version; state = v.state.rawValue; modelChecksum = v.modelChecksum
        artifactSHA256 = v.artifactSHA256; validFrom = v.validFrom.description; validUntil = v.validUntil?.description; regime = v.regime
        evidence = v.evidence; registeredBy = v.registeredBy; registeredAt = v.registeredAt; approvedBy = v.approvedBy; approvedAt = v.approvedAt
        retiredBy = v.retiredBy; retiredAt = v.retiredAt; retireReason = v.retireReason
    }
}

struct AuditJSON: Encodable {
    var entries: Int
    var ok: Bool
    var firstBadEntry: Int64?
    var problem: String?
}

struct DashboardJSON: Encodable {
    struct Line: Encodable {
        var campaign, channel, sector: String
        var planned, assigned, closed, hits: Int
        var hitRate, eurosFound: Double
    }
    struct Total: Encodable {
        var campaign: String
        var closed: Int
        var eurosFound: Double
        var objectiveVolume: Int?
        var objectiveEuros: Double?
        var progressPercent: Double?
    }
    struct Population: Encodable { var closedAtRandom, hitsAtRandom: Int; var rate, low, high: Double }
    struct Work: Encodable { var controller: String; var assigned, closed, overrides: Int; var eurosFound: Double }
    struct Override: Encodable { var item: Int64; var campaign, sector, controller, reason: String }

    var lines: [Line]
    var campaigns: [Total]
    var population: Population?
    var workload: [Work]
    var overrides: [Override]

    init(_ d: Dashboard) {
        lines = d.lines.map { Line(campaign: $0.campaign, channel: $0.channel, sector: $0.sector, planned: $0.planned, assigned: $0.assigned,
                                   closed: $0.closed, hits: $0.hits, hitRate: $0.hitRate, eurosFound: $0.eurosFound) }
        campaigns = d.campaigns.map { Total(campaign: $0.campaign, closed: $0.closed, eurosFound: $0.eurosFound, objectiveVolume: $0.objective?.volume,
                                            objectiveEuros: $0.objective?.euros, progressPercent: $0.progressPercent) }
        population = d.population.map { Population(closedAtRandom: $0.closedAtRandom, hitsAtRandom: $0.hitsAtRandom, rate: $0.rate, low: $0.low, high: $0.high) }
        workload = d.workload.map { Work(controller: $0.controller, assigned: $0.assigned, closed: $0.closed, overrides: $0.overrides, eurosFound: $0.eurosFound) }
        overrides = d.overrides.map { Override(item: $0.item, campaign: $0.campaign, sector: $0.sector, controller: $0.controller, reason: $0.reason) }
    }
}
