import CiblageSupport
import Dossiers
import Evaluation
import Foundation
import LinearAlgebra

/// A partition of the dossiers by one sensitive attribute or an intersection of several
/// (e.g. `parent_isole × revenu`): each row's cell, and the cell every ratio is compared with.
public struct Grouping: Sendable {
    public var name: String
    public var levels: [String]
    /// Cell of each row, an index into `levels`.
    public var codes: [Int32]
    /// The cell ratios are taken against (by default the largest).
    public var reference: Int

    public init(name: String, levels: [String], codes: [Int32], reference: Int? = nil) {
        self.name = name; self.levels = levels; self.codes = codes
        if let reference { self.reference = reference } else {
            var counts = [Int](repeating: 0, count: levels.count)
            for c in codes { counts[Int(c)] += 1 }
            self.reference = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) } ?? 0
        }
    }

    /// The cross of several groupings: one cell per combination that occurs, named "a=x × b=y". Its
    /// reference is the cell that combines the parts' references (the largest cell if that one is empty).
    public static func intersection(_ parts: [Grouping]) -> Grouping {
        precondition(!parts.isEmpty)
        var index: [[Int32]: Int32] = [:], keys: [[Int32]] = []
        let rows = parts[0].codes.count
        var codes = [Int32](repeating: 0, count: rows)
        for r in 0..<rows {
            let key = parts.map { $0.codes[r] }
            if let c = index[key] { codes[r] = c } else {
                let c = Int32(keys.count)
                index[key] = c; keys.append(key); codes[r] = c
            }
        }
        // Cells in the order of the parts' levels, so the report reads like a cross table.
        let order = keys.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
        var renumber = [Int32](repeating: 0, count: keys.count)
        for (new, old) in order.enumerated() { renumber[old] = Int32(new) }
        for r in 0..<rows { codes[r] = renumber[Int(codes[r])] }
        let levels = order.map { k in zip(parts, keys[k]).map { "\($0.name)=\($0.levels[Int($1)])" }.joined(separator: " × ") }
        let referenceKey = parts.map { Int32($0.reference) }
        let reference = order.firstIndex { keys[$0] == referenceKey }
        return Grouping(name: parts.map(\.name).joined(separator: " × "), levels: levels, codes: codes, reference: reference)
    }
}

/// What the audit looks at, one entry per dossier.
public struct AuditPopulation: Sendable {
    /// Risk scores (probabilities).
    public var scores: [Double]
    /// Whether the selection rule (top-k, threshold, or a plan's list) selects the dossier.
    public var selected: [Bool]
    /// 1 = irregular, 0 = regular, NaN = not known (never controlled).
    public var outcomes: [Double]
    /// Whether the dossier belongs to the random stratum: controlled because drawn at random, so
    /// that its outcome estimates error rates without the selection's bias.
    public var randomStratum: [Bool]
    /// 1/π of each random-stratum dossier, π its inclusion probability in the draw (nil: an
    /// equal-probability draw). Rates over the stratum are Horvitz–Thompson ratio estimates,
    /// Σ y/π ÷ Σ 1/π, so a stratified draw estimates the population's rates, not the sample's;
    /// small-cell suppression still counts dossiers, not weights.
    public var randomWeights: [Double]?

    public init(scores: [Double], selected: [Bool], outcomes: [Double], randomStratum: [Bool], randomWeights: [Double]? = nil) {
        precondition(scores.count == selected.count && scores.count == outcomes.count && scores.count == randomStratum.count)
        precondition(randomWeights.map { $0.count == scores.count } ?? true)
        self.scores = scores; self.selected = selected; self.outcomes = outcomes; self.randomStratum = randomStratum
        self.randomWeights = randomWeights
    }
    public var count: Int { scores.count }

    /// The k highest scores (ties by row order), as a selection.
    public static func topK(_ scores: [Double], _ k: Int) -> [Bool] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var selected = [Bool](repeating: false, count: scores.count)
        for r in order.prefix(max(0, k)) { selected[r] = true }
        return selected
    }
}

