import Dossiers
import Foundation
import LinearAlgebra
@testable import RiskModel
import Testing

/// The chord phase of `NewtonSolver`: fewer Hessian passes, the same optimum as full Newton.
@Suite struct ChordPhaseTests {
    static func solve(_ data: TrainingData, chordReach: Double, maxIterations: Int = 100) throws -> NewtonSolver.Solution {
        let solver = try NewtonSolver(x: data.design, y: data.target, w: data.weights, threads: 2, chordReach: chordReach)
        let n = Double(data.target.count), positives = data.target.reduce(0, +)
        return try solver.solve(l2: 0, tolerance: 1e-10, maxIterations: maxIterations, sumWeights: n, meanTarget: positives / n) { _ in }
    }

    static func standardErrors(_ s: NewtonSolver.Solution) throws -> [Double] {
        let p = s.information.rows
        let inverse = try Cholesky(s.information).inverse()
        return (0..<p).map { inverse[$0, $0].squareRoot() }
    }

    @Test func reusesTheHessianNearTheOptimumAndReachesTheSameOptimum() throws {
        let data = simulatedData(rows: 40_000, features: 12, seed: 5)
        let newton = try Self.solve(data, chordReach: 0)
        let chord = try Self.solve(data, chordReach: 0.25)
        #expect(newton.converged && chord.converged)
        print("full Newton: \(newton.iterations) iterations, passes \(newton.passes); chord: \(chord.iterations) iterations, passes \(chord.passes)")
        // Full Newton computes the Hessian at the start and after every step.
        #expect(newton.passes.hessian == newton.iterations + 1 && newton.passes.gradient == 0)
        // The chord phase: fewer Hessian passes than iterations.
        #expect(chord.passes.hessian < chord.iterations)
        #expect(chord.passes.gradient > 0)
        #expect(relativeError(chord.logLikelihood, newton.logLikelihood) <= 1e-12)
        for (a, b) in zip(chord.beta, newton.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
        for (a, b) in zip(try Self.standardErrors(chord), try Self.standardErrors(newton)) { #expect(relativeError(a, b) <= 1e-10) }
        #expect(chord.newtonDecrement <= 1e-10 && chord.maxAbsGradient <= 1e-10 * 40_000)
    }

    /// With no bound on the reach, every step after the first Hessian is a chord step: far from the
    /// optimum they stop making progress, and the safeguard must bring the Hessian back.
    @Test func aReusedHessianThatStopsMakingProgressIsRecomputed() throws {
        let data = simulatedData(rows: 20_000, features: 8, seed: 9, beta: [-1, 2, -1.5, 1, 0.5, -0.5, 1.2, -2, 0.8])
        let newton = try Self.solve(data, chordReach: 0)
        let reckless = try Self.solve(data, chordReach: .infinity)
        #expect(reckless.converged)
        print("full Newton: \(newton.iterations) iterations, passes \(newton.passes); unbounded reuse: \(reckless.iterations) iterations, passes \(reckless.passes)")
        #expect(reckless.passes.hessian > 2)
        #expect(relativeError(reckless.logLikelihood, newton.logLikelihood) <= 1e-12)
        for (a, b) in zip(reckless.beta, newton.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
    }

    /// The final information is computed at the returned estimate, whatever phase ended the fit.
    @Test func theFinalInformationIsTheHessianAtTheEstimate() throws {
        let data = simulatedData(rows: 30_000, features: 6, seed: 13)
        let chord = try Self.solve(data, chordReach: 0.25)
        let solver = try NewtonSolver(x: data.design, y: data.target, w: nil, threads: 1, chordReach: 0)
        let estimate: [Double] = chord.beta
        let evaluated: Double = estimate.withUnsafeBufferPointer { (b: UnsafeBufferPointer<Double>) -> Double in
            solver.evaluate(b.baseAddress!, derivatives: .hessian)
        }
        #expect(evaluated == chord.logLikelihood)
        let fresh = solver.informationMatrix()
        for (a, b) in zip(chord.information.storage, fresh.storage) { #expect(relativeError(a, b) <= 1e-13) }
    }
}
