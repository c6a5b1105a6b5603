import CiblageSupport
import Dossiers
import RiskModel
import Foundation
import Yams

/// A control channel: document checks (sur pièces) or visits by sworn controllers (sur place) for
/// overpayments; the verification of processing acts (datamining métier); an outreach contact
/// (datamining accès aux droits).
public enum ChannelKind: String, Codable, Sendable, CaseIterable {
    case surPieces = "sur_pieces"
    case surPlace = "sur_place"
    /// A verifier re-examines a processing act; its capacity and objective are volumes.
    case verification
    /// Outreach to a household that may not claim a right: the contact causes the outcome, so
    /// these campaigns keep a randomised holdout (see `OutreachPlanner`).
    case sms, courrier, appel, rdv

    public var isOutreach: Bool { [.sms, .courrier, .appel, .rdv].contains(self) }
}

public struct ChannelSpec: Codable, Equatable, Sendable {
    public var name: ChannelKind
    /// Controls per period for the whole CAF.
    public var capacity: Int
    /// Optional per-sector caps.
    public var sectorCapacity: [String: Int]?
    public var costPerControl: Double?
    /// Share of the true indu a control of this channel finds (visits find more than document checks).
    public var detectionFactor: Double?
    /// Outreach: the model of take-up among this channel's contacted households (relative to the
    /// campaign file, or NAME@VERSION); the campaign's `model` is then the held-out arm's.
    public var model: String?

    public init(name: ChannelKind, capacity: Int, sectorCapacity: [String: Int]? = nil, costPerControl: Double? = nil, detectionFactor: Double? = nil) {
        self.name = name; self.capacity = capacity; self.sectorCapacity = sectorCapacity
        self.costPerControl = costPerControl; self.detectionFactor = detectionFactor
    }
}

public struct Objective: Codable, Equatable, Sendable {
    public var volume: Int?
    public var euros: Double?
}

/// A cible: a population, a selection rule, channels with capacities, an objective.
public struct Campaign: Codable, Equatable, Sendable {
    public var name: String
    /// The model artifact, relative to the campaign file, or a registered version (`NAME@VERSION`, `NAME@in-force`).
    public var model: String
    public var period: String?
    public var channels: [ChannelSpec]
    public var objective: Objective?
    /// Minimum score to be eligible (besides the random share).
    public var threshold: Double?
    /// Share of each channel's capacity drawn at random among eligible dossiers (0…1).
    public var exploration: Double?
    /// Column with the months since the last control, and the cool-down in months.
    public var cooldownColumn: String?
    public var cooldownMonths: Int?
    /// Dossier ids never planned.
    public var exclusions: [String]?
    /// Population filter: only rows whose `column` value is in `values`.
    public var filter: [String: [String]]?
    /// Seed of the random share.
    public var seed: UInt64?
    /// Outreach: the share of the households each channel would contact that is drawn at random and
    /// not contacted, so that the effect of contacts can be measured (required for outreach).
    public var holdout: Double?
    /// Outreach: rank households by predicted uplift (the default) or by predicted take-up when contacted.
    public var ranking: OutreachRanking?
    /// Outreach: how often a household may be contacted.
    public var contactPressure: ContactPressure?

    /// A campaign built in code (the YAML file is the usual way; `load` validates it).
    public init(name: String, model: String, period: String? = nil, channels: [ChannelSpec], objective: Objective? = nil,
                threshold: Double? = nil, exploration: Double? = nil, cooldownColumn: String? = nil, cooldownMonths: Int? = nil,
                exclusions: [String]? = nil, filter: [String: [String]]? = nil, seed: UInt64? = nil) {
        self.name = name; self.model = model; self.period = period; self.channels = channels; self.objective = objective
        self.threshold = threshold; self.exploration = exploration; self.cooldownColumn = cooldownColumn
        self.cooldownMonths = cooldownMonths; self.exclusions = exclusions; self.filter = filter; self.seed = seed
    }

    public var explorationShare: Double { exploration ?? 0.1 }

