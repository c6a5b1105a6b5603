import Accountability
import CiblageSupport
import ControlQueue
import Dossiers
import Evaluation
import Foundation
import RiskModel

/// What a registration says of a version besides its content: its name, validity and regime.
public struct RegistrationTerms: Sendable {
    public var name: String
    public var version: String
    /// First and last day of validity, `YYYY-MM-DD`, both included.
    public var validFrom: String
    public var validUntil: String?
    /// The regime of data it was trained for, for routing by period (e.g. `avant-bascule`).
    public var regime: String?
    public init(name: String, version: String, validFrom: String, validUntil: String? = nil, regime: String? = nil) {
        self.name = name; self.version = version; self.validFrom = validFrom; self.validUntil = validUntil; self.regime = regime
    }

    /// The validity period, checked.
    func period() throws(RequestError) -> (from: CalendarDay, until: CalendarDay?) {
        guard let from = CalendarDay(validFrom) else { throw RequestError("validFrom", "{validFrom} expects a date YYYY-MM-DD, got '\(validFrom)'") }
        guard let validUntil else { return (from, nil) }
        guard let until = CalendarDay(validUntil) else { throw RequestError("validUntil", "{validUntil} expects a date YYYY-MM-DD, got '\(validUntil)'") }
        guard from <= until else { throw RequestError("validUntil", "{validUntil} \(until) is before {validFrom} \(from)") }
        return (from, until)
    }

    public func validate() throws(RequestError) {
        do { try ModelReference.validate(name: name, version: version) } catch let e as QueueError {
            throw RequestError(e.template.contains("{name}") ? "name" : "version", e.template)
        } catch { throw RequestError("name", "\(error)") }
        if let regime, ModelReference(parsing: "x@\(regime)") == nil {
            throw RequestError("regime", "{regime} must be 1 to 64 letters, digits, '.', '-' or '_', got \(regime.debugDescription)")
        }
        _ = try period()
    }
}

/// Register a trained model as a version of a named model, with the evidence it was judged on, from files.
public struct RegisterModelRequest: Sendable {
    public var terms: RegistrationTerms
    /// The model file (`train`'s output).
    public var model: String
    /// `evaluate --json` on the labelled random stratum, `audit --json`, and `card --markdown`, all of this model.
    public var evaluation: String
    public var audit: String
    public var card: String

    public init(model: String, terms: RegistrationTerms, evaluation: String, audit: String, card: String) {
        self.model = model; self.terms = terms; self.evaluation = evaluation; self.audit = audit; self.card = card
    }

    public func validate() throws(RequestError) { try terms.validate() }
}

/// The same, as bytes: what the server receives in a request body.
public struct ModelSubmission: Sendable {
    public var terms: RegistrationTerms
    public var artifact: Data
    public var evidence: ModelEvidence
    /// How messages name each piece (file paths, or the body's fields), by parameter.
    public var sources: [String: String]
    public init(terms: RegistrationTerms, artifact: Data, evidence: ModelEvidence, sources: [String: String] = [:]) {
        self.terms = terms; self.artifact = artifact; self.evidence = evidence; self.sources = sources
    }
    func source(_ parameter: String) -> String { sources[parameter] ?? "the uploaded \(parameter)" }
}

/// A model as a workflow scores with it: the artifact, and the registered version it was loaded as.
public struct LoadedModel: Sendable {
    public var artifact: ModelArtifact
    /// nil: read from a file, outside the registry.
    public var version: ModelVersion?

    /// The statsmodels-like coefficient table.
    public var summary: String { ModelSummary.text(artifact) }

    /// How documents given to people name the model: the registered version and its validity, or
    /// for a file the model's checksum. Never a path: it says nothing to the person and tells about
    /// the machine that produced the document.
    public var designation: String {
        guard let v = version else { return "modèle non enregistré, empreinte \(artifact.checksum ?? "inconnue")" }
        return "\(v.reference), valide du \(v.validFrom) " + (v.validUntil.map { "au \($0)" } ?? "jusqu'à son retrait")
    }
}

/// The registry's operations, on one store. Registration, approval and retirement are a
/// datascientist's (four eyes for approval); reading is anyone's who can open the store.
public struct ModelRegistryOperations: Sendable {
    public let store: any QueueStore
    public init(store: any QueueStore) { self.store = store }
    public init(url: String) throws { store = try QueueStoreLocation(url).open() }