/// One number of the audit with its bootstrap interval, or nothing when its cell is too small.
public struct AuditMetric: Codable, Equatable, Sendable {
    public var value: Double?
    public var lower: Double?
    public var upper: Double?
    /// The count the metric is a rate over (omitted with the value when below the minimum cell size).
    public var denominator: Double?
    public var suppressed: Bool

    static let hidden = AuditMetric(value: nil, lower: nil, upper: nil, denominator: nil, suppressed: true)
}

public struct AuditGroup: Codable, Equatable, Sendable {
    public var level: String
    /// Number of dossiers in the cell; nil when the cell is suppressed.
    public var count: Int?
    public var suppressed: Bool
    public var isReference: Bool
    /// Keyed by `GroupAudit.Metric` raw values.
    public var metrics: [String: AuditMetric]
    /// Share of the cell's dossiers in each population score decile (1 = highest scores).
    public var deciles: [AuditMetric]
    public var findings: [String]
}

public struct AuditGrouping: Codable, Equatable, Sendable {
    public var name: String
    public var reference: String
    public var groups: [AuditGroup]
}

/// Group fairness metrics of a selection, as in the Lighthouse Reports audits of welfare-fraud
/// scores, with percentile-bootstrap intervals and small-cell suppression.
///
/// For a cell g of a grouping, with S the selected dossiers and R the random stratum:
///
/// ```
/// selection rate      P(S | g)                          parity ratio  = rate_g / rate_ref
/// hit rate            P(y = 1 | S, g, y known)           predictive parity ratio
/// false positive rate P(S | y = 0, g, R)                ratio to the reference
/// false negative rate P(not S | y = 1, g, R)            ratio to the reference
/// equal burden        (FP_g / FP) / (P_g / P)            FP = selected regular dossiers of R,
///                                                         P = irregular dossiers of R
/// calibration         observed / expected = Σ_R y / Σ_R score
/// score deciles       P(decile d | g), deciles of the whole population's scores
/// ```
///
/// Equal burden is 1 when a group bears wrongful controls in proportion to its share of real
/// errors; above 1 it carries more than its share. A ratio is reported as a **disparity** when its
/// interval excludes 1 and its value lies outside [0.8, 1.25] (the four-fifths convention): both
/// conditions, so that neither noise nor a negligible gap raises an alarm.
///
/// The bootstrap resamples dossiers with replacement, keeping each one's selection; replicate b
/// uses its own stream (seed, b), so intervals do not depend on the thread count.
public enum GroupAudit {
    public enum Metric: String, CaseIterable, Sendable {
        case share, selectionRate, selectionRatio, hitRate, hitRateRatio
        case falsePositiveRate, falsePositiveRatio, falseNegativeRate, falseNegativeRatio
        case equalBurden, meanScore, observedRate, calibrationRatio
    }

    public struct Options: Sendable {
        public var minimumCell: Int
        public var replicates: Int
        /// Told the replicates done.
        public var progress: ProgressHandler?
        public var seed: UInt64
        public var level: Double
        public var threads: Int
        /// A ratio outside [1/band, band] whose interval excludes 1 is a disparity.
        public var disparityBand: Double
        public init(minimumCell: Int = 30, replicates: Int = 200, seed: UInt64 = 1, level: Double = 0.95,
                    threads: Int = Parallelism.defaultThreads, disparityBand: Double = 1.25) {
            self.minimumCell = minimumCell; self.replicates = replicates; self.seed = seed; self.level = level
            self.threads = threads; self.disparityBand = disparityBand
        }
    }

    // Per-cell sums; a bootstrap replicate recomputes them with each row counted as often as drawn.
    private enum Sum: Int, CaseIterable {
        case rows, selected, selectedKnown, selectedHits, randomNegatives, falsePositives, randomPositives, falseNegatives, randomRows, randomScore
        // Dossiers, unweighted, for suppression.
        case randomRowsCount, randomNegativesCount, randomPositivesCount
    }
    private static let sums = Sum.allCases.count
    private static let width = sums + 10

    /// Cut points of the population's score deciles; decile 1 holds the highest scores.
    static func decileOf(_ scores: [Double]) -> [UInt8] {
        let sorted = scores.sorted()
        let cuts = (1...9).map { sorted[min(sorted.count - 1, Int(Double(sorted.count) * Double($0) / 10))] }
        return scores.map { s in UInt8(10 - cuts.filter { s >= $0 }.count) }
    }

