import Dossiers
import Foundation
import RiskModel

/// Population stability: how far a new month's scores and inputs have moved from a reference.
///
/// PSI = Σ_b (c_b − r_b)·ln(c_b / r_b) over bins b, with r_b and c_b the reference and current shares
/// (each floored at 1e-4 so that an empty bin stays finite). Numeric columns use the reference's
/// deciles as cut points; categorical columns use their levels. Usual reading: below 0.1 stable,
/// 0.1 to 0.25 a moderate shift to watch, 0.25 or more a major shift that calls for review.
public enum Drift {
    public struct Item: Codable, Equatable, Sendable {
        public var name: String
        public var psi: Double
        public var verdict: String
    }

    public static func verdict(_ psi: Double) -> String {
        psi < 0.1 ? "stable" : psi < 0.25 ? "moderate shift: watch" : "major shift: review the model"
    }

    static func psi(referenceCounts r: [Double], currentCounts c: [Double]) -> Double {
        let rt = max(1, r.reduce(0, +)), ct = max(1, c.reduce(0, +))
        var total = 0.0
        for b in r.indices {
            let rs = max(r[b] / rt, 1e-4), cs = max(c[b] / ct, 1e-4)
            total += (cs - rs) * log(cs / rs)
        }
        return total
    }

    /// PSI of a numeric variable, bins at the reference's deciles.
    public static func psi(reference: [Double], current: [Double], bins: Int = 10) -> Double {
        let cuts = quantileCuts(reference, bins: bins)
        var r = [Double](repeating: 0, count: cuts.count + 1), c = r
        for v in reference { r[FeatureEncoding.bin(v, cuts: cuts)] += 1 }
        for v in current { c[FeatureEncoding.bin(v, cuts: cuts)] += 1 }
        return psi(referenceCounts: r, currentCounts: c)
    }

    /// PSI of a categorical variable over the union of its levels.
    public static func psi(reference: [String], current: [String]) -> Double {
        let levels = Array(Set(reference).union(current)).sorted()
        let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        var r = [Double](repeating: 0, count: levels.count), c = r
        for v in reference { r[index[v]!] += 1 }
        for v in current { c[index[v]!] += 1 }
        return psi(referenceCounts: r, currentCounts: c)
    }

    /// The score and every input column of `model`, read from two files.
    public static func monitor(model: ModelArtifact, reference: String, current: String, format: CSVFormat = CSVFormat()) throws -> [Item] {
        func read(_ path: String) throws -> (scores: [Double], numeric: [[Double]], text: [[String]]) {
            let reader = try CSVReader(path: path, format: format)
            let encoder = try DesignRowEncoder(encoding: model.encoding, reader: reader)
            let columns = model.encoding.features.map { reader.header.firstIndex(of: $0.name)! }
            var row = [Double](repeating: 0, count: encoder.width)
            var scores: [Double] = []
            var numeric = [[Double]](repeating: [], count: columns.count), text = [[String]](repeating: [], count: columns.count)
            while try reader.next() {
                try row.withUnsafeMutableBufferPointer { try encoder.encodeCurrentRecord(into: $0.baseAddress!) }
                scores.append(Scorer.probability(row: row, coefficients: model.estimates))
                for (k, f) in model.encoding.features.enumerated() {
                    if f.kind == .categorical && f.cuts == nil { text[k].append(try reader.level(columns[k], missing: f.missing)) }
                    else { numeric[k].append(try reader.value(columns[k], type: f.valueType ?? .numeric, missing: f.missing)) }
                }
            }
            return (scores, numeric, text)
        }
        let r = try read(reference), c = try read(current)
        var items = [Item(name: "score", psi: psi(reference: r.scores, current: c.scores), verdict: "")]
        for (k, f) in model.encoding.features.enumerated() {
            let value = f.kind == .categorical && f.cuts == nil ? psi(reference: r.text[k], current: c.text[k]) : psi(reference: r.numeric[k], current: c.numeric[k])
            items.append(Item(name: f.name, psi: value, verdict: ""))
        }
        return items.map { Item(name: $0.name, psi: $0.psi, verdict: verdict($0.psi)) }
    }
}