    /// Reads the files, then registers them as `register(_ submission:)` does.
    public func register(_ request: RegisterModelRequest, by actor: Actor, now: Date = Date()) throws -> ModelVersion {
        try request.validate()
        try ModelVersion.requireDatascientist(actor, to: "register a model version")
        let artifact: Data
        do { artifact = Data(try WholeFile.bytes(request.model)) } catch { throw ArtifactError.unreadable(file: request.model, reason: error.reason) }
        let evidence = ModelEvidence(evaluation: try Self.read(request.evaluation, "evaluation"), audit: try Self.read(request.audit, "audit"),
                                     card: try Self.read(request.card, "card"))
        let sources = ["model": request.model, "evaluation": request.evaluation, "audit": request.audit, "card": request.card]
        return try register(ModelSubmission(terms: request.terms, artifact: artifact, evidence: evidence, sources: sources), by: actor, now: now)
    }

    /// Checks the model and its evidence belong together, then stores all of it as one new version.
    ///
    /// The evidence must be of this very model (its checksum): an evaluation on labelled
    /// random-stratum data (weighted by its inclusion probabilities: the only unbiased measure of a
    /// targeting model), an audit, and the card that names this version.
    public func register(_ submission: ModelSubmission, by actor: Actor, now: Date = Date()) throws -> ModelVersion {
        let terms = submission.terms
        try terms.validate()
        try ModelVersion.requireDatascientist(actor, to: "register a model version")
        let (from, until) = try terms.period()
        let artifact = try ModelArtifact.decode(submission.artifact, source: submission.source("model"))
        let checksum = artifact.checksum ?? ""
        let evaluationSource = submission.source("evaluation"), auditSource = submission.source("audit"), cardSource = submission.source("card")
        let evaluation = try EvaluationReport.decode(submission.evidence.evaluation, source: evaluationSource)
        guard evaluation.modelChecksum == checksum else {
            throw RequestError("evaluation", "{evaluation} \(evaluationSource) is of another model (\(evaluation.modelChecksum ?? "no checksum recorded")), not of \(checksum): evaluate this model with 'ciblage evaluate --json'")
        }
        guard evaluation.inclusion != nil else {
            throw RequestError("evaluation", "{evaluation} \(evaluationSource) was not weighted by inclusion probabilities: registration needs an evaluation on the labelled random stratum, with its π column (evaluate --inclusion)")
        }
        let audit = try AuditReport.decode(submission.evidence.audit, source: auditSource)
        guard audit.modelChecksum == checksum else {
            throw RequestError("audit", "{audit} \(auditSource) is of another model (\(audit.modelChecksum ?? "no checksum recorded")), not of \(checksum): audit this model with 'ciblage audit --json'")
        }
        let reference = ModelReference(name: terms.name, version: .exact(terms.version))
        let card = String(decoding: submission.evidence.card, as: UTF8.self)
        guard card.contains(checksum), card.contains("`\(reference)`") else {
            throw RequestError("card", "{card} \(cardSource) does not name this model and version (\(reference), \(checksum)): write it with 'ciblage card --model … --reference \(reference) --markdown …'")
        }
        let version = ModelVersion(name: terms.name, version: terms.version, modelChecksum: checksum, artifactSHA256: EvidenceChecksums.sha256(submission.artifact),
                                   validFrom: from, validUntil: until, regime: terms.regime, evidence: submission.evidence.checksums,
                                   registeredBy: actor.name, registeredAt: now)
        try store.registerModel(version, artifact: submission.artifact, evidence: submission.evidence, by: actor, now: now)
        return version
    }

    /// Four eyes: a second datascientist puts the version into service.
    public func approve(_ reference: String, by actor: Actor, now: Date = Date()) throws -> ModelVersion {
        let (name, version) = try Self.exact(reference)
        return try store.changeModel(name: name, version: version, action: "model-approve", by: actor, now: now) { try $0.approved(by: actor, at: now) }
    }

    public func retire(_ reference: String, reason: String, by actor: Actor, now: Date = Date()) throws -> ModelVersion {
        let (name, version) = try Self.exact(reference)
        return try store.changeModel(name: name, version: version, action: "model-retire", by: actor, now: now) {
            try $0.retired(by: actor, reason: reason, at: now)
        }
    }

    public func versions(named name: String? = nil) throws -> [ModelVersion] { try store.modelVersions(named: name) }

    /// Who acts in a CLI command (see `IdentityOperations.actor`): on a store with users, the user of the token.
    public func actor(token: String?, fallback: String) throws -> Actor {
        try IdentityOperations(store: store).actor(token: token, fallback: fallback)
    }

