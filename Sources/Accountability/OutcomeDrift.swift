import CiblageSupport
import Dossiers
import Evaluation
import Foundation
import LinearAlgebra
import RiskModel

/// Drift of what the model is for, measured on closed controls of the random stratum (the only
/// outcomes not shaped by the model's own choices):
///
/// - **hit rate**: the irregularity rate of the random stratum, Σ(y/π) / Σ(1/π), against the
///   training prevalence. A change means the population or the law moved under the model.
/// - **calibration**: observed over expected, Σ(y/π) / Σ(score/π), overall and by score quintile.
///   Above 1 the model underestimates risk; below 1 it overestimates it.
///
/// Intervals are percentile bootstraps of the closed random controls. A verdict says "drift" only
/// when the interval of a ratio excludes 1; fewer than `minimumControls` controls give no verdict.
public enum OutcomeDrift {
    public struct Item: Codable, Equatable, Sendable {
        public var name: String
        public var value: Double?
        public var lower: Double?
        public var upper: Double?
        public var reference: Double?
        public var verdict: String
    }

    public struct Report: Codable, Equatable, Sendable {
        public var closedControls: Int
        public var randomControls: Int
        public var items: [Item]
    }

    /// The names of `items`: the hit rate first, then the overall calibration and its quintiles.
    static let hitRateName = "hit rate", calibrationName = "calibration (observed/expected)"
    static func quintileName(_ q: Int) -> String { "calibration, score quintile \(q) of 5" }

    public static let minimumControls = 30

    /// Reads a closed-controls file (as written by `ciblage queue export`: cible, score, provenance,
    /// proba_inclusion) and measures drift against the model's training prevalence.
    public static func measure(model: ModelArtifact, closed path: String, outcome: String = "cible", replicates: Int = 500, seed: UInt64 = 1,
                               format: CSVFormat = CSVFormat()) throws -> Report {
        let reader = try CSVReader(path: path, format: format)
        func index(_ name: String) throws -> Int {
            guard let i = reader.header.firstIndex(of: name) else { throw DataError.unknownColumn(file: path, name: name, available: reader.header) }
            return i
        }
        let y = try index(outcome)
        let s = try index("score"), prov = try index("provenance"), pi = try index("proba_inclusion")
        var scores: [Double] = [], outcomes: [Double] = [], weights: [Double] = []
        var closed = 0
        while try reader.next() {
            closed += 1
            guard try reader.string(prov).trimmingSpaces == "random" else { continue }
            let p = try reader.weight(pi)
            guard p > 0 && p <= 1 else {
                throw DataError.invalidInclusionProbability(file: path, line: reader.line, column: reader.columnName(pi), value: String(p))
            }
            let score = try reader.number(s)
            guard score >= 0 && score <= 1 else { throw DataError.notANumber(file: path, line: reader.line, column: "score", value: "\(score) (expected a probability in [0, 1])") }
            scores.append(score); outcomes.append(try reader.binaryTarget(y)); weights.append(1 / p)
        }
        let prevalence = model.fit.weightedPositives / model.fit.sumWeights
        return Report(closedControls: closed, randomControls: scores.count,
                      items: items(scores: scores, outcomes: outcomes, weights: weights, trainingPrevalence: prevalence,
                                   replicates: replicates, seed: seed))
    }

