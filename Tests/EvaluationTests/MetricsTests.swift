import CiblageSupport
import Foundation
import Testing
@testable import Evaluation
@testable import RiskModel

/// Metrics against scikit-learn on the same predictions (scripts/references/make_metric_references.py).
@Suite struct MetricsTests {
    struct Case: Decodable {
        var auc: Double
        var brier: Double
        var logLoss: Double
        var rocFpr: [Double]
        var rocTpr: [Double]
        var rocThresholds: [Double?]
        var hosmerLemeshow: Double?
        var hosmerLemeshowPValue: Double?
    }
    struct Reference: Decodable {
        var scores: [Double]
        var outcomes: [Double]
        var weights: [Double]
        var unweighted: Case
        var weighted: Case
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "References", withExtension: nil)!.appendingPathComponent("metrics.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    @Test(arguments: [false, true])
    func matchScikitLearnWithin1e12(weighted: Bool) {
        let r = Self.reference
        let s = ScoredSample(scores: r.scores, outcomes: r.outcomes, weights: weighted ? r.weights : nil)
        let expected = weighted ? r.weighted : r.unweighted
        #expect(abs(Metrics.auc(s) - expected.auc) < 1e-12)
        #expect(abs(Metrics.brier(s) - expected.brier) < 1e-12)
        #expect(abs(Metrics.logLoss(s) - expected.logLoss) < 1e-12)
        let roc = Metrics.roc(s)
        #expect(roc.count == expected.rocFpr.count)
        for (k, point) in roc.enumerated() where k < expected.rocFpr.count {
            #expect(abs(point.falsePositiveRate - expected.rocFpr[k]) < 1e-12)
            #expect(abs(point.truePositiveRate - expected.rocTpr[k]) < 1e-12)
            if let t = expected.rocThresholds[k] { #expect(point.threshold == t) } else { #expect(point.threshold == .infinity) }
        }
    }

    @Test func hosmerLemeshowMatchesTheReferenceImplementation() {
        let r = Self.reference
        let hl = Metrics.hosmerLemeshow(ScoredSample(scores: r.scores, outcomes: r.outcomes))
        #expect(abs(hl.statistic - r.unweighted.hosmerLemeshow!) < 1e-9)
        #expect(abs(hl.pValue - r.unweighted.hosmerLemeshowPValue!) < 1e-9)
        #expect(hl.degreesOfFreedom == 8 && hl.groups.count == 10)
    }

    @Test func handComputedSmallCases() {
        // Scores 0.9, 0.8 (pos), 0.8, 0.1 (neg): pairs (pos > neg) 0.9>0.8, 0.9>0.1, 0.8>0.1, tie 0.8=0.8 → (3 + 0.5)/4.
        let s = ScoredSample(scores: [0.9, 0.8, 0.8, 0.1], outcomes: [1, 1, 0, 0])
        #expect(Metrics.auc(s) == 3.5 / 4)
        #expect(Metrics.gini(s) == 0.75)
        #expect(Metrics.ks(s) == 0.5)  // after 0.9: tpr 0.5, fpr 0
        let top = Metrics.topK(s, k: 2)
        #expect(top.precision == 1 && top.recall == 1)
        let withAmounts = ScoredSample(scores: [0.9, 0.8, 0.8, 0.1], outcomes: [1, 1, 0, 0], amounts: [100, 300, 0, 0])
        let t1 = Metrics.topK(withAmounts, k: 1)
        #expect(t1.eurosCaptured == 100 && t1.eurosTotal == 400 && t1.recall == 0.5)
        // Weight 2 on a row equals the row twice.
        let twice = ScoredSample(scores: [0.9, 0.9, 0.3, 0.6], outcomes: [1, 1, 0, 1])
        let weighted = ScoredSample(scores: [0.9, 0.3, 0.6], outcomes: [1, 0, 1], weights: [2, 1, 1])
        #expect(Metrics.auc(twice) == Metrics.auc(weighted))
        #expect(Metrics.brier(twice) == Metrics.brier(weighted))
        #expect(Metrics.lift(twice, groups: 2).map(\.cumulativeGain).last == 1)
    }

    @Test func liftAndGainsAreConsistent() {
        let r = Self.reference
        let s = ScoredSample(scores: r.scores, outcomes: r.outcomes, amounts: r.scores.map { $0 * 1000 })
        let lift = Metrics.lift(s)
        #expect(lift.count == 10)
        #expect(abs(lift.last!.cumulativeGain - 1) < 1e-12 && abs(lift.last!.cumulativeEuroShare! - 1) < 1e-12)
        #expect(zip(lift, lift.dropFirst()).allSatisfy { $0.cumulativeGain <= $1.cumulativeGain })
        #expect(lift.first!.lift > 1.5, "the top decile concentrates positives")
        let calibration = Metrics.calibration(s)
        #expect(calibration.reduce(0) { $0 + $1.rows } == s.count)
    }

    @Test func bootstrapIsSeededAndIndependentOfThreads() {
        let r = Self.reference
        let s = ScoredSample(scores: r.scores, outcomes: r.outcomes)
        let metric: @Sendable (ScoredSample) -> [String: Double] = { ["auc": Metrics.auc($0), "brier": Metrics.brier($0)] }
        let a = Resampling.bootstrap(s, replicates: 60, seed: 4, threads: 1, metrics: metric)
        let b = Resampling.bootstrap(s, replicates: 60, seed: 4, threads: 2, metrics: metric)
        let c = Resampling.bootstrap(s, replicates: 60, seed: 5, threads: 2, metrics: metric)
        #expect(a == b)
        #expect(a != c)
        #expect(a["auc"]!.lower < a["auc"]!.estimate && a["auc"]!.estimate < a["auc"]!.upper)
        #expect(a["auc"]!.upper - a["auc"]!.lower < 0.1)
    }

    @Test func stratifiedFoldsKeepThePrevalence() {
        let outcomes = (0..<1000).map { $0 % 7 == 0 ? 1.0 : 0.0 }
        let folds = Resampling.stratifiedFolds(outcomes: outcomes, folds: 5, seed: 3)
        for f in 0..<5 {
            let rows = folds.indices.filter { folds[$0] == f }
            let positives = rows.filter { outcomes[$0] == 1 }.count
            #expect(abs(rows.count - 200) <= 1)
            #expect(abs(positives - 143 / 5) <= 1)
        }
        #expect(folds == Resampling.stratifiedFolds(outcomes: outcomes, folds: 5, seed: 3))
    }
}

/// The radix order of `ScoredSample` is the comparator order it replaced: by score, ties by row.
@Suite struct ScoreOrderTests {
    @Test(arguments: [0, 1, 2, 255, 256, 5000])
    func radixOrderIsTheComparatorOrder(count: Int) {
        var g = SplitMix64(seed: UInt64(count) + 1)
        // Ties (scores on a grid), both zeros, negatives and a wide range of exponents.
        let scores = (0..<count).map { i -> Double in
            switch i % 5 {
            case 0: return Double(g.next() % 20) / 20
            case 1: return i % 2 == 0 ? 0.0 : -0.0
            case 2: return -Double(g.next() % 1000) * 1e-3
            case 3: return g.uniform() * pow(10, Double(Int(g.next() % 40)) - 30)
            default: return g.uniform()
            }
        }
        let s = ScoredSample(scores: scores, outcomes: Array(repeating: 0, count: count))
        #expect(s.orderByDecreasingScore() == (0..<count).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 })
        #expect(s.orderByIncreasingScore() == (0..<count).sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 })
    }
}
