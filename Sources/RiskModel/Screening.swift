import Dossiers
import Foundation

/// Univariate screening: weight of evidence and information value of each input, from quantile bins
/// (numeric) or levels (categorical), as credit-scoring and CAF data scientists use before selection.
///
/// For bin b with nᵇ₀ non-events (target 0) and nᵇ₁ events: WoEᵇ = ln(d₀ᵇ / d₁ᵇ) with dₖᵇ = nₖᵇ / Nₖ
/// (distribution of each class across bins; a count of 0 is replaced by 0.5 so the log stays finite),
/// and IV = Σ_b (d₀ᵇ − d₁ᵇ)·WoEᵇ. Usual reading: IV < 0.02 useless, 0.02–0.1 weak, 0.1–0.3 medium, > 0.3 strong.
public enum Screening {
    public struct Bin: Codable, Equatable, Sendable {
        public var label: String
        public var events: Double
        public var nonEvents: Double
        public var weightOfEvidence: Double
    }

    public struct Variable: Codable, Equatable, Sendable {
        public var name: String
        public var informationValue: Double
        public var bins: [Bin]
    }

    /// Screens every feature of `data` (numeric and boolean: `bins` quantile bins of the design column;
    /// categorical: its levels). Sorted by decreasing information value, ties by name.
    public static func run(_ data: TrainingData, bins: Int = 10) -> [Variable] {
        var out: [Variable] = []
        for (feature, range) in zip(data.encoding.features, data.encoding.termRanges) {
            let column = range.lowerBound, width = range.count
            var groupOf = [Int](repeating: 0, count: data.design.rows)
            var labels: [String]
            if feature.kind == .categorical {
                let levels = feature.levels ?? []
                let terms = levels.filter { $0 != feature.reference }
                labels = [feature.reference ?? ""] + terms
                for i in 0..<data.design.rows {
                    for t in 0..<width where data.design[i, column + t] == 1 { groupOf[i] = t + 1 }
                }
            } else {
                let values = (0..<data.design.rows).map { data.design[$0, column] }
                let cuts = quantileCuts(values, bins: bins)
                labels = cuts.isEmpty ? ["all"] : FeatureEncoding.binLabels(cuts: cuts)
                for i in 0..<values.count { groupOf[i] = cuts.isEmpty ? 0 : FeatureEncoding.bin(values[i], cuts: cuts) }
            }
            var events = [Double](repeating: 0, count: labels.count), nonEvents = events
            for i in 0..<data.design.rows {
                let w = data.weights?[i] ?? 1
                if data.target[i] == 1 { events[groupOf[i]] += w } else { nonEvents[groupOf[i]] += w }
            }
            let totalEvents = events.reduce(0, +), totalNon = nonEvents.reduce(0, +)
            var iv = 0.0
            var binsOut: [Bin] = []
            for b in labels.indices where events[b] + nonEvents[b] > 0 {
                let d0 = max(nonEvents[b], 0.5) / totalNon, d1 = max(events[b], 0.5) / totalEvents
                let woe = log(d0 / d1)
                iv += (d0 - d1) * woe
                binsOut.append(Bin(label: labels[b], events: events[b], nonEvents: nonEvents[b], weightOfEvidence: woe))
            }
            out.append(Variable(name: feature.name, informationValue: iv, bins: binsOut))
        }
        return out.sorted { $0.informationValue != $1.informationValue ? $0.informationValue > $1.informationValue : $0.name < $1.name }
    }

    public static func table(_ variables: [Variable]) -> String {
        var lines = ["Variable                          IV      strength"]
        for v in variables {
            let strength = v.informationValue < 0.02 ? "useless" : v.informationValue < 0.1 ? "weak" : v.informationValue < 0.3 ? "medium" : "strong"
            lines.append(v.name.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%8.4f", v.informationValue) + "  " + strength)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
