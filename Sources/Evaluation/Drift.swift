import CiblageSupport
import Dossiers
import Foundation
import LinearAlgebra
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
    public static func monitor(model: ModelArtifact, reference: String, current: String, format: CSVFormat = CSVFormat(),
                               threads: Int = Parallelism.defaultThreads) throws -> [Item] {
        struct Values { var scores: [Double] = []; var numeric: [[Double]]; var text: [[String]] }
        func read(_ path: String) throws -> Values {
            let records = try ScoredRecords(model: model, path: path, format: format)
            let features = model.encoding.features
            let columns = try features.map { try records.column($0.name) }
            let empty = Values(numeric: Array(repeating: [], count: columns.count), text: Array(repeating: [], count: columns.count))
            var all = empty
            try records.forEachBlock(threads: threads, makePart: { empty },
                record: { reader, part in
                    for (k, f) in features.enumerated() {
                        if f.kind == .categorical && f.cuts == nil { part.text[k].append(try reader.level(columns[k], missing: f.missing)) }
                        else { part.numeric[k].append(try reader.value(columns[k], type: f.valueType ?? .numeric, missing: f.missing)) }
                    }
                },
                scored: { _, p, count, part in part.scores.append(contentsOf: UnsafeBufferPointer(start: p, count: count)) },
                merge: { part in
                    all.scores += part.scores
                    for k in columns.indices { all.numeric[k] += part.numeric[k]; all.text[k] += part.text[k] }
                })
            return all
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
