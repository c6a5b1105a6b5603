import CiblageSupport
import Accountability
import Dossiers
import Evaluation
import Foundation
import LinearAlgebra
import RiskModel

/// Which labelled rows a model is trained on, by provenance (see `ProvenanceSelection`).
public struct ProvenanceChoice: Sendable, Equatable {
    public var use: Set<LabelProvenance>
    public init(_ use: Set<LabelProvenance>) { self.use = use }
    /// Only rows drawn at random: the default, unbiased for the population.
    public static let random = ProvenanceChoice([.random])
    public static let all = ProvenanceChoice(Set(LabelProvenance.allCases))

    /// `random`, `all`, or a comma list of random, targeted, other.
    public init?(text: String) {
        if text == "all" { self = .all; return }
        var use = Set<LabelProvenance>()
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let p = LabelProvenance(rawValue: name) else { return nil }
            use.insert(p)
        }
        guard !use.isEmpty else { return nil }
        self.use = use
    }
}

/// How the labels of targeted rows are corrected for the way they were selected.
public enum SelectionCorrection: String, Sendable, CaseIterable {
    /// Weight each row by 1/π, its inclusion probability.
    case ipw
    /// Accept the selection bias; a warning is kept in the model.
    case ignore
}

/// What to do when the outcomes are separated (no finite maximum-likelihood estimate).
public enum SeparationChoice: String, Sendable, CaseIterable {
    case fail
    case stabilize
}

/// The solver's settings, as a data scientist gives them.
public struct FitSettings: Sendable, Equatable {
    public var l2: Double = 0
    public var onSeparation: SeparationChoice = .fail
    public var stabilizeL2: Double = 1
    public var maxIterations: Int = 100
    public var tolerance: Double = 1e-10
    public init() {}

    func validate() throws(RequestError) {
        guard l2 >= 0, l2.isFinite else { throw RequestError("l2", "{l2} must be a finite number ≥ 0, got \(l2)") }
        guard stabilizeL2 > 0, stabilizeL2.isFinite else { throw RequestError("stabilizeL2", "{stabilizeL2} must be a finite number > 0, got \(stabilizeL2)") }
        guard maxIterations >= 1 else { throw RequestError("maxIterations", "{maxIterations} must be ≥ 1, got \(maxIterations)") }
        guard tolerance > 0, tolerance < 1 else { throw RequestError("tolerance", "{tolerance} must be in (0, 1), got \(tolerance)") }
    }

    func options(threads: Int) -> LogisticRegressionOptions {
        LogisticRegressionOptions(l2: l2, tolerance: tolerance, maxIterations: maxIterations, threads: threads,
                                  onSeparation: onSeparation == .fail ? .fail : .stabilize(l2: stabilizeL2))
    }
}

/// Where the columns' roles come from: a feature spec, or columns named one by one.
public enum ColumnRoles: Sendable, Equatable {
    /// A feature spec (YAML) describing every column.
    case spec(SpecRoles)
    /// Columns named in the request; every other column but the target, weight and id is numeric.
    case declared(DeclaredRoles)
}

public struct SpecRoles: Sendable, Equatable {
    public var path: String
    /// If given, must be the spec's target column.
    public var target: String?
    public var provenance: ProvenanceChoice = .random
    public var selection: SelectionCorrection?
    /// Sensitive columns used as inputs by override; each needs `reason`.
    public var allowSensitive: [String] = []
    public var reason: String?
    public init(path: String) { self.path = path }
}

public struct DeclaredRoles: Sendable, Equatable {
    public var target: String
    public var features: [String]?
    public var categorical: [String] = []
    public var boolean: [String] = []
    public var references: [String: String] = [:]
    public var weight: String?
    public init(target: String) { self.target = target }
}

/// Train a logistic risk model on a CSV of labelled dossiers.
public struct TrainingRequest: Sendable {
    public var data: String
    public var roles: ColumnRoles
    public var idColumn: String?
    /// Euros of indu found: also fit the severity part of the two-part model.
    public var amountColumn: String?
    /// Only the rows whose column holds one of these values (`--only canal=sms`).
    public var rowFilter: RowFilter?
    public var fit = FitSettings()
    /// Inputs whose one-variable AUC for a sensitive column reaches this are flagged.
    public var proxyThreshold = 0.7
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    /// Where to write the artifact; nil keeps it in the result only.
    public var output: String?

    public init(data: String, roles: ColumnRoles) { self.data = data; self.roles = roles }

    public func validate() throws(RequestError) {
        try fit.validate()
        guard proxyThreshold > 0.5, proxyThreshold <= 1 else {
            throw RequestError("proxyThreshold", "{proxyThreshold} must be in (0.5, 1], got \(proxyThreshold)")
        }
        if case .spec(let s) = roles, !s.allowSensitive.isEmpty, (s.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw RequestError("reason", "{allowSensitive} needs {reason}: the override is recorded in the model")
        }
        try RequestError.checkDistinct([("data", data), ("output", output)])
    }
}

public struct TrainingResult: Sendable {
    public var model: ModelArtifact
    /// Which rows were used, by provenance (spec with a provenance column only).
    public var selection: SelectionSummary?
    public var readSeconds: Double
    public var fitSeconds: Double
    /// The solver's passes over the design matrix.
    public var passes: NewtonSolver.Passes
}

