import Foundation
import RiskModel

/// Predictions with outcomes, optional weights (frequency or inverse-probability) and amounts.
public struct ScoredSample: Sendable {
    public var scores: [Double]
    public var outcomes: [Double]
    public var weights: [Double]?
    /// Euros at stake per row (e.g. the indu found), for euro-capture curves.
    public var amounts: [Double]?
    /// The column of inclusion probabilities the weights include (1/π), when read from a file that has one.
    public var inclusionColumn: String?

    public init(scores: [Double], outcomes: [Double], weights: [Double]? = nil, amounts: [Double]? = nil) {
        precondition(scores.count == outcomes.count)
        precondition(weights.map { $0.count == scores.count } ?? true && amounts.map { $0.count == scores.count } ?? true)
        self.scores = scores; self.outcomes = outcomes; self.weights = weights; self.amounts = amounts
    }

    public var count: Int { scores.count }
    @inline(__always) func w(_ i: Int) -> Double { weights?[i] ?? 1 }

    /// Rows ordered by decreasing score; ties keep their original order, so results are deterministic.
    func orderByDecreasingScore() -> [Int] { order(decreasing: true) }
    func orderByIncreasingScore() -> [Int] { order(decreasing: false) }

    /// Row indices by score, ties by row (so results are deterministic), by a stable LSD radix
    /// sort of the scores' bit patterns mapped to order-preserving unsigned keys (negative doubles
    /// reversed, the sign bit set on the others; decreasing order: the keys complemented). Sorting
    /// the indices with a comparator that reads the scores through them was most of `evaluate`'s
    /// time: five sorts per report, and again in every bootstrap replicate. A byte of the key that
    /// every row shares (the exponent of scores in a narrow range) costs one counting pass only.
    private func order(decreasing: Bool) -> [Int] {
        let n = count
        var keys = [UInt64](repeating: 0, count: n), spare = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            let bits = (scores[i] == 0 ? 0.0 : scores[i]).bitPattern  // -0 and +0 are one score
            let key = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
            keys[i] = decreasing ? ~key : key
        }
        var rows = Array(0..<n), other = [Int](repeating: 0, count: n)
        // The eight byte histograms in one read of the keys; then one scatter per byte that varies.
        var histograms = [Int](repeating: 0, count: 8 * 256)
        histograms.withUnsafeMutableBufferPointer { h in
            keys.withUnsafeBufferPointer { k in
                for key in k { for b in 0..<8 { h[b * 256 + Int((key >> UInt64(8 * b)) & 0xFF)] += 1 } }
            }
        }
        var offsets = [Int](repeating: 0, count: 256)
        for b in 0..<8 {
            if histograms[(b * 256)..<(b * 256 + 256)].contains(n) { continue }
            var sum = 0
            for d in 0..<256 { offsets[d] = sum; sum += histograms[b * 256 + d] }
            let shift = UInt64(8 * b)
            offsets.withUnsafeMutableBufferPointer { o in
                keys.withUnsafeBufferPointer { k in
                    spare.withUnsafeMutableBufferPointer { k2 in
                        rows.withUnsafeBufferPointer { r in
                            other.withUnsafeMutableBufferPointer { r2 in
                                for i in 0..<n {
                                    let d = Int((k[i] >> shift) & 0xFF), p = o[d]
                                    o[d] = p + 1
                                    k2[p] = k[i]; r2[p] = r[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &spare); swap(&rows, &other)
        }
        return rows
    }

    /// The sample restricted to `rows` (resampling; a row may repeat).
    public func subset(_ rows: [Int]) -> ScoredSample {
        ScoredSample(scores: rows.map { scores[$0] }, outcomes: rows.map { outcomes[$0] },
                     weights: weights.map { w in rows.map { w[$0] } }, amounts: amounts.map { a in rows.map { a[$0] } })
    }
}

public struct ROCPoint: Codable, Equatable, Sendable {
    public var threshold: Double
    public var falsePositiveRate: Double
    public var truePositiveRate: Double
}

public struct CalibrationBin: Codable, Equatable, Sendable {
    public var rows: Int
    public var weight: Double
    public var meanPredicted: Double
    public var observedRate: Double
}

public struct LiftRow: Codable, Equatable, Sendable {
    /// 1 = the highest scores.
    public var decile: Int
    public var weight: Double
    public var hitRate: Double
    public var lift: Double
    /// Share of all positives captured by deciles 1…this one.
    public var cumulativeGain: Double
    /// Share of all euros captured by deciles 1…this one (when amounts are known).
    public var cumulativeEuroShare: Double?
}

public struct TopK: Codable, Equatable, Sendable {
    public var k: Int
    public var precision: Double
    public var recall: Double
    public var eurosCaptured: Double?
    public var eurosTotal: Double?
}

public struct HosmerLemeshow: Codable, Equatable, Sendable {
    public var statistic: Double
    public var degreesOfFreedom: Int
    public var pValue: Double
    public var groups: [CalibrationBin]
}

/// Discrimination and calibration metrics, all weighted when weights are given.
public enum Metrics {
    /// Area under the ROC curve, ties counted one half: P(score₁ > score₀) + ½ P(score₁ = score₀).
    public static func auc(_ s: ScoredSample) -> Double {
        let order = s.orderByIncreasingScore()
        var negativesBelow = 0.0, sum = 0.0, positives = 0.0, negatives = 0.0
        var i = 0
        while i < order.count {
            var j = i, tiePositives = 0.0, tieNegatives = 0.0
            while j < order.count && s.scores[order[j]] == s.scores[order[i]] {
                let r = order[j]
                if s.outcomes[r] == 1 { tiePositives += s.w(r) } else { tieNegatives += s.w(r) }
                j += 1
            }
            sum += tiePositives * (negativesBelow + 0.5 * tieNegatives)
            negativesBelow += tieNegatives
            positives += tiePositives; negatives += tieNegatives
            i = j
        }
        return positives > 0 && negatives > 0 ? sum / (positives * negatives) : .nan
    }

    public static func gini(_ s: ScoredSample) -> Double { 2 * auc(s) - 1 }

    /// ROC points at every distinct threshold, from the highest score down, starting at (0, 0) with an
    /// infinite threshold (scikit-learn's `roc_curve(..., drop_intermediate=False)`).
    public static func roc(_ s: ScoredSample) -> [ROCPoint] {
        let order = s.orderByDecreasingScore()
        var positives = 0.0, negatives = 0.0
        for i in 0..<s.count { if s.outcomes[i] == 1 { positives += s.w(i) } else { negatives += s.w(i) } }
        var points = [ROCPoint(threshold: .infinity, falsePositiveRate: 0, truePositiveRate: 0)]
        var tp = 0.0, fp = 0.0
        var i = 0
        while i < order.count {
            let threshold = s.scores[order[i]]
            while i < order.count && s.scores[order[i]] == threshold {
                let r = order[i]
                if s.outcomes[r] == 1 { tp += s.w(r) } else { fp += s.w(r) }
                i += 1
            }
            points.append(ROCPoint(threshold: threshold, falsePositiveRate: negatives > 0 ? fp / negatives : .nan,
                                   truePositiveRate: positives > 0 ? tp / positives : .nan))
        }
        return points
    }

    /// Kolmogorov–Smirnov: the largest gap between the score distributions of positives and negatives.
    public static func ks(_ s: ScoredSample) -> Double {
        roc(s).reduce(0) { max($0, abs($1.truePositiveRate - $1.falsePositiveRate)) }
    }

    /// Mean negative log-likelihood; probabilities clipped to [1e-15, 1 − 1e-15] as scikit-learn does.
    public static func logLoss(_ s: ScoredSample) -> Double {
        var total = 0.0, weight = 0.0
        for i in 0..<s.count {
            let p = min(max(s.scores[i], 1e-15), 1 - 1e-15)
            total -= s.w(i) * (s.outcomes[i] == 1 ? log(p) : log(1 - p))
            weight += s.w(i)
        }
        return total / weight
    }

    public static func brier(_ s: ScoredSample) -> Double {
        var total = 0.0, weight = 0.0
        for i in 0..<s.count { let d = s.scores[i] - s.outcomes[i]; total += s.w(i) * d * d; weight += s.w(i) }
        return total / weight
    }

    /// Rows cut into `groups` groups of (as nearly as possible) equal weight by increasing score.
    static func groupsByScore(_ s: ScoredSample, groups: Int) -> [[Int]] {
        let order = s.orderByIncreasingScore()
        let total = order.reduce(0.0) { $0 + s.w($1) }
        var out = [[Int]](repeating: [], count: groups)
        var cumulative = 0.0
        for r in order {
            let g = min(groups - 1, Int((cumulative + 0.5 * s.w(r)) / total * Double(groups)))
            out[g].append(r)
            cumulative += s.w(r)
        }
        return out
    }

    static func bin(_ s: ScoredSample, _ rows: [Int]) -> CalibrationBin {
        var w = 0.0, predicted = 0.0, observed = 0.0
        for r in rows { w += s.w(r); predicted += s.w(r) * s.scores[r]; observed += s.w(r) * s.outcomes[r] }
        return CalibrationBin(rows: rows.count, weight: w, meanPredicted: w > 0 ? predicted / w : .nan, observedRate: w > 0 ? observed / w : .nan)
    }

    /// Mean predicted probability against observed rate, by groups of equal weight (deciles by default).
    public static func calibration(_ s: ScoredSample, groups: Int = 10) -> [CalibrationBin] {
        groupsByScore(s, groups: groups).filter { !$0.isEmpty }.map { bin(s, $0) }
    }

    /// Hosmer–Lemeshow goodness of fit: C = Σ_g (O_g − E_g)² / (E_g (1 − E_g / n_g)) over `groups` groups
    /// of equal weight by predicted probability, compared with χ²(groups − 2).
    ///
    /// Weights are rescaled to sum to the number of rows first: with inverse-probability weights (1/π,
    /// often in the thousands) the raw weighted counts would inflate the statistic by the mean weight.
    public static func hosmerLemeshow(_ s: ScoredSample, groups: Int = 10) -> HosmerLemeshow {
        var sample = s
        if let w = s.weights {
            let scale = Double(w.count) / w.reduce(0, +)
            sample.weights = w.map { $0 * scale }
        }
        let bins = calibration(sample, groups: groups)
        var c = 0.0
        for b in bins {
            let expected = b.meanPredicted * b.weight, observed = b.observedRate * b.weight
            let denominator = expected * (1 - b.meanPredicted)
            if denominator > 0 { c += (observed - expected) * (observed - expected) / denominator }
        }
        let df = bins.count - 2
        return HosmerLemeshow(statistic: c, degreesOfFreedom: df,
                              pValue: Distributions.chiSquareSurvival(c, degreesOfFreedom: Double(max(1, df))), groups: bins)
    }

    /// Lift and cumulative gains by deciles of decreasing score.
    public static func lift(_ s: ScoredSample, groups: Int = 10) -> [LiftRow] {
        let ascending = groupsByScore(s, groups: groups)
        var totalPositives = 0.0, totalWeight = 0.0, totalEuros = 0.0
        for i in 0..<s.count { totalPositives += s.w(i) * s.outcomes[i]; totalWeight += s.w(i); totalEuros += s.w(i) * (s.amounts?[i] ?? 0) }
        let base = totalPositives / totalWeight
        var cumulativePositives = 0.0, cumulativeEuros = 0.0
        var rows: [LiftRow] = []
        for (k, group) in ascending.reversed().enumerated() where !group.isEmpty {
            var w = 0.0, p = 0.0, e = 0.0
            for r in group { w += s.w(r); p += s.w(r) * s.outcomes[r]; e += s.w(r) * (s.amounts?[r] ?? 0) }
            cumulativePositives += p; cumulativeEuros += e
            rows.append(LiftRow(decile: k + 1, weight: w, hitRate: p / w, lift: (p / w) / base,
                                cumulativeGain: cumulativePositives / totalPositives,
                                cumulativeEuroShare: s.amounts == nil || totalEuros == 0 ? nil : cumulativeEuros / totalEuros))
        }
        return rows
    }

    /// Precision and recall among the k highest scores (weighted counts), and euros captured.
    public static func topK(_ s: ScoredSample, k: Int) -> TopK {
        let order = s.orderByDecreasingScore()
        var positives = 0.0, euros = 0.0
        for i in 0..<s.count { positives += s.w(i) * s.outcomes[i]; euros += s.w(i) * (s.amounts?[i] ?? 0) }
        var hits = 0.0, weight = 0.0, captured = 0.0
        for r in order.prefix(k) { hits += s.w(r) * s.outcomes[r]; weight += s.w(r); captured += s.w(r) * (s.amounts?[r] ?? 0) }
        return TopK(k: min(k, s.count), precision: weight > 0 ? hits / weight : .nan, recall: positives > 0 ? hits / positives : .nan,
                    eurosCaptured: s.amounts == nil ? nil : captured, eurosTotal: s.amounts == nil ? nil : euros)
    }
}
