import CiblageSupport
import Crypto
import Foundation
import RiskModel

/// Where a registered model version is in its life.
///
/// registered → approved → retired, and registered → retired (withdrawn before service). Only an
/// approved version scores; nothing of a version's content changes after registration (the stores'
/// triggers refuse it): a correction is a new version.
public enum ModelState: String, Codable, Sendable, CaseIterable {
    /// Stored with its evidence, waiting for a second datascientist's approval.
    case registered
    /// Put into service by a datascientist other than the one who registered it.
    case approved
    /// Taken out of service, with a reason; kept, so that what it scored stays explained.
    case retired
}

/// `NAME@VERSION`, or `NAME@in-force`: the version approved, not retired and valid on the day.
public struct ModelReference: Hashable, Sendable, CustomStringConvertible {
    public enum Version: Hashable, Sendable {
        case exact(String)
        case inForce
    }
    public var name: String
    public var version: Version

    public static let inForceWord = "in-force"

    public init(name: String, version: Version) { self.name = name; self.version = version }

    /// Parses `NAME@VERSION`; nil for anything else (a file path, say). Names and versions are
    /// letters, digits and `._-`, so a reference can never be mistaken for a path with a `/`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isName(String(parts[0])), Self.isName(String(parts[1])) else { return nil }
        name = String(parts[0])
        version = parts[1] == Self.inForceWord ? .inForce : .exact(String(parts[1]))
    }

    public var description: String {
        switch version {
        case .exact(let v): "\(name)@\(v)"
        case .inForce: "\(name)@\(Self.inForceWord)"
        }
    }

    static func isName(_ s: String) -> Bool {
        (1...64).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// The rule of a name or a version at registration.
    public static func validate(name: String, version: String) throws {
        guard isName(name) else { throw QueueError("{name} must be 1 to 64 letters, digits, '.', '-' or '_', got \(name.debugDescription)") }
        guard isName(version) else { throw QueueError("{version} must be 1 to 64 letters, digits, '.', '-' or '_', got \(version.debugDescription)") }
        guard version != inForceWord else { throw QueueError("{version} '\(inForceWord)' is reserved: it names whichever version is in force") }
    }
}

/// The documents a version was registered with, as given: the evaluation (JSON of `evaluate`, on
/// the labelled random stratum), the bias audit (JSON of `audit`) and the model card (Markdown).
/// They are kept with the version: the deployer's evidence (AI Act Art. 26, 27 and 72) is made from them.
public struct ModelEvidence: Equatable, Sendable {
    public var evaluation: Data
    public var audit: Data
    public var card: Data
    public init(evaluation: Data, audit: Data, card: Data) { self.evaluation = evaluation; self.audit = audit; self.card = card }

    public var checksums: EvidenceChecksums {
        EvidenceChecksums(evaluation: EvidenceChecksums.sha256(evaluation), audit: EvidenceChecksums.sha256(audit), card: EvidenceChecksums.sha256(card))
    }
}

/// The SHA-256 of each piece of evidence, stored with the version and shown by `model show`.
public struct EvidenceChecksums: Codable, Equatable, Sendable {
    public var evaluation: String
    public var audit: String
    public var card: String
    public init(evaluation: String, audit: String, card: String) { self.evaluation = evaluation; self.audit = audit; self.card = card }

    /// Hex SHA-256, as every checksum of the registry is written.
    public static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

/// A model version as the registry knows it (its artifact and evidence are fetched apart: they are large).
public struct ModelVersion: Codable, Equatable, Sendable {
    public var name: String
    public var version: String
    /// The artifact's own checksum (`sha256:…` over its content), as campaigns and queue items record it.
    public var modelChecksum: String
    /// SHA-256 of the stored bytes, checked on every load.
    public var artifactSHA256: String
    /// First and last day of validity, both included; no last day: valid until retired.
    public var validFrom: CalendarDay
    public var validUntil: CalendarDay?
    /// The regime of data the version was trained for (e.g. `avant-bascule`, `apres-bascule`), for routing.
    public var regime: String?
    public var evidence: EvidenceChecksums
    public var registeredBy: String
    public var registeredAt: Date
    public var approvedBy: String?
    public var approvedAt: Date?
    public var retiredBy: String?
    public var retiredAt: Date?
    public var retireReason: String?

