import Foundation
import PropertyBased
import Testing
@testable import Dossiers
import LinearAlgebra
@testable import RiskModel

/// Invariants of the maximum-likelihood fit on randomly drawn data sets.
@Suite struct PropertyTests {
    @Test func gradientVanishesAtTheOptimum() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...1_000_000), Gen.int(in: 1...5)) { seed, p in
            let data = simulatedData(rows: 400, features: p, seed: UInt64(seed))
            let model = try LogisticRegression.model(data, options: LogisticRegressionOptions(threads: 1))
            let score = naiveScore(data, model.estimates)
            #expect(score.allSatisfy { abs($0) < 1e-8 * 400 }, "score \(score)")
            #expect(model.fit.converged && model.fit.newtonDecrement <= 1e-10)
        }
    }

    @Test func rescalingAColumnRescalesItsCoefficient() async {
        await propertyCheck(count: 20, input: Gen.int(in: 0...1_000_000), Gen.double(in: 0.01...1000)) { seed, c in
            let data = simulatedData(rows: 300, features: 3, seed: UInt64(seed))
            var scaled = data
            for i in 0..<scaled.design.rows { scaled.design[i, 2] *= c }
            let a = try LogisticRegression.model(data), b = try LogisticRegression.model(scaled)
            #expect(relativeError(b.estimates[2] * c, a.estimates[2]) < 1e-8)
            for j in [0, 1, 3] { #expect(relativeError(b.estimates[j], a.estimates[j]) < 1e-8) }
            #expect(relativeError(b.fit.logLikelihood, a.fit.logLikelihood) < 1e-12)
            #expect(relativeError(b.coefficients[2].stdError! * c, a.coefficients[2].stdError!) < 1e-7)
        }
    }

    @Test func duplicatingRowsEqualsWeightTwo() async {
        await propertyCheck(count: 20, input: Gen.int(in: 0...1_000_000)) { seed in
            let data = simulatedData(rows: 200, features: 2, seed: UInt64(seed))
            // Duplicate every third row, versus giving it weight 2.
            var duplicated = data
            var weighted = data
            weighted.weights = (0..<data.design.rows).map { $0 % 3 == 0 ? 2 : 1 }
            for i in stride(from: 0, to: data.design.rows, by: 3) {
                duplicated.design.appendRow(data.design.row(i))
                duplicated.target.append(data.target[i])
                duplicated.lines.append(data.lines[i])
            }
            let a = try LogisticRegression.model(duplicated), b = try LogisticRegression.model(weighted)
            for j in 0..<3 {
                #expect(relativeError(b.estimates[j], a.estimates[j]) < 1e-9)
                #expect(relativeError(b.coefficients[j].stdError!, a.coefficients[j].stdError!) < 1e-8)
            }
            #expect(relativeError(b.fit.logLikelihood, a.fit.logLikelihood) < 1e-11)
            #expect(b.fit.sumWeights == Double(duplicated.design.rows))
            #expect(relativeError(b.fit.bic, a.fit.bic) < 1e-11)
        }
    }

    @Test func zeroWeightRowsAreIgnored() async {
        await propertyCheck(count: 10, input: Gen.int(in: 0...1_000_000)) { seed in
            let data = simulatedData(rows: 300, features: 2, seed: UInt64(seed))
            var withZeros = data
            withZeros.weights = (0..<300).map { $0 < 250 ? 1 : 0 }
            var truncated = data
            truncated.design = Matrix(rows: 250, columns: 3, storage: Array(data.design.storage.prefix(750)))
            truncated.target = Array(data.target.prefix(250))
            truncated.lines = Array(data.lines.prefix(250))
            let a = try LogisticRegression.model(withZeros), b = try LogisticRegression.model(truncated)
            for j in 0..<3 { #expect(relativeError(a.estimates[j], b.estimates[j]) < 1e-9) }
        }
    }
}