    /// Reads and validates a campaign; errors name the key.
    public static func load(path: String) throws -> Campaign {
        let text: String
        do { text = try WholeFile.text(path) } catch {
            throw CampaignError(file: path, key: nil, problem: "cannot read the file: \(error.reason)")
        }
        let campaign: Campaign
        do { campaign = try YAMLDecoder().decode(Campaign.self, from: text) } catch {
            throw CampaignError(file: path, key: codingPath(error), problem: decodingProblem(error))
        }
        try campaign.validate(file: path)
        return campaign
    }

    /// The campaign's model: a file, relative to the campaign file, or `NAME@VERSION` /
    /// `NAME@in-force` in the registry of the store the campaign is planned into, on `day`. A
    /// missing, invalid or refused model is an error on the key `model`.
    public func loadModel(campaignFile: String, registry: (any ModelRegistryStore)? = nil, on day: CalendarDay = .today()) throws -> ModelArtifact {
        if let reference = ModelReference(parsing: model) {
            guard let registry else {
                throw CampaignError(file: campaignFile, key: "model", problem: "\(model) names a registered version, and no store holds a registry here")
            }
            do { return try registry.model(reference, on: day).1 } catch {
                throw CampaignError(file: campaignFile, key: "model", problem: "\(error)")
            }
        }
        let path = model.hasPrefix("/") ? model : URL(fileURLWithPath: campaignFile).deletingLastPathComponent().appendingPathComponent(model).path
        do { return try ModelArtifact.load(from: path) } catch {
            throw CampaignError(file: campaignFile, key: "model", problem: "\(error)")
        }
    }

    public func validate(file: String) throws {
        func fail(_ key: String, _ problem: String) -> CampaignError { CampaignError(file: file, key: key, problem: problem) }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw fail("name", "must not be empty") }
        if model.isEmpty { throw fail("model", "names no model file") }
        if channels.isEmpty { throw fail("channels", "at least one channel (sur_pieces, sur_place or verification) is needed") }
        var seen = Set<ChannelKind>()
        for (k, c) in channels.enumerated() {
            if !seen.insert(c.name).inserted { throw fail("channels[\(k)].name", "channel \(c.name.rawValue) is listed twice") }
            if c.capacity < 0 { throw fail("channels[\(k)].capacity", "must be ≥ 0, got \(c.capacity)") }
            for (sector, cap) in c.sectorCapacity ?? [:] where cap < 0 {
                throw fail("channels[\(k)].sectorCapacity.\(sector)", "must be ≥ 0, got \(cap)")
            }
            if let d = c.detectionFactor, !(d > 0 && d <= 1) { throw fail("channels[\(k)].detectionFactor", "must be in (0, 1], got \(d)") }
            if let cost = c.costPerControl, cost < 0 { throw fail("channels[\(k)].costPerControl", "must be ≥ 0") }
        }
        if let e = exploration, !(e >= 0 && e <= 1) { throw fail("exploration", "must be between 0 and 1, got \(e)") }
        if let t = threshold, !(t >= 0 && t <= 1) { throw fail("threshold", "must be between 0 and 1, got \(t)") }
        if let m = cooldownMonths, m < 0 { throw fail("cooldownMonths", "must be ≥ 0") }
        if cooldownMonths != nil && cooldownColumn == nil { throw fail("cooldownColumn", "is needed with cooldownMonths") }
        if let o = objective, o.volume == nil && o.euros == nil { throw fail("objective", "give volume or euros") }
        try validateOutreach(file: file)
    }

    static func codingPath(_ error: Error) -> String? {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case DecodingError.keyNotFound(let key, let ctx): return path(ctx.codingPath + [key])
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx), DecodingError.dataCorrupted(let ctx):
            return path(ctx.codingPath)
        default: return nil
        }
    }

    static func decodingProblem(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound: return "is missing"
        case DecodingError.typeMismatch: return "has the wrong type"
        case DecodingError.valueNotFound: return "has no value"
        case DecodingError.dataCorrupted(let ctx): return ctx.debugDescription
        default: return "not valid YAML: \(error)"
        }
    }
}

/// A problem in a campaign file, naming the key.
public struct CampaignError: ParameterNamingError, Equatable {
    public var file: String
    public var key: String?
    public var problem: String
    public init(file: String, key: String?, problem: String) { self.file = file; self.key = key; self.problem = problem }
    public var template: String { "\(file): campaign\(key.map { " key '\($0)'" } ?? ""): \(problem)" }
}
