import CiblageSupport
import Foundation
import Testing
@testable import Accountability

/// The audit on a stratified random draw (as the PBDF's): weighted by 1/π it estimates the
/// population's rates; taken as an equal-probability draw it reports the sample's, visibly wrong.
@Suite struct StratifiedDrawTests {
    /// 200,000 dossiers in two groups (B has more high scores); every outcome drawn from its score,
    /// so the population's true rates are known. The random stratum over-samples high scores:
    /// π = 0.2 for scores ≥ 0.3, π = 0.01 below. Selection: the top 10% of scores.
    struct Draw {
        var population: AuditPopulation
        var grouping: Grouping
        var truth: [(falsePositiveRate: Double, observedRate: Double)]
        var pi: [Double]
    }

    static func draw(seed: UInt64) -> Draw {
        var g = SplitMix64(seed: seed)
        let n = 200_000
        var scores: [Double] = [], outcomes: [Double] = [], random: [Bool] = [], codes: [Int32] = [], pi: [Double] = []
        for _ in 0..<n {
            let group: Int32 = g.uniform() < 0.6 ? 0 : 1
            let eta = -2.2 + (group == 1 ? 0.6 : 0) + 1.1 * g.normal()
            let score = 1 / (1 + exp(-eta))
            let y: Double = g.uniform() < score ? 1 : 0
            let p = score >= 0.3 ? 0.2 : 0.01
            scores.append(score); outcomes.append(y); codes.append(group); pi.append(p)
            random.append(g.uniform() < p)
        }
        let selected = AuditPopulation.topK(scores, n / 10)
        var truth: [(Double, Double)] = []
        for c in Int32(0)...1 {
            let rows = (0..<n).filter { codes[$0] == c }
            let regular = rows.filter { outcomes[$0] == 0 }
            truth.append((Double(regular.filter { selected[$0] }.count) / Double(regular.count),
                          rows.reduce(0) { $0 + outcomes[$1] } / Double(rows.count)))
        }
        // Outside the stratum the outcome is not known (never controlled).
        let known = (0..<n).map { random[$0] ? outcomes[$0] : .nan }
        return Draw(population: AuditPopulation(scores: scores, selected: selected, outcomes: known, randomStratum: random),
                    grouping: Grouping(name: "groupe", levels: ["A", "B"], codes: codes, reference: 0),
                    truth: truth.map { (falsePositiveRate: $0.0, observedRate: $0.1) }, pi: pi)
    }

    static func metric(_ r: AuditGrouping, _ cell: Int, _ m: GroupAudit.Metric) -> Double {
        r.groups[cell].metrics[m.rawValue]?.value ?? .nan
    }

    @Test func weightingByInverseInclusionEstimatesThePopulationsRates() {
        let d = Self.draw(seed: 4)
        var weighted = d.population
        weighted.randomWeights = d.pi.map { 1 / $0 }
        let options = GroupAudit.Options(minimumCell: 30, replicates: 100, seed: 2, threads: 2)
        let plain = GroupAudit.run(d.population, groupings: [d.grouping], options: options)[0]
        let fixed = GroupAudit.run(weighted, groupings: [d.grouping], options: options)[0]
        for cell in 0..<2 {
            let truth = d.truth[cell]
            let fpr = Self.metric(fixed, cell, .falsePositiveRate), naiveFPR = Self.metric(plain, cell, .falsePositiveRate)
            let rate = Self.metric(fixed, cell, .observedRate), naiveRate = Self.metric(plain, cell, .observedRate)
            print("cell \(cell): false positive rate truth \(truth.falsePositiveRate), weighted \(fpr), unweighted \(naiveFPR); "
                  + "irregularity rate truth \(truth.observedRate), weighted \(rate), unweighted \(naiveRate)")
            #expect(abs(fpr - truth.falsePositiveRate) <= 0.15 * truth.falsePositiveRate)
            #expect(abs(rate - truth.observedRate) <= 0.1 * truth.observedRate)
            // The equal-probability reading is far off: the stratum over-represents high scores.
            #expect(naiveFPR > 2 * truth.falsePositiveRate)
            #expect(naiveRate > 1.5 * truth.observedRate)
            // The weighted interval covers the truth.
            let interval = fixed.groups[cell].metrics[GroupAudit.Metric.falsePositiveRate.rawValue]!
            #expect(interval.lower! <= truth.falsePositiveRate && truth.falsePositiveRate <= interval.upper!)
        }
    }

    /// Suppression counts dossiers, not weights: 40 drawn dossiers with π = 0.01 stand for 4,000,
    /// but rates over them are still too few to report with a minimum of 50 (the cell of 100
    /// dossiers is reported).
    @Test func suppressionCountsDossiersNotWeights() {
        let n = 100
        let p = AuditPopulation(scores: (0..<n).map { Double($0) / Double(n) }, selected: (0..<n).map { $0 >= 70 },
                                outcomes: (0..<n).map { $0 % 3 == 0 ? 1 : 0 }, randomStratum: (0..<n).map { $0 % 5 < 2 },
                                randomWeights: [Double](repeating: 100, count: n))
        let r = GroupAudit.run(p, groupings: [Grouping(name: "g", levels: ["A"], codes: [Int32](repeating: 0, count: n), reference: 0)],
                               options: .init(minimumCell: 50, replicates: 10, threads: 1))[0]
        let cell = r.groups[0]
        #expect(!cell.suppressed && cell.count == n)
        #expect(cell.metrics[GroupAudit.Metric.selectionRate.rawValue]?.suppressed == false)
        for m: GroupAudit.Metric in [.falsePositiveRate, .falseNegativeRate, .observedRate, .calibrationRatio] {
            #expect(cell.metrics[m.rawValue]?.suppressed == true, "\(m.rawValue)")
        }
    }
}
