import Dossiers

/// Why a dossier scores high: per input column, its contribution to the logit relative to the
/// reference population (the training rows), cᵢⱼ = Σ_{t ∈ column j} β_t·(x_it − x̄_t).
///
/// A categorical column is one term: its dummies are summed, so "région" is one reason, not one per
/// level. The contributions of all columns add up to ηᵢ − η̄ with η̄ = βᵀx̄, the logit of the
/// average training dossier: the explanation is exact, not an approximation. Reasons are the columns
/// with the largest positive contributions (those that raise the score); ties keep the order of the
/// columns in the model, so the output is deterministic.
public struct ReasonCodes: Sendable {
    public struct Reason: Equatable, Sendable, Codable {
        public var column: String
        /// The French label of the spec, or the column name.
        public var label: String
        /// Contribution to the logit, relative to the reference population.
        public var contribution: Double
    }

    public let columns: [String]
    public let labels: [String]
    private let ranges: [Range<Int>]
    private let beta: [Double]
    private let means: [Double]
    /// βᵀx̄: the logit of the reference dossier.
    public let referenceLogit: Double

    /// Fails if the model does not carry the training means (artifacts written before they were stored).
    public init(model: ModelArtifact) throws {
        guard let termMeans = model.termMeans, termMeans.count == model.estimates.count else {
            throw FitError.invalidOption("the model has no training means (termMeans), which reason codes are measured from: retrain it with this version of Ciblage")
        }
        beta = model.estimates
        means = termMeans
        ranges = model.encoding.termRanges
        columns = model.encoding.features.map(\.name)
        labels = model.encoding.features.map { f in model.spec?.column(f.name)?.label ?? f.name }
        referenceLogit = zip(beta, means).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Every column's contribution for one design row (intercept first, as in the model).
    public func contributions(row: UnsafePointer<Double>) -> [Double] {
        ranges.map { r in r.reduce(0.0) { $0 + beta[$1] * (row[$1] - means[$1]) } }
    }

    public func contributions(row: [Double]) -> [Double] {
        row.withUnsafeBufferPointer { contributions(row: $0.baseAddress!) }
    }

    /// The `k` columns that raise this row's score most (positive contributions only).
    public func top(_ k: Int, row: UnsafePointer<Double>) -> [Reason] {
        let c = contributions(row: row)
        let order = c.indices.filter { c[$0] > 0 }.sorted { c[$0] != c[$1] ? c[$0] > c[$1] : $0 < $1 }
        return order.prefix(k).map { Reason(column: columns[$0], label: labels[$0], contribution: c[$0]) }
    }
}