    private static func accumulate(_ p: AuditPopulation, _ g: Grouping, deciles: [UInt8], multiplicity: [UInt32]?) -> [Double] {
        var t = [Double](repeating: 0, count: g.levels.count * width)
        for r in 0..<p.count {
            let m = multiplicity.map { Double($0[r]) } ?? 1
            if m == 0 { continue }
            let base = Int(g.codes[r]) * width
            let y = p.outcomes[r], s = p.selected[r]
            t[base + Sum.rows.rawValue] += m
            t[base + sums + Int(deciles[r]) - 1] += m
            if s {
                t[base + Sum.selected.rawValue] += m
                if !y.isNaN { t[base + Sum.selectedKnown.rawValue] += m; t[base + Sum.selectedHits.rawValue] += m * y }
            }
            if p.randomStratum[r] && !y.isNaN {
                let hw = m * (p.randomWeights?[r] ?? 1)
                t[base + Sum.randomRows.rawValue] += hw
                t[base + Sum.randomRowsCount.rawValue] += m
                t[base + Sum.randomScore.rawValue] += hw * p.scores[r]
                if y == 1 {
                    t[base + Sum.randomPositives.rawValue] += hw
                    t[base + Sum.randomPositivesCount.rawValue] += m
                    if !s { t[base + Sum.falseNegatives.rawValue] += hw }
                } else {
                    t[base + Sum.randomNegatives.rawValue] += hw
                    t[base + Sum.randomNegativesCount.rawValue] += m
                    if s { t[base + Sum.falsePositives.rawValue] += hw }
                }
            }
        }
        return t
    }

    /// Every metric of every cell from the sums; NaN where a denominator is zero.
    private static func metrics(_ t: [Double], cells: Int, reference: Int) -> [[Double]] {
        func v(_ c: Int, _ s: Sum) -> Double { t[c * width + s.rawValue] }
        func total(_ s: Sum) -> Double { (0..<cells).reduce(0) { $0 + v($1, s) } }
        let rows = total(.rows), fp = total(.falsePositives), pos = total(.randomPositives)
        func rate(_ c: Int) -> [Double] {
            [v(c, .selected) / v(c, .rows), v(c, .selectedHits) / v(c, .selectedKnown),
             v(c, .falsePositives) / v(c, .randomNegatives), v(c, .falseNegatives) / v(c, .randomPositives)]
        }
        let ref = rate(reference)
        return (0..<cells).map { c in
            let r = rate(c)
            let meanScore = v(c, .randomScore) / v(c, .randomRows), observed = v(c, .randomPositives) / v(c, .randomRows)
            var out = [v(c, .rows) / rows, r[0], r[0] / ref[0], r[1], r[1] / ref[1], r[2], r[2] / ref[2], r[3], r[3] / ref[3],
                       (v(c, .falsePositives) / fp) / (v(c, .randomPositives) / pos), meanScore, observed, observed / meanScore]
            for d in 0..<10 { out.append(t[c * width + sums + d] / v(c, .rows)) }
            return out
        }
    }

    /// The denominator of each metric (the smaller of the cell's and the reference's for ratios).
    private static func denominators(_ t: [Double], cell c: Int, reference: Int) -> [Double] {
        func v(_ c: Int, _ s: Sum) -> Double { t[c * width + s.rawValue] }
        let rows = v(c, .rows), known = v(c, .selectedKnown), neg = v(c, .randomNegativesCount), pos = v(c, .randomPositivesCount)
        let rr = v(reference, .rows), rk = v(reference, .selectedKnown), rn = v(reference, .randomNegativesCount), rp = v(reference, .randomPositivesCount)
        let random = v(c, .randomRowsCount)
        return [rows, rows, min(rows, rr), known, min(known, rk), neg, min(neg, rn), pos, min(pos, rp), pos, random, random, random]
            + [Double](repeating: rows, count: 10)
    }