    public init(name: String, version: String, modelChecksum: String, artifactSHA256: String, validFrom: CalendarDay, validUntil: CalendarDay?,
                regime: String?, evidence: EvidenceChecksums, registeredBy: String, registeredAt: Date) {
        self.name = name; self.version = version; self.modelChecksum = modelChecksum; self.artifactSHA256 = artifactSHA256
        self.validFrom = validFrom; self.validUntil = validUntil; self.regime = regime; self.evidence = evidence
        self.registeredBy = registeredBy; self.registeredAt = registeredAt
    }

    public var reference: ModelReference { ModelReference(name: name, version: .exact(version)) }

    public var state: ModelState { retiredBy != nil ? .retired : approvedBy != nil ? .approved : .registered }

    /// "du 2026-01-01 au 2026-12-31", or "from … with no end".
    public var validity: String { "from \(validFrom) " + (validUntil.map { "to \($0)" } ?? "with no last day") }

    public func isValid(on day: CalendarDay) -> Bool { validFrom <= day && validUntil.map { day <= $0 } ?? true }

    /// Why this version may not score on `day`, in words that name it and its state; nil if it may.
    public func refusal(on day: CalendarDay) -> String? {
        switch state {
        case .registered:
            return "model \(reference) is registered but not approved: a datascientist other than \(registeredBy) must run 'ciblage model approve \(reference)'"
        case .retired:
            return "model \(reference) is retired (by \(retiredBy ?? "?"): \(retireReason ?? "")); use the version in force"
        case .approved:
            if day < validFrom { return "model \(reference) is approved but not yet valid on \(day): it is valid \(validity)" }
            if let until = validUntil, until < day { return "model \(reference) expired: it was valid \(validity), and today is \(day)" }
            return nil
        }
    }

    // MARK: The rules of the two state changes (the stores apply them inside their transaction)

    /// Four eyes: a datascientist approves a registered version they did not register.
    public func approved(by actor: Actor, at now: Date) throws -> ModelVersion {
        try Self.requireDatascientist(actor, to: "approve a model version")
        guard state == .registered else { throw QueueError("model \(reference) is \(state.rawValue), not awaiting approval; nothing changed", kind: .conflict) }
        guard actor.name != registeredBy else {
            throw QueueError("model \(reference) was registered by \(actor.name): approval needs a second datascientist (four eyes); nothing changed", kind: .forbidden)
        }
        var v = self
        v.approvedBy = actor.name; v.approvedAt = now
        return v
    }

    /// Takes a version out of service (approved or not yet), with the reason recorded.
    public func retired(by actor: Actor, reason: String, at now: Date) throws -> ModelVersion {
        try Self.requireDatascientist(actor, to: "retire a model version")
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw QueueError("retiring \(reference) needs a {reason}: it is what the register keeps of why") }
        guard state != .retired else { throw QueueError("model \(reference) is already retired; nothing changed", kind: .conflict) }
        var v = self
        v.retiredBy = actor.name; v.retiredAt = now; v.retireReason = reason
        return v
    }

    /// Registration, approval and retirement are a datascientist's, authenticated: a store without
    /// users has no one to hold the four eyes.
    public static func requireDatascientist(_ actor: Actor, to what: String) throws {
        guard actor.role == .datascientist else {
            if actor.role == nil {
                throw QueueError("to \(what) the store needs datascientist accounts (four eyes): add two with 'ciblage users add NAME --role datascientist' and act with CIBLAGE_TOKEN", kind: .forbidden)
            }
            throw QueueError("a \(actor.role!.rawValue) cannot \(what): it is a datascientist's", kind: .forbidden)
        }
    }

    /// What the audit log records of an approval or a retirement (the state it reached says which).
    public var changeDetails: String {
        switch state {
        case .retired: "model=\(reference) checksum=\(modelChecksum) reason=\(retireReason ?? "")"
        case .approved, .registered: "model=\(reference) checksum=\(modelChecksum) registered-by=\(registeredBy)"
        }
    }

    /// What the audit log records of a registration.
    public var registrationDetails: String {
        "model=\(reference) checksum=\(modelChecksum) artifact=\(artifactSHA256) valid=\(validFrom)..\(validUntil.map(\.description) ?? "") "
            + "regime=\(regime ?? "") evaluation=\(evidence.evaluation) audit=\(evidence.audit) card=\(evidence.card)"
    }
}

