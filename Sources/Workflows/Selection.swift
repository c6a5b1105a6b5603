import CiblageSupport
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

/// Choose variables like SAS PROC LOGISTIC (forward, backward or stepwise), optionally after an
/// IV/WoE screen, and optionally write the final model.
public struct SelectionRequest: Sendable {
    /// Every feature of the spec is a candidate.
    public var spec: String
    public var data: String
    public var method: VariableSelection.Method = .stepwise
    public var entryLevel = 0.05
    public var stayLevel = 0.05
    public var removal: VariableSelection.RemovalTest = .wald
    /// Effects always kept (SAS INCLUDE=).
    public var include: [String] = []
    public var screen = false
    public var proxyThreshold = 0.7
    public var threads = Parallelism.defaultThreads
    public var output: String?
    /// Also write the spec with only the selected features (the others get role `ignore`), so that
    /// `train` can refit exactly the selected model, e.g. with its severity part.
    public var selectedSpecOutput: String?
    public init(spec: String, data: String) { self.spec = spec; self.data = data }

    public func validate() throws(RequestError) {
        guard entryLevel > 0, entryLevel < 1 else { throw RequestError("entryLevel", "{entryLevel} must be in (0, 1), got \(entryLevel)") }
        guard stayLevel > 0, stayLevel < 1 else { throw RequestError("stayLevel", "{stayLevel} must be in (0, 1), got \(stayLevel)") }
        guard proxyThreshold > 0.5, proxyThreshold <= 1 else {
            throw RequestError("proxyThreshold", "{proxyThreshold} must be in (0.5, 1], got \(proxyThreshold)")
        }
        try RequestError.checkDistinct([("spec", spec), ("data", data), ("output", output), ("selectedSpec", selectedSpecOutput)])
    }
}

public struct SelectionOutcome: Sendable {
    public var screen: [Screening.Variable]?
    public var selection: VariableSelection.Result
    public var candidates: Int
    public var seconds: Double
}

/// Runs the selection; the final model gets the same proxy check as `train` gives its models.
/// - Parameter progress: told the bytes read.
public func selectVariables(_ request: SelectionRequest, progress: ProgressHandler? = nil) throws -> SelectionOutcome {
    try request.validate()
    let spec = try FeatureSpec.load(path: request.spec)
    var table = try TableSpec(spec: spec)
    table.threads = request.threads
    table.progress = progress
    let training = try TrainingData.load(path: request.data, spec: table)
    let screen = request.screen ? Screening.run(training) : nil
    let start = ContinuousClock.now
    var result = try VariableSelection.run(training, options: .init(
        method: request.method, entryLevel: request.entryLevel, stayLevel: request.stayLevel, removalTest: request.removal,
        include: request.include, fit: LogisticRegressionOptions(threads: request.threads)))
    let elapsed = ContinuousClock.now - start
    let names = training.encoding.features.map(\.name)
    let chosen = training.selecting(features: result.selected.compactMap { names.firstIndex(of: $0) })
    result.model = try withProxyCheck(result.model, data: chosen, path: request.data, format: table.format, threshold: request.proxyThreshold)
    if let output = request.output { try result.model.write(to: output) }
    if let path = request.selectedSpecOutput {
        try AtomicFile.write(Data(try spec.keeping(features: Set(result.selected)).yaml().utf8), to: path)
    }
    return SelectionOutcome(screen: screen, selection: result, candidates: training.encoding.features.count, seconds: seconds(elapsed))
}

extension FeatureSpec {
    /// The same spec with every feature not in `kept` set to role `ignore`.
    func keeping(features kept: Set<String>) -> FeatureSpec {
        var out = self
        for k in out.columns.indices where out.columns[k].role == .feature && !kept.contains(out.columns[k].name) {
            out.columns[k].role = .ignore
        }
        return out
    }
}
