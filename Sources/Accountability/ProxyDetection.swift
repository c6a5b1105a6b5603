import Dossiers
import Evaluation
import Foundation
import RiskModel

/// The proxy check: a model that never sees a sensitive attribute can still select on it through an
/// input that predicts it (living alone predicts single parenthood; a neighbourhood predicts origin).
///
/// For every input j and every level a of every sensitive attribute, the check measures how well j
/// alone separates the dossiers with level a from the others, as the (weighted) AUC of a
/// one-variable model fitted on the training rows:
///
/// - numeric input: the value itself. A one-variable logistic model is monotone in x, so its AUC
///   is AUC(x) or 1 − AUC(x), whichever is larger;
/// - categorical or binned input: the saturated one-variable model, whose prediction for a row is
///   the weighted rate of a among the rows with the same level.
///
/// AUC 0.5 is no information; the threshold (0.70 by default) flags inputs that rank dossiers by the
/// attribute about as well as a usable score ranks them by risk. Inputs are flagged, not removed:
/// whether a proxy is justified is a human decision, recorded in the model card.
public enum ProxyDetection {
    /// Above this many training rows, an evenly spaced subsample of this size is used.
    public static let maximumRows = 200_000
    /// An attribute with more distinct values is not a group variable; it is skipped.
    public static let maximumLevels = 30

    /// Reads the sensitive columns of the training file for the rows `data` used, and measures every input against them.
    public static func run(data: TrainingData, path: String, format: CSVFormat = CSVFormat(), threshold: Double = 0.7) throws -> ProxyCheck? {
        guard let sample = try data.sensitiveSample ?? sample(data: data, path: path, format: format), !sample.attributes.isEmpty else { return nil }
        let sensitive = sample.attributes, keep = sample.rows, values = sample.values
        let weights = keep.map { data.weights?[$0] ?? 1 }
        var inputs: [(name: String, key: [Double])] = []
        let p = data.design.columns
        for (f, range) in zip(data.encoding.features, data.encoding.termRanges) {
            let offset = range.lowerBound, width = range.count
            let key: [Double] = keep.map { r in
                let row = data.design.storage[(r * p + offset)..<(r * p + offset + width)]
                if width == 1 { return row.first! }
                return Double(row.firstIndex(where: { $0 != 0 }).map { $0 - (r * p + offset) + 1 } ?? 0)  // 0 = reference level
            }
            inputs.append((f.name, key))
        }
        let categorical = Set(data.encoding.features.filter { $0.termNames.count > 1 || $0.kind == .categorical }.map(\.name))
        var findings: [ProxyFinding] = []
        for (a, attribute) in sensitive.enumerated() {
            let levels = Set(values.map { $0[a] }).sorted()
            guard levels.count >= 2, levels.count <= maximumLevels else { continue }
            for input in inputs {
                var best = ProxyFinding(input: input.name, attribute: attribute, level: levels[0], auc: 0.5, flagged: false)
                // With two levels, one-vs-rest of either gives the same AUC; test one.
                for level in levels.count == 2 ? [levels[1]] : levels {
                    let y = values.map { $0[a] == level ? 1.0 : 0.0 }
                    let auc = oneVariableAUC(input.key, y, weights, categorical: categorical.contains(input.name))
                    if auc > best.auc { best.auc = auc; best.level = level }
                }
                best.flagged = best.auc >= threshold
                findings.append(best)
            }
        }
        findings.sort { ($0.auc, $1.input, $1.attribute) > ($1.auc, $0.input, $0.attribute) }
        return ProxyCheck(threshold: threshold, rows: keep.count, attributes: sensitive, findings: findings)
    }

    /// The sensitive columns of the training file for an evenly spaced subsample of the rows `data`
    /// used (at most `maximumRows`): what the check needs besides the design matrix, kept in a
    /// training cache so that training from it needs no CSV. nil without a feature spec.
    public static func sample(data: TrainingData, path: String, format: CSVFormat = CSVFormat()) throws -> SensitiveSample? {
        guard let spec = data.featureSpec else { return nil }
        let reader = try CSVReader(path: path, format: format)
        let sensitive = spec.columns(.sensitive).map(\.name).filter { reader.header.contains($0) && !data.encoding.features.map(\.name).contains($0) }
        guard !sensitive.isEmpty else { return SensitiveSample(attributes: [], rows: [], values: []) }
        let columns = sensitive.map { reader.header.firstIndex(of: $0)! }
        let step = max(1, (data.lines.count + maximumRows - 1) / maximumRows)
        let keep = stride(from: 0, to: data.lines.count, by: step).map { $0 }
        var wanted = Set(keep.map { data.lines[$0] })
        var byLine: [Int: [String]] = [:]
        while !wanted.isEmpty, try reader.next() {
            guard wanted.remove(reader.line) != nil else { continue }
            byLine[reader.line] = try columns.map { try reader.string($0).trimmingSpaces }
        }
        return SensitiveSample(attributes: sensitive, rows: keep, values: keep.map { byLine[data.lines[$0]]! })
    }

    /// AUC of the best one-variable model of `y` on `x` (see the type's comment).
    public static func oneVariableAUC(_ x: [Double], _ y: [Double], _ w: [Double], categorical: Bool) -> Double {
        var scores = x
        if categorical {
            var hits: [Double: Double] = [:], totals: [Double: Double] = [:]
            for i in x.indices { hits[x[i], default: 0] += w[i] * y[i]; totals[x[i], default: 0] += w[i] }
            scores = x.map { hits[$0]! / totals[$0]! }
        }
        let auc = Metrics.auc(ScoredSample(scores: scores, outcomes: y, weights: w))
        return auc.isNaN ? 0.5 : max(auc, 1 - auc)
    }
}