/// Reads the training file, fits, runs the proxy check and writes the artifact.
/// - Parameter progress: told the bytes read.
public func train(_ request: TrainingRequest, progress: ProgressHandler? = nil) throws -> TrainingResult {
    try request.validate()
    var table = try tableSpec(for: request)
    table.threads = request.threads
    table.progress = progress
    let clock = ContinuousClock()
    let readStart = clock.now
    let data = try TrainingData.load(path: request.data, spec: table)
    let fitStart = clock.now
    let fitted = try LogisticRegression.fit(data, options: request.fit.options(threads: request.threads))
    let inference = try LogitInference(fitted)
    let severity = try data.amounts.map { try SeverityModel.fit(data, amounts: $0, amountColumn: data.amountName ?? "amount") }
    let fitEnd = clock.now
    let model = try withProxyCheck(ModelArtifact(fit: fitted, inference: inference, data: data, severity: severity),
                                   data: data, path: request.data, format: request.format, threshold: request.proxyThreshold)
    if let output = request.output { try model.write(to: output) }
    return TrainingResult(model: model, selection: data.selection, readSeconds: seconds(fitStart - readStart), fitSeconds: seconds(fitEnd - fitStart),
                          passes: fitted.passes)
}

/// Encode a training file once into a cache (`.cbl`) that `train` and `select` read without parsing.
/// The request is the training request whose reads the cache will serve (its roles, rows, amount,
/// CSV format); its output and fit settings are not used.
public struct ConversionRequest: Sendable {
    public var training: TrainingRequest
    public var output: String
    public init(training: TrainingRequest, output: String) { self.training = training; self.output = output }
}

public struct ConversionResult: Sendable {
    public var rows: Int
    public var columns: Int
    public var bytes: Int
    public var seconds: Double
}

/// - Parameter progress: told the bytes read.
public func convert(_ request: ConversionRequest, progress: ProgressHandler? = nil) throws -> ConversionResult {
    let start = ContinuousClock.now
    try RequestError.checkDistinct([("data", request.training.data), ("output", request.output)])
    guard !DesignCache.isCache(request.training.data) else {
        throw RequestError("data", "{data} \(request.training.data) is already a cache: convert the CSV it was made from")
    }
    var table = try tableSpec(for: request.training)
    table.threads = request.training.threads
    table.progress = progress
    var data = try TrainingData.read(path: request.training.data, spec: table)
    // The proxy check's sample of sensitive columns travels with the cache: training from it needs no CSV.
    data.sensitiveSample = try ProxyDetection.sample(data: data, path: request.training.data, format: request.training.format)
    try DesignCache.write(data, signature: table.signature, to: request.output)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: request.output)[.size] as? Int) ?? 0
    return ConversionResult(rows: data.design.rows, columns: data.design.columns, bytes: bytes, seconds: seconds(ContinuousClock.now - start))
}

/// The column roles of a training request, read from its spec or taken from its lists.
func tableSpec(for request: TrainingRequest) throws -> TableSpec {
    var table: TableSpec
    switch request.roles {
    case .spec(let s):
        let spec = try FeatureSpec.load(path: s.path)
        let specTarget = spec.columns(.target).first?.name
        if let target = s.target, target != specTarget {
            throw RequestError("target", "{target} \(target) differs from the spec's target column '\(specTarget ?? "none")'")
        }
        var weighting = ProvenanceSelection.Weighting.none
        switch s.selection {
        case nil where s.provenance.use.contains(.targeted) && spec.columns(.provenance).first != nil:
            throw RequestError("selection", "targeted rows were selected by a model or a rule, so their labels are biased: choose {selection} ipw (weights 1/π) or {selection} ignore (accept the bias; recorded as a warning in the model)")
        case .ipw: weighting = .inverseProbability
        case .ignore, nil: weighting = .none
        }
        let allowed = Dictionary(uniqueKeysWithValues: s.allowSensitive.map { ($0, s.reason ?? "") })
        table = try TableSpec(spec: spec, allowSensitive: allowed, format: request.format, provenanceUse: s.provenance.use, weighting: weighting)
        if let id = request.idColumn { table.id = id }
    case .declared(let d):
        table = TableSpec(target: d.target, features: d.features, categorical: d.categorical, boolean: d.boolean,
                          references: d.references, weight: d.weight, id: request.idColumn, format: request.format)
    }
    table.amount = request.amountColumn
    table.rowFilter = request.rowFilter
    return table
}

/// Every model a workflow writes carries the proxy check of its training data.
func withProxyCheck(_ model: ModelArtifact, data: TrainingData, path: String, format: CSVFormat, threshold: Double) throws -> ModelArtifact {
    var model = model
    model.proxyCheck = try ProxyDetection.run(data: data, path: path, format: format, threshold: threshold)
    return model
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

/// Encode a labelled file once under a model's frozen encoding (`convert --model`): `evaluate`
/// then reads it without parsing. The columns of the evaluation (target, weight, amount, inclusion)
/// are chosen here and recorded in the cache.
public struct EvaluationConversionRequest: Sendable {
    public var model: String
    public var store: String?
    public var data: String
    public var output: String
    public var target: String?
    public var weight: String?
    public var amount: String?
    public var inclusion: String?
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public init(model: String, data: String, output: String) { self.model = model; self.data = data; self.output = output }
}

public func convertForEvaluation(_ request: EvaluationConversionRequest) throws -> ConversionResult {
    let start = ContinuousClock.now
    guard !DesignCache.isCache(request.data) else {
        throw RequestError("data", "{data} \(request.data) is already a cache: convert the CSV it was made from")
    }
    let model = try loadModel(request.model, store: request.store).artifact
    let r = try EvaluationData.writeCache(model: model, path: request.data, output: request.output, target: request.target, weight: request.weight,
                                          amount: request.amount, inclusion: request.inclusion, format: request.format, threads: request.threads)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: request.output)[.size] as? Int) ?? 0
    return ConversionResult(rows: r.rows, columns: r.columns, bytes: bytes, seconds: seconds(ContinuousClock.now - start))
}