    /// One version whatever its state, with its artifact checked against the registered checksum.
    public func show(_ reference: String) throws -> LoadedModel {
        let (name, version) = try Self.exact(reference)
        guard let found = try store.modelVersions(named: name).first(where: { $0.version == version }) else {
            throw QueueError("no model \(reference) in the registry", kind: .notFound)
        }
        return LoadedModel(artifact: try artifact(of: found), version: found)
    }

    /// The version a reference names on `day`, refused unless approved, unretired and valid that day.
    public func load(_ reference: ModelReference, on day: CalendarDay = .today()) throws -> LoadedModel {
        let (version, artifact) = try store.model(reference, on: day)
        return LoadedModel(artifact: artifact, version: version)
    }

    func artifact(of version: ModelVersion) throws -> ModelArtifact { try store.verifiedArtifact(of: version) }

    static func exact(_ text: String) throws(RequestError) -> (name: String, version: String) {
        guard let reference = ModelReference(parsing: text), case .exact(let version) = reference.version else {
            throw RequestError("reference", "{reference} expects NAME@VERSION (an exact version), got '\(text)'")
        }
        return (reference.name, version)
    }

    static func read(_ path: String, _ parameter: String) throws -> Data {
        do { return Data(try WholeFile.bytes(path)) } catch {
            throw RequestError(parameter, "{\(parameter)} \(path): cannot read the file: \(error.reason)")
        }
    }
}

/// Reads the model a request names: a file, or `NAME@VERSION` / `NAME@in-force` in the registry of
/// `store` (the reference needs a store; a file whose name looks like a reference is written `./name@1`).
public func loadModel(_ model: String, store: String?, on day: CalendarDay = .today()) throws -> LoadedModel {
    guard let reference = ModelReference(parsing: model) else { return LoadedModel(artifact: try ModelArtifact.load(from: model), version: nil) }
    guard let store else {
        throw RequestError("store", "{model} \(model) names a registered version: give the {store} that holds the registry (a file named so is written ./\(model))")
    }
    return try ModelRegistryOperations(url: store).load(reference, on: day)
}

/// Score a file with the two models of a routing rule, each on its part of every dossier's window.
public struct RoutedScoringRequest: Sendable {
    /// The routing rule (YAML); model files it names are relative to it.
    public var rule: String
    public var data: String
    public var output: String
    /// The store whose registry holds the rule's `NAME@VERSION` models.
    public var store: String?
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public init(rule: String, data: String, output: String) { self.rule = rule; self.data = data; self.output = output }
}

public struct RoutedScoringResult: Sendable {
    public var rule: RoutingRule
    public var before: LoadedModel
    public var after: LoadedModel
    public var summary: RoutedScoringSummary
}

public func scoreRouted(_ request: RoutedScoringRequest) throws -> RoutedScoringResult {
    let rule = try RoutingRule.load(path: request.rule)
    func model(_ text: String, _ key: String) throws -> LoadedModel {
        let resolved = ModelReference(parsing: text) != nil || text.hasPrefix("/") ? text
            : URL(fileURLWithPath: request.rule).deletingLastPathComponent().appendingPathComponent(text).path
        do { return try loadModel(resolved, store: request.store) } catch let e as RequestError { throw e } catch {
            throw RoutingError(file: request.rule, key: key, problem: "\(error)")
        }
    }
    let before = try model(rule.before, "before"), after = try model(rule.after, "after")
    let summary = try RoutedScoring.score(rule: rule, before: before.artifact, after: after.artifact, input: request.data, output: request.output,
                                          format: request.format, threads: request.threads)
    return RoutedScoringResult(rule: rule, before: before, after: after, summary: summary)
}

/// Write the deployer's evidence of a registered version (AI Act Art. 27, 49 and 72), in French,
/// Markdown and HTML, beside the card.
public struct DeployerEvidenceRequest: Sendable {
    /// `NAME@VERSION`.
    public var reference: String
    public var outputDirectory: String
    public var organisation = "Caisse d'allocations familiales"
    /// Campaign files that plan with this version (their channels and random share are described).
    public var campaigns: [String] = []
    /// `monitor --json` of the month.
    public var monitoring: String?
    /// The month of the monitoring report, `YYYY-MM` (default: the current month).
    public var month: String?
    public init(reference: String, outputDirectory: String) { self.reference = reference; self.outputDirectory = outputDirectory }

    public func validate() throws(RequestError) {
        if let month, TargetBuilder.parseMonth(month) == nil || month.count != 7 { throw RequestError("month", "{month} expects YYYY-MM, got '\(month)'") }
    }
}

