import CiblageSupport
import Accountability
import Dossiers
import Evaluation
import Foundation
import LinearAlgebra
import RiskModel

/// Measure a model on labelled dossiers, with bootstrap intervals, optional cross-validation of its
/// specification, and the JSON and HTML reports.
public struct EvaluationRequest: Sendable {
    public var model: String
    /// The store holding the model registry, when `model` names a registered version (`NAME@VERSION`).
    public var store: String?
    public var data: String
    /// Default: the model's target.
    public var target: String?
    public var weight: String?
    /// Default: the spec's amount column, if the file has it.
    public var amount: String?
    /// Inclusion probabilities (rows weighted 1/π); default: the spec's inclusion column, if present.
    public var inclusion: String?
    public var topK: [Int] = [100, 500, 1000]
    public var bootstrap = 200
    public var seed: UInt64 = 1
    /// Stratified folds for cross-validating the model's specification on this data.
    public var crossValidationFolds: Int?
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public var json: String?
    public var html: String?
    public init(model: String, data: String) { self.model = model; self.data = data }

    public func validate() throws(RequestError) {
        try RequestError.check(bootstrap, in: 0...100_000, "bootstrap")
        guard !topK.isEmpty, topK.allSatisfy({ $0 > 0 }) else { throw RequestError("topK", "{topK} takes positive whole numbers") }
        if let k = crossValidationFolds { try RequestError.check(k, in: 2...100, "crossValidationFolds") }
    }
}

/// - Parameter progress: told the bytes read, then the bootstrap replicates done.
public func evaluate(_ request: EvaluationRequest, progress: ProgressHandler? = nil) throws -> EvaluationReport {
    try request.validate()
    let artifact = try loadModel(request.model, store: request.store).artifact
    let sample = try EvaluationData.read(model: artifact, path: request.data, target: request.target, weight: request.weight,
                                         amount: request.amount, inclusion: request.inclusion, format: request.format,
                                         threads: request.threads, progress: progress)
    var report = EvaluationReport.make(model: artifact, modelPath: request.model, dataPath: request.data, sample: sample, topK: request.topK,
                                       bootstrap: request.bootstrap, seed: request.seed, threads: request.threads, progress: progress)
    if let folds = request.crossValidationFolds {
        if DesignCache.isCache(request.data) {
            throw RequestError("crossValidationFolds", "{crossValidationFolds} refits the model's specification on the CSV: give the CSV, not an evaluation cache")
        }
        let training = try TrainingData.read(path: request.data, spec: try artifact.tableSpec(format: request.format))
        report.crossValidation = try Resampling.crossValidate(training, folds: folds, seed: request.seed,
                                                              options: LogisticRegressionOptions(l2: artifact.fit.penalty.lambda))
    }
    if let json = request.json { try AtomicFile.write(try report.json(), to: json) }
    if let html = request.html { try AtomicFile.write(Data(HTMLReport.render(report).utf8), to: html) }
    return report
}

/// Explain one dossier's score in French, as CRPA R311-3-1-2 requires.
public struct ExplanationRequest: Sendable {
    public var model: String
    /// The store holding the model registry, when `model` names a registered version (`NAME@VERSION`).
    public var store: String?
    /// The file holding the dossier; all of it is scored to give the rank.
    public var data: String
    public var dossier: String
    public var idColumn: String?
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public var markdown: String?
    public var json: String?
    public init(model: String, data: String, dossier: String) { self.model = model; self.data = data; self.dossier = dossier }
}

public func explain(_ request: ExplanationRequest) throws -> Explanation {
    let loaded = try loadModel(request.model, store: request.store)
    let explanation = try Explanation.make(model: loaded.artifact, designation: loaded.designation, dataPath: request.data, id: request.dossier,
                                           idColumn: request.idColumn, format: request.format, threads: request.threads)
    if let markdown = request.markdown { try AtomicFile.write(Data(explanation.markdown.utf8), to: markdown) }
    if let json = request.json { try AtomicFile.write(try explanation.json(), to: json) }
    return explanation
}
