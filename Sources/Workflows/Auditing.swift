import CiblageSupport
import Accountability
import ControlQueue
import Dossiers
import Evaluation
import Foundation
import Reporting
import LinearAlgebra
import RiskModel

/// How the audited selection is made: a rule on the scores, or the list of a plan.
public enum AuditSelection: Sendable, Equatable {
    case topK(Int)
    case topShare(Double)
    case threshold(Double)
    /// The dossiers listed in the `id` (or `dossier`) column of this CSV, as `queue plan --output` writes it.
    case listedIn(file: String)
}

/// Bias audit of a selection: rates by group and intersection with bootstrap intervals, small cells
/// suppressed, and counterfactual archetypes.
public struct AuditRequest: Sendable {
    public var model: String
    /// The store holding the model registry, when `model` names a registered version (`NAME@VERSION`).
    public var store: String?
    public var data: String
    public var columns: AuditColumns
    public var selection: AuditSelection
    public var minimumCell = 30
    public var bootstrap = 200
    public var seed: UInt64 = 1
    /// YAML list of counterfactual profiles.
    public var archetypes: String?
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public var json: String?
    public var html: String?
    public init(model: String, data: String, columns: AuditColumns, selection: AuditSelection) {
        self.model = model; self.data = data; self.columns = columns; self.selection = selection
    }

    public func validate() throws(RequestError) {
        guard minimumCell >= 1 else { throw RequestError("minimumCell", "{minimumCell} must be at least 1, got \(minimumCell)") }
        try RequestError.check(bootstrap, in: 0...100_000, "bootstrap")
        switch selection {
        case .topK(let k): guard k > 0 else { throw RequestError("topK", "{topK} must be positive, got \(k)") }
        case .topShare(let s): guard s > 0 && s <= 1 else { throw RequestError("topShare", "{topShare} must be in (0, 1], got \(s)") }
        case .threshold(let t): guard t >= 0 && t <= 1 else { throw RequestError("threshold", "{threshold} must be a probability in [0, 1], got \(t)") }
        case .listedIn: break
        }
    }
}

/// - Parameter progress: told the bytes read, then the bootstrap replicates done.
public func audit(_ request: AuditRequest, progress: ProgressHandler? = nil) throws -> AuditReport {
    try request.validate()
    let rule: SelectionRule
    switch request.selection {
    case .topK(let k): rule = .topK(k)
    case .topShare(let s): rule = .topShare(s)
    case .threshold(let t): rule = .threshold(t)
    case .listedIn(let file): rule = .listed(try identifiers(in: file, format: request.format), source: file)
    }
    let artifact = try loadModel(request.model, store: request.store).artifact
    let cases = try request.archetypes.map { (list: try Archetype.load(path: $0), file: $0) }
    var options = GroupAudit.Options(minimumCell: request.minimumCell, replicates: request.bootstrap, seed: request.seed, threads: request.threads)
    options.progress = progress
    let report = try AuditReport.run(model: artifact, modelPath: request.model, data: request.data, columns: request.columns, rule: rule,
                                     options: options,
                                     archetypes: cases, format: request.format)
    if let json = request.json { try AtomicFile.write(try report.json(), to: json) }
    if let html = request.html { try AtomicFile.write(Data(AuditHTML.render(report).utf8), to: html) }
    return report
}

/// The identifiers of a plan's CSV (column `id`, else `dossier`), without an outreach campaign's
/// held-out households (`selection` temoin): they were selected, then not contacted.
func identifiers(in path: String, format: CSVFormat) throws -> Set<String> {
    let reader = try CSVReader(path: path, format: format)
    guard let i = reader.header.firstIndex(of: "id") ?? reader.header.firstIndex(of: "dossier") else {
        throw DataError.unknownColumn(file: path, name: "id", available: reader.header)
    }
    let selection = reader.header.firstIndex(of: "selection")
    var ids = Set<String>()
    while try reader.next() {
        if let selection, try reader.string(selection).trimmingSpaces == "temoin" { continue }
        ids.insert(try reader.string(i).trimmingSpaces)
    }
    return ids
}

/// Write the model card (Markdown and HTML) with the public notice of CRPA L312-1-3.
public struct CardRequest: Sendable {
    public var model: String
    /// The store holding the model registry, when `model` names a registered version (`NAME@VERSION`).
    public var store: String?
    /// JSON of `evaluate`, and of `audit`.
    public var evaluation: String?
    public var audit: String?
    public var context = ModelCard.Context()
    public var markdown: String?
    public var html: String?
    public init(model: String) { self.model = model }

    public func validate() throws(RequestError) {
        guard markdown != nil || html != nil else { throw RequestError("markdown", "give {markdown}, {html}, or both") }
        if let r = context.reference {
            guard let reference = ModelReference(parsing: r), case .exact = reference.version else {
                throw RequestError("reference", "{reference} expects NAME@VERSION, the version the card is for, got '\(r)'")
            }
        }
        for (name, value) in [("validFrom", context.validFrom), ("validUntil", context.validUntil)] {
            if let value, value.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil {
                throw RequestError(name, "{\(name)} expects a date YYYY-MM-DD, got '\(value)'")
            }
        }
    }
}

public func writeCard(_ request: CardRequest) throws -> Document {
    try request.validate()
    let loaded = try loadModel(request.model, store: request.store)
    var context = request.context
    if let version = loaded.version {
        // A registered version's card names it and its validity as registered.
        context.reference = "\(version.reference)"
        context.validFrom = "\(version.validFrom)"
        context.validUntil = version.validUntil.map(\.description)
    }
    let card = ModelCard(model: loaded.artifact,
                         evaluation: try request.evaluation.map(EvaluationReport.load), audit: try request.audit.map(AuditReport.load),
                         context: context)
    let document = card.document
    if let markdown = request.markdown { try AtomicFile.write(Data(document.markdown.utf8), to: markdown) }
    if let html = request.html { try AtomicFile.write(Data(document.html.utf8), to: html) }
    return document
}

/// Drift of a model in service: population stability between two files, and outcomes of closed
/// random controls.
public struct MonitoringRequest: Sendable {
    public var model: String
    /// The store holding the model registry, when `model` names a registered version (`NAME@VERSION`).
    public var store: String?
    public var reference: String?
    public var current: String?
    /// Closed controls as `queue export` writes them.
    public var closed: String?
    public var seed: UInt64 = 1
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public var json: String?
    public init(model: String) { self.model = model }

    public func validate() throws(RequestError) {
        guard (reference == nil) == (current == nil) else { throw RequestError("reference", "{reference} and {current} go together") }
        guard reference != nil || closed != nil else {
            throw RequestError("closed", "give {reference} and {current} (PSI), {closed} (outcome drift), or both")
        }
    }
}

/// What `monitor` finds; its JSON is the monitoring record.
public struct MonitoringResult: Codable, Sendable {
    public var populationStability: [Drift.Item]?
    public var outcomes: OutcomeDrift.Report?
}

public func monitor(_ request: MonitoringRequest) throws -> MonitoringResult {
    try request.validate()
    let artifact = try loadModel(request.model, store: request.store).artifact
    var result = MonitoringResult()
    if let reference = request.reference, let current = request.current {
        result.populationStability = try Drift.monitor(model: artifact, reference: reference, current: current, format: request.format,
                                                      threads: request.threads)
    }
    if let closed = request.closed {
        result.outcomes = try OutcomeDrift.measure(model: artifact, closed: closed, seed: request.seed, format: request.format)
    }
    if let json = request.json {
        let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try e.encode(result), to: json)
    }
    return result
}