extension ModelRegistryOperations {
    /// - Returns: the files written.
    public func writeDeployerEvidence(_ request: DeployerEvidenceRequest, now: Date = Date()) throws -> [String] {
        try request.validate()
        let loaded = try show(request.reference)
        let v = loaded.version!
        guard let evidence = try store.modelEvidence(name: v.name, version: v.version) else { throw QueueError("model \(v.reference) has no stored evidence", kind: .notFound) }
        let evaluation = try EvaluationReport.decode(evidence.evaluation, source: "\(v.reference) (evaluation)")
        let audit = try AuditReport.decode(evidence.audit, source: "\(v.reference) (audit)")
        var campaigns: [DeployerFacts.Campaign] = []
        for file in request.campaigns {
            let campaign = try Campaign.load(path: file)
            // A campaign names this version, its name in force, or a file of the same model (a
            // retired version keeps its documents: nothing is resolved against today's validity).
            let names: Bool
            if let r = ModelReference(parsing: campaign.model) {
                names = r.name == v.name && (r.version == .inForce || r.version == .exact(v.version))
            } else {
                names = try campaign.loadModel(campaignFile: file).checksum == v.modelChecksum
            }
            guard names else { throw RequestError("campaign", "{campaign} \(file) plans with \(campaign.model), not with \(v.reference)") }
            campaigns.append(.init(name: campaign.name, period: campaign.period, channels: campaign.channels.map { ($0.name.rawValue, $0.capacity) },
                                   exploration: campaign.explorationShare))
        }
        var outcomes: [String: DeployerFacts.ChannelOutcome] = [:]
        for item in try store.items(in: .all) where item.modelChecksum == v.modelChecksum {
            let key = "\(item.campaign)\u{0}\(item.item.channel.rawValue)"
            var o = outcomes[key] ?? DeployerFacts.ChannelOutcome(campaign: item.campaign, channel: item.item.channel.rawValue)
            o.planned += 1
            if let outcome = item.outcome {
                let hit = outcome.indu > 0
                o.closed += 1; o.euros += outcome.indu
                if hit { o.hits += 1 }
                if outcome.judgement == .override { o.overrides += 1 }
                if item.item.selection == "explore" {
                    o.randomClosed += 1
                    if hit { o.randomHits += 1 }
                    o.randomWeight += 1 / item.item.inclusionProbability
                    if hit { o.randomWeightedHits += 1 / item.item.inclusionProbability }
                }
            }
            outcomes[key] = o
        }
        var monitoring: MonitoringResult?
        if let path = request.monitoring {
            let data: Data
            do { data = Data(try WholeFile.bytes(path)) } catch { throw RequestError("monitoring", "{monitoring} \(path): cannot read the file: \(error.reason)") }
            do { monitoring = try JSONDecoder().decode(MonitoringResult.self, from: data) } catch {
                throw RequestError("monitoring", "{monitoring} \(path) is not the JSON of 'ciblage monitor --json' (\(error))")
            }
        }
        let today = CalendarDay.today(at: now)
        let month = request.month ?? String(today.description.prefix(7))
        let facts = DeployerFacts(
            version: .init(reference: v.reference.description, validFrom: v.validFrom.description, validUntil: v.validUntil?.description, regime: v.regime,
                           modelChecksum: v.modelChecksum, registeredBy: v.registeredBy, registeredAt: v.registeredAt, approvedBy: v.approvedBy,
                           approvedAt: v.approvedAt, retiredBy: v.retiredBy, retireReason: v.retireReason,
                           evidence: ["évaluation": v.evidence.evaluation, "audit": v.evidence.audit, "fiche": v.evidence.card]),
            model: loaded.artifact, evaluation: evaluation, audit: audit, organisation: request.organisation, campaigns: campaigns,
            outcomes: outcomes.values.sorted { ($0.campaign, $0.channel) < ($1.campaign, $1.channel) },
            stability: monitoring?.populationStability, outcomeDrift: monitoring?.outcomes, month: month, generatedAt: now)
        var written: [String] = []
        let base = URL(fileURLWithPath: request.outputDirectory).appendingPathComponent(v.reference.description).path
        for (suffix, document) in [("art27-analyse-impact", DeployerEvidence.impactAssessment(facts)), ("art49-enregistrement", DeployerEvidence.registration(facts)),
                                   ("art72-surveillance-\(month)", DeployerEvidence.monitoringReport(facts))] {
            for (ext, text) in [("md", document.markdown), ("html", document.html)] {
                let path = "\(base)-\(suffix).\(ext)"
                try AtomicFile.write(Data(text.utf8), to: path)
                written.append(path)
            }
        }
        return written
    }
}