    /// The drift items from closed random controls (scores, 0/1 outcomes, weights 1/π).
    public static func items(scores: [Double], outcomes: [Double], weights: [Double], trainingPrevalence: Double,
                             replicates: Int = 500, seed: UInt64 = 1) -> [Item] {
        let n = scores.count
        guard n >= minimumControls else {
            let verdict = "no verdict: \(n) closed random controls, at least \(minimumControls) are needed"
            return [Item(name: hitRateName, value: nil, lower: nil, upper: nil, reference: trainingPrevalence, verdict: verdict),
                    Item(name: calibrationName, value: nil, lower: nil, upper: nil, reference: 1, verdict: verdict)]
        }
        // Quintiles of the score among these controls.
        let sorted = scores.sorted()
        let cuts = (1...4).map { sorted[n * $0 / 5] }
        let quintile = scores.map { s in cuts.filter { s >= $0 }.count }
        @Sendable func statistics(_ m: [Double]?) -> [Double] {
            var w = 0.0, wy = 0.0, ws = 0.0
            var qy = [Double](repeating: 0, count: 5), qs = qy
            for i in 0..<n {
                let k = (m?[i] ?? 1) * weights[i]
                w += k; wy += k * outcomes[i]; ws += k * scores[i]
                qy[quintile[i]] += k * outcomes[i]; qs[quintile[i]] += k * scores[i]
            }
            return [wy / w, wy / ws] + (0..<5).map { qy[$0] / qs[$0] }
        }
        let estimate = statistics(nil)
        let draws = Resampling.replicates(replicates, threads: Parallelism.defaultThreads) { b in
            var rng = SplitMix64(seed: seed, index: UInt64(b))
            var m = [Double](repeating: 0, count: n)
            for _ in 0..<n { m[Int(rng.next() % UInt64(n))] += 1 }
            return statistics(m)
        }
        func interval(_ k: Int) -> (Double?, Double?) {
            let v = draws.map { $0[k] }.filter(\.isFinite).sorted()
            return v.isEmpty ? (nil, nil) : (Resampling.quantile(v, 0.025), Resampling.quantile(v, 0.975))
        }
        var items: [Item] = []
        let (hlo, hhi) = interval(0)
        var hitRate = Item(name: hitRateName, value: estimate[0], lower: hlo, upper: hhi, reference: trainingPrevalence, verdict: "")
        hitRate.verdict = hitRate.drifts
            ? String(format: "drift: the random stratum's irregularity rate is %.1f%% against %.1f%% at training; retrain or review the target",
                     100 * estimate[0], 100 * trainingPrevalence)
            : "stable: the training prevalence is inside the interval"
        items.append(hitRate)
        for k in 1..<7 {
            let (lo, hi) = interval(k)
            var item = Item(name: k == 1 ? calibrationName : quintileName(k - 1), value: estimate[k].isFinite ? estimate[k] : nil,
                            lower: lo, upper: hi, reference: 1, verdict: "")
            item.verdict = !item.drifts ? "calibrated: 1 is inside the interval"
                : "drift: the score \(estimate[k] > 1 ? "underestimates" : "overestimates") risk (observed "
                    + String(format: "%.2f", estimate[k]) + "× expected); recalibrate or retrain"
            items.append(item)
        }
        return items
    }
}

extension OutcomeDrift.Item {
    /// Whether the interval excludes the reference: the one rule behind every verdict, English or French.
    var drifts: Bool {
        guard let lower, let upper, let reference else { return false }
        return lower > reference || upper < reference
    }

    /// The French names of the items `OutcomeDrift.items` writes.
    static let frenchNames: [String: String] = Dictionary(uniqueKeysWithValues:
        [(OutcomeDrift.hitRateName, "taux d'irrégularité du tirage aléatoire"), (OutcomeDrift.calibrationName, "calibrage (observé/attendu)")]
        + (1...5).map { (OutcomeDrift.quintileName($0), "calibrage, quintile de score \($0) sur 5") })

    /// The item's name and verdict in French, for the deployer's monitoring report (the CLI and the
    /// JSON keep the English `name` and `verdict`), read off the item's numbers by `drifts`, the rule
    /// that wrote `verdict`, the direction by the value.
    public func french(randomControls: Int) -> (name: String, verdict: String) {
        let frenchName = Self.frenchNames[name] ?? name
        func decimal(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v).replacingOccurrences(of: ".", with: ",") }
        guard randomControls >= OutcomeDrift.minimumControls else {
            return (frenchName, "pas de verdict : \(randomControls) contrôles aléatoires clos, il en faut au moins \(OutcomeDrift.minimumControls)")
        }
        guard let value, let reference else { return (frenchName, "pas de verdict : aucune estimation (pas de contrôle aléatoire clos ici)") }
        switch (name == OutcomeDrift.hitRateName, drifts) {
        case (true, true):
            return (frenchName, "dérive : le taux d'irrégularité du tirage aléatoire est de \(decimal(100 * value, 1)) % contre \(decimal(100 * reference, 1)) % à l'apprentissage ; réentraîner ou revoir la cible")
        case (true, false): return (frenchName, "stable : la prévalence d'apprentissage est dans l'intervalle")
        case (false, true):
            return (frenchName, "dérive : le score \(value > 1 ? "sous-estime" : "surestime") le risque (observé \(decimal(value, 2)) × l'attendu) ; recalibrer ou réentraîner")
        case (false, false): return (frenchName, "calibré : 1 est dans l'intervalle")
        }
    }
}