/// The registry's rules over the stored versions: which version a reference names on a day, and
/// the check of the bytes that come back from the store.
public enum ModelRegistry {
    /// The version `reference` names on `day`, or the refusal naming it and its state.
    ///
    /// `NAME@in-force` is the approved, unretired version of that name valid on the day. Two such
    /// versions are refused as ambiguous rather than one picked by a rule the user did not see: when
    /// two models run at once (the DMDE 2026 regimes), they are named apart or routed by period.
    public static func resolve(_ reference: ModelReference, among versions: [ModelVersion], on day: CalendarDay) throws -> ModelVersion {
        let named = versions.filter { $0.name == reference.name }
        guard !named.isEmpty else { throw QueueError("no model named \(reference.name) in the registry ('ciblage model list' shows what is)", kind: .notFound) }
        switch reference.version {
        case .exact(let v):
            guard let found = named.first(where: { $0.version == v }) else {
                throw QueueError("no version \(v) of model \(reference.name); versions: \(named.map(\.version).joined(separator: ", "))", kind: .notFound)
            }
            if let refusal = found.refusal(on: day) { throw QueueError(refusal, kind: .conflict) }
            return found
        case .inForce:
            let inForce = named.filter { $0.refusal(on: day) == nil }
            if inForce.count == 1 { return inForce[0] }
            if inForce.isEmpty {
                let states = named.map { "\($0.version) (\($0.state.rawValue), \($0.validity))" }.joined(separator: "; ")
                throw QueueError("no version of model \(reference.name) is in force on \(day): \(states)", kind: .conflict)
            }
            throw QueueError("\(inForce.count) versions of model \(reference.name) are in force on \(day) (\(inForce.map(\.version).joined(separator: ", "))): name one, or route by period", kind: .conflict)
        }
    }

    /// The stored bytes if they still hash to what was registered; otherwise the refusal.
    public static func verified(_ bytes: Data, of version: ModelVersion) throws -> Data {
        let digest = EvidenceChecksums.sha256(bytes)
        guard digest == version.artifactSHA256 else {
            throw QueueError("model \(version.reference): the stored artifact does not match its checksum (registered \(version.artifactSHA256.prefix(16))…, stored \(digest.prefix(16))…): it was changed in the store after registration; do not score with it, restore the store and look at the audit log", kind: .conflict)
        }
        return bytes
    }
}

/// The registry's side of a store. Every change is one transaction with its audit entry.
public protocol ModelRegistryStore: Sendable {
    /// Stores a new version with its artifact and evidence; a name and version already there is refused.
    func registerModel(_ version: ModelVersion, artifact: Data, evidence: ModelEvidence, by actor: Actor, now: Date) throws
    /// Versions, by name then registration order; `name` nil: all.
    func modelVersions(named name: String?) throws -> [ModelVersion]
    /// The stored bytes of the artifact, unverified (`ModelRegistry.verified` checks them).
    func modelArtifact(name: String, version: String) throws -> Data?
    func modelEvidence(name: String, version: String) throws -> ModelEvidence?
    /// Reads the version locked, applies `change` (a rule of `ModelVersion` that throws its refusal),
    /// writes its approval and retirement fields and appends `action` to the audit log: all or nothing.
    func changeModel(name: String, version: String, action: String, by actor: Actor, now: Date,
                     _ change: @escaping @Sendable (ModelVersion) throws -> ModelVersion) throws -> ModelVersion
}

extension ModelRegistryStore {
    /// The stored bytes, checked against the registration's SHA-256, then decoded and checked again
    /// against the artifact's own checksum: what every load of a registered version goes through.
    public func verifiedArtifact(of version: ModelVersion) throws -> ModelArtifact {
        guard let stored = try modelArtifact(name: version.name, version: version.version) else {
            throw QueueError("model \(version.reference) has no stored artifact", kind: .notFound)
        }
        let artifact = try ModelArtifact.decode(try ModelRegistry.verified(stored, of: version), source: "\(version.reference)")
        guard artifact.checksum == version.modelChecksum else {
            throw QueueError("model \(version.reference): the stored artifact's checksum \(artifact.checksum ?? "") is not the registered \(version.modelChecksum)", kind: .conflict)
        }
        return artifact
    }

    /// The version a reference names on `day` and its verified artifact, or the refusal.
    public func model(_ reference: ModelReference, on day: CalendarDay) throws -> (ModelVersion, ModelArtifact) {
        let version = try ModelRegistry.resolve(reference, among: try modelVersions(named: reference.name), on: day)
        return (version, try verifiedArtifact(of: version))
    }
}
