import CiblageSupport
import Dossiers
import LinearAlgebra

/// What the checks before a fit and the artifact's reference means need from the design matrix,
/// gathered in one parallel pass over the rows with weight > 0: per column the range of values
/// among rows with target 0 and among rows with target 1, and the weighted sum; per categorical
/// feature the outcome counts of each level.
///
/// Why one pass: the constant-column check, the univariate separation check and the term means
/// each read all of X (656 MB on the 2,000,000 × 41 benchmark), the last on one thread, and
/// together cost more than the Newton passes they preceded. Minima, maxima and counts do not
/// depend on the order of the rows; the sums are taken per `RowSegments` segment and added in
/// segment order, so the profile is the same for any thread count.
struct ColumnProfile {
    /// Ranges per column (column 0, the intercept, included); ±∞ when a class has no row.
    var min0: [Double], max0: [Double], min1: [Double], max1: [Double]
    /// Σ wᵢxᵢⱼ per column, and Σ wᵢ, over the rows with wᵢ > 0.
    var weightedSums: [Double], weight: Double
    /// Per categorical feature (in `categorical` order), per level slot (0 = the reference level,
    /// then the level of each dummy column): rows with target 0 and with target 1.
    var zeros: [[Int]], ones: [[Int]]
    /// Indices of the categorical features in `data.encoding.features`.
    let categorical: [Int]

    init(_ data: TrainingData, threads: Int) {
        let x = data.design, p = x.columns
        let features = data.encoding.features
        let categorical = features.indices.filter { features[$0].kind == .categorical }
        let firstColumn = categorical.map { data.encoding.termRanges[$0].lowerBound }
        let dummies = categorical.map { features[$0].termNames.count }
        let segments = RowSegments(rowCount: x.rows)
        var parts = [ColumnProfile](repeating: ColumnProfile(columns: 0, dummies: [], categorical: []), count: segments.count)
        x.storage.withUnsafeBufferPointer { xs in
            data.target.withUnsafeBufferPointer { ys in
                parts.withUnsafeMutableBufferPointer { out in
                    let base = UncheckedSendable(xs.baseAddress!), y = UncheckedSendable(ys.baseAddress!)
                    let slots = UncheckedSendable(out.baseAddress!), weights = data.weights
                    segments.forEach(threads: threads) { _, segment, rows in
                        var part = ColumnProfile(columns: p, dummies: dummies, categorical: categorical)
                        part.accumulate(base.value, y: y.value, weights: weights, rows: rows, columns: p,
                                        firstColumn: firstColumn, dummies: dummies)
                        slots.value[segment] = part
                    }
                }
            }
        }
        self.init(columns: p, dummies: dummies, categorical: categorical)
        for part in parts { merge(part) }
    }

    private init(columns p: Int, dummies: [Int], categorical: [Int]) {
        min0 = [Double](repeating: .infinity, count: p); max0 = [Double](repeating: -.infinity, count: p)
        min1 = min0; max1 = max0
        weightedSums = [Double](repeating: 0, count: p); weight = 0
        zeros = dummies.map { [Int](repeating: 0, count: $0 + 1) }; ones = zeros
        self.categorical = categorical
    }

    /// One segment's rows, sequentially.
    private mutating func accumulate(_ base: UnsafePointer<Double>, y: UnsafePointer<Double>, weights: [Double]?, rows: Range<Int>,
                                     columns p: Int, firstColumn: [Int], dummies: [Int]) {
        var weight = 0.0
        min0.withUnsafeMutableBufferPointer { min0 in
        max0.withUnsafeMutableBufferPointer { max0 in
        min1.withUnsafeMutableBufferPointer { min1 in
        max1.withUnsafeMutableBufferPointer { max1 in
        weightedSums.withUnsafeMutableBufferPointer { sums in
            for i in rows {
                let wi = weights?[i] ?? 1
                guard wi > 0 else { continue }
                weight += wi
                let row = base + i * p
                let (lo, hi) = y[i] == 1 ? (min1, max1) : (min0, max0)
                for j in 0..<p {
                    let v = row[j]
                    lo[j] = Swift.min(lo[j], v); hi[j] = Swift.max(hi[j], v)
                    sums[j] += wi * v
                }
                for k in dummies.indices {
                    var level = 0
                    for t in 0..<dummies[k] where row[firstColumn[k] + t] == 1 { level = t + 1 }
                    if y[i] == 1 { ones[k][level] += 1 } else { zeros[k][level] += 1 }
                }
            }
        }}}}}
        self.weight = weight
    }

    private mutating func merge(_ part: ColumnProfile) {
        for j in min0.indices {
            min0[j] = Swift.min(min0[j], part.min0[j]); max0[j] = Swift.max(max0[j], part.max0[j])
            min1[j] = Swift.min(min1[j], part.min1[j]); max1[j] = Swift.max(max1[j], part.max1[j])
            weightedSums[j] += part.weightedSums[j]
        }
        weight += part.weight
        for k in zeros.indices {
            for l in zeros[k].indices { zeros[k][l] += part.zeros[k][l]; ones[k][l] += part.ones[k][l] }
        }
    }

    /// The first term (after the intercept) that takes one value on every row with weight > 0, and
    /// that value.
    var firstConstantColumn: (column: Int, value: Double)? {
        for j in 1..<max(1, min0.count) {
            let low = Swift.min(min0[j], min1[j]), high = Swift.max(max0[j], max1[j])
            if low == high { return (j, low) }
        }
        return nil
    }

    /// The weighted mean of each term over the rows with weight > 0 (the reference of reason codes).
    var termMeans: [Double] { weightedSums.map { $0 / weight } }
}
