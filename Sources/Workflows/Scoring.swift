import CiblageSupport
import Dossiers
import Foundation
import LinearAlgebra
import ControlQueue
import RiskModel

/// Score a CSV of dossiers with a model, streaming, into `id,score[,expected_amount,expected_value][,reasons]`.
public struct ScoringRequest: Sendable {
    public var model: String
    /// The store holding the model registry, when `model` names a registered version (`NAME@VERSION`).
    public var store: String?
    public var data: String
    public var output: String
    /// Identifier column copied to the output; nil: the spec's id column, else the model spec's, else `id`.
    public var idColumn: String?
    /// A feature spec of the scored file, whose id column is used.
    public var spec: String?
    /// Reason codes per dossier.
    public var reasons = 0
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public init(model: String, data: String, output: String) { self.model = model; self.data = data; self.output = output }

    public func validate() throws(RequestError) {
        try RequestError.check(reasons, in: 0...50, "reasons")
        try RequestError.checkDistinct([("data", data), ("output", output)])
    }
}

/// - Parameter progress: told the bytes read.
public func score(_ request: ScoringRequest, progress: ProgressHandler? = nil) throws -> ScoringSummary {
    try request.validate()
    let artifact = try loadModel(request.model, store: request.store).artifact
    var idColumn = request.idColumn
    if let spec = request.spec, idColumn == nil { idColumn = try FeatureSpec.load(path: spec).columns(.id).first?.name }
    var options = ScoringOptions(idColumn: idColumn, format: request.format, reasons: request.reasons)
    options.threads = request.threads
    options.progress = progress
    return try Scorer.score(model: artifact, input: request.data, output: request.output, options: options)
}

/// Show a verified model: the artifact itself, for the edge to lay out as a table or as JSON.
public struct InspectionResult: Sendable {
    public var model: ModelArtifact
    /// The statsmodels-like summary table.
    public var summary: String
    /// The artifact as written on disk (sorted keys).
    public var json: Data
}

/// - Parameter store: the registry's store, when `model` is `NAME@VERSION` (shown whatever its state).
public func inspect(model: String, store: String? = nil) throws -> InspectionResult {
    let artifact: ModelArtifact
    if let store, ModelReference(parsing: model) != nil {
        artifact = try ModelRegistryOperations(url: store).show(model).artifact
    } else {
        artifact = try loadModel(model, store: store).artifact
    }
    return InspectionResult(model: artifact, summary: ModelSummary.text(artifact), json: try artifact.encoded())
}

/// Export a model for other scoring engines as PMML 4.4.
public struct PMMLExportRequest: Sendable {
    public var model: String
    /// The store holding the model registry, when `model` names a registered version (`NAME@VERSION`).
    public var store: String?
    public var output: String
    public init(model: String, output: String) { self.model = model; self.output = output }
}

public func exportPMML(_ request: PMMLExportRequest) throws {
    let artifact = try loadModel(request.model, store: request.store).artifact
    try AtomicFile.write(Data(try PMMLExport.document(artifact).utf8), to: request.output)
}