    public static func run(_ p: AuditPopulation, groupings: [Grouping], options: Options = Options()) -> [AuditGrouping] {
        let deciles = decileOf(p.scores)
        let n = p.count
        // One multiplicity vector per replicate, shared by every grouping.
        let draws: [[[Double]]] = Resampling.replicates(options.replicates, threads: options.threads, progress: options.progress) { b in
            var rng = SplitMix64(seed: options.seed, index: UInt64(b))
            var m = [UInt32](repeating: 0, count: n)
            for _ in 0..<n { m[Int(rng.next() % UInt64(n))] += 1 }
            return groupings.map { g in metrics(accumulate(p, g, deciles: deciles, multiplicity: m), cells: g.levels.count, reference: g.reference).flatMap { $0 } }
        }
        let alpha = (1 - options.level) / 2, minimum = Double(options.minimumCell)
        return groupings.enumerated().map { gi, g in
            let t = accumulate(p, g, deciles: deciles, multiplicity: nil)
            let estimates = metrics(t, cells: g.levels.count, reference: g.reference)
            let perCell = Metric.allCases.count + 10
            var groups: [AuditGroup] = []
            for c in g.levels.indices {
                let rows = t[c * width + Sum.rows.rawValue]
                guard rows >= minimum else {
                    groups.append(AuditGroup(level: g.levels[c], count: nil, suppressed: true, isReference: c == g.reference,
                                             metrics: [:], deciles: [], findings: []))
                    continue
                }
                let denominators = denominators(t, cell: c, reference: g.reference)
                var values: [AuditMetric] = []
                for k in 0..<perCell {
                    let estimate = estimates[c][k]
                    guard denominators[k] >= minimum, estimate.isFinite else { values.append(.hidden); continue }
                    let replicates = draws.map { $0[gi][c * perCell + k] }.filter(\.isFinite).sorted()
                    values.append(AuditMetric(value: estimate,
                                              lower: replicates.isEmpty ? nil : Resampling.quantile(replicates, alpha),
                                              upper: replicates.isEmpty ? nil : Resampling.quantile(replicates, 1 - alpha),
                                              denominator: denominators[k], suppressed: false))
                }
                var named: [String: AuditMetric] = [:]
                var findings: [String] = []
                for (k, metric) in Metric.allCases.enumerated() {
                    named[metric.rawValue] = values[k]
                    if ratioMetrics.contains(metric), let finding = disparity(metric, values[k], band: options.disparityBand) {
                        findings.append(finding)
                    }
                }
                groups.append(AuditGroup(level: g.levels[c], count: Int(rows), suppressed: false, isReference: c == g.reference,
                                         metrics: named, deciles: Array(values[Metric.allCases.count...]), findings: findings))
            }
            return AuditGrouping(name: g.name, reference: g.levels[g.reference], groups: groups)
        }
    }

    /// The metrics that compare a cell with a reference (1 = parity).
    public static let ratioMetrics: Set<Metric> = [.selectionRatio, .hitRateRatio, .falsePositiveRatio, .falseNegativeRatio, .equalBurden, .calibrationRatio]

    public static func isDisparity(_ m: AuditMetric, band: Double = 1.25) -> Bool {
        guard let v = m.value, let lo = m.lower, let hi = m.upper else { return false }
        return (lo > 1 || hi < 1) && (v > band || v < 1 / band)
    }

    static func disparity(_ metric: Metric, _ m: AuditMetric, band: Double) -> String? {
        guard isDisparity(m, band: band), let v = m.value, let lo = m.lower, let hi = m.upper else { return nil }
        func n(_ x: Double) -> String { String(format: "%.2f", x).replacingOccurrences(of: ".", with: ",") }
        let interval = "(IC 95 % \(n(lo))–\(n(hi)))"
        let what: String
        switch metric {
        case .selectionRatio: what = "taux de sélection"
        case .hitRateRatio: what = "taux de succès parmi les sélectionnés"
        case .falsePositiveRatio: what = "taux de faux positifs (strate aléatoire)"
        case .falseNegativeRatio: what = "taux de faux négatifs (strate aléatoire)"
        case .equalBurden: return "porte \(n(v))× sa part des contrôles à tort \(interval)"
        case .calibrationRatio: return "irrégularités observées / attendues \(n(v)) \(interval) : score mal calibré pour ce groupe"
        default: return nil
        }
        return "\(what) \(n(v))× celui de la référence \(interval)"
    }
}
