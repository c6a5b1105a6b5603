import CiblageSupport
import Dossiers
import Foundation
import RiskModel
import Yams

/// A profile written by hand ("a single mother working part-time with AAH") and the single-attribute
/// edits to try on it. The audit re-scores the profile after each edit and reports how far the
/// score and the rank in the audited population move: counterfactual fairness made concrete.
///
/// ```yaml
/// archetypes:
///   - name: Mère isolée à temps partiel avec AAH
///     profile: {parent_isole: 1, sexe_titulaire: F, nb_enfants: 2, moyenne_aah_12m: 900, ...}
///     edits:
///       parent_isole: [0]
///       sexe_titulaire: [M]
/// ```
///
/// `profile` must give every model input; sensitive attributes may be given too. An edit of a
/// column the model does not use cannot change the score, and the report says so.
public struct Archetype: Codable, Equatable, Sendable {
    public var name: String
    public var profile: [String: String]
    public var edits: [String: [String]]

    public init(name: String, profile: [String: String], edits: [String: [String]]) {
        self.name = name; self.profile = profile; self.edits = edits
    }

    private struct File: Codable { var archetypes: [Archetype] }

    public static func load(path: String) throws -> [Archetype] {
        let text: String
        do { text = try WholeFile.text(path) } catch {
            throw AuditError.invalidFile(file: path, reason: "cannot read the file: \(error.reason)")
        }
        do {
            let list = try YAMLDecoder().decode(File.self, from: text).archetypes
            guard !list.isEmpty else { throw AuditError.invalidFile(file: path, reason: "'archetypes' is empty") }
            return list
        } catch let e as AuditError { throw e } catch {
            throw AuditError.invalidFile(file: path, reason: "expected 'archetypes:' as a list of {name, profile: {column: value}, edits: {column: [values]}}: \(error)")
        }
    }
}

public struct ArchetypeVariant: Codable, Equatable, Sendable {
    public var column: String
    public var from: String
    public var to: String
    public var isModelInput: Bool
    public var score: Double
    public var scoreChange: Double
    public var rank: Int
    /// Positive: the edited profile moves up the list (towards control).
    public var placesGained: Int
}

public struct ArchetypeResult: Codable, Equatable, Sendable {
    public var name: String
    public var score: Double
    /// 1 + number of audited dossiers with a higher score.
    public var rank: Int
    /// Share of the population ranked above, in percent.
    public var topPercent: Double
    public var variants: [ArchetypeVariant]
}

extension Archetype {
    /// Scores every archetype and each of its edits; ranks are positions among `populationScores`.
    public static func evaluate(_ archetypes: [Archetype], model: ModelArtifact, populationScores: [Double], file: String) throws -> [ArchetypeResult] {
        let sorted = populationScores.sorted()
        func rank(_ s: Double) -> Int {
            var lo = 0, hi = sorted.count  // first index with value > s
            while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] > s { hi = mid } else { lo = mid + 1 } }
            return 1 + sorted.count - lo
        }
        let inputs = Set(model.encoding.features.map(\.name))
        var results: [ArchetypeResult] = []
        for a in archetypes {
            let missing = model.encoding.features.map(\.name).filter { a.profile[$0] == nil }
            guard missing.isEmpty else {
                throw AuditError.invalidFile(file: file, reason: "archetype '\(a.name)': the profile lacks the model inputs \(missing.joined(separator: ", "))")
            }
            var rows = [a.profile]
            var edits: [(String, String)] = []
            for column in a.edits.keys.sorted() {
                for value in a.edits[column]! {
                    var edited = a.profile
                    edited[column] = value
                    rows.append(edited)
                    edits.append((column, value))
                }
            }
            let scores: [Double]
            do { scores = try score(rows, model: model) } catch {
                throw AuditError.invalidFile(file: file, reason: "archetype '\(a.name)': \(error)")
            }
            let base = scores[0], baseRank = rank(base)
            let variants = edits.enumerated().map { k, e in
                ArchetypeVariant(column: e.0, from: a.profile[e.0] ?? "(absent)", to: e.1, isModelInput: inputs.contains(e.0),
                                 score: scores[k + 1], scoreChange: scores[k + 1] - base, rank: rank(scores[k + 1]),
                                 placesGained: baseRank - rank(scores[k + 1]))
            }
            results.append(ArchetypeResult(name: a.name, score: base, rank: baseRank,
                                           topPercent: 100 * Double(baseRank - 1) / Double(max(1, sorted.count)), variants: variants))
        }
        return results
    }

    /// Scores rows given as column → text through the model's own encoder and the one scoring loop
    /// (records built in memory), so that levels, missing values and bins are decoded exactly as in
    /// `ciblage score`.
    static func score(_ rows: [[String: String]], model: ModelArtifact) throws -> [Double] {
        var columns: [String] = []
        for r in rows { for c in r.keys.sorted() where !columns.contains(c) { columns.append(c) } }
        var text = ""
        for r in rows { text += columns.map { csvField(r[$0] ?? "") }.joined(separator: ",") + "\n" }
        try model.encoding.checkColumns(in: columns, file: "archetypes")
        return try CSVReader.withRecords(Array(text.utf8), header: columns, name: "archetypes", format: CSVFormat(delimiter: UInt8(ascii: ","))) { reader in
            var scores: [Double] = []
            try Scorer.scoreRecords(of: reader, model: model, into: &scores, record: { _, _ in },
                                    scored: { _, p, count, scores in scores.append(contentsOf: UnsafeBufferPointer(start: p, count: count)) })
            return scores
        }
    }
}
