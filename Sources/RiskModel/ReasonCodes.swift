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
        ranges.indices.map { contribution(of: $0, row: row) }
    }

    /// Column j's contribution Σ_{t ∈ j} β_t·(x_t − x̄_t), summed in term order.
    @inline(__always) private func contribution(of j: Int, row: UnsafePointer<Double>) -> Double {
        var v = 0.0
        for t in ranges[j] { v = v + beta[t] * (row[t] - means[t]) }
        return v
    }

    public func contributions(row: [Double]) -> [Double] {
        row.withUnsafeBufferPointer { contributions(row: $0.baseAddress!) }
    }

    /// The `k` columns that raise this row's score most (positive contributions only), largest first,
    /// ties to the earlier column.
    public func top(_ k: Int, row: UnsafePointer<Double>) -> [Reason] {
        guard k > 0 else { return [] }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: k) { indices in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { values in
                let found = selectTop(k, row: row, indices: indices.baseAddress!, values: values.baseAddress!)
                return (0..<found).map { Reason(column: columns[indices[$0]], label: labels[indices[$0]], contribution: values[$0]) }
            }
        }
    }

    /// The selection behind `top`: the column indices and contributions of the `k` best, into
    /// `indices` and `values` (room for `k` each); returns how many there are. Allocates nothing.
    ///
    /// A selection, not a sort of every contribution: the planner asks for the top three of every
    /// dossier that enters its ranking (about 640,000 on the national run), on the thread that merges
    /// the blocks in file order, and keeps only the indices until the plan is chosen.
    public func selectTop(_ k: Int, row: UnsafePointer<Double>, indices: UnsafeMutablePointer<Int>,
                          values: UnsafeMutablePointer<Double>) -> Int {
        guard k > 0 else { return 0 }
        var count = 0
        for j in ranges.indices {
            let v = contribution(of: j, row: row)
            // An equal contribution of a later column never passes an earlier one.
            guard v > 0, count < k || v > values[k - 1] else { continue }
            var position = count < k ? count : k - 1
            if count < k { count += 1 }
            while position > 0 && v > values[position - 1] {
                values[position] = values[position - 1]; indices[position] = indices[position - 1]
                position -= 1
            }
            values[position] = v; indices[position] = j
        }
        return count
    }
}
