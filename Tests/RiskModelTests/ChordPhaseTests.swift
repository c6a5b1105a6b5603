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

    /// The Hessian of the steps that travel is computed from rows rounded to single precision: close
    /// to the exact one (the chord phase's bound allows for it), yet not the same numbers.
    @Test func theSinglePrecisionHessianIsWithinItsRoundingOfTheExactOne() throws {
        let data = simulatedData(rows: 30_000, features: 8, seed: 17)
        let fitted = try Self.solve(data, chordReach: 0.25)
        let solver = try NewtonSolver(x: data.design, y: data.target, w: nil, threads: 2)
        func information(_ derivatives: NewtonSolver.Derivatives) -> (Double, Matrix) {
            let ll = fitted.beta.withUnsafeBufferPointer { solver.evaluate($0.baseAddress!, derivatives: derivatives) }
            return (ll, solver.informationMatrix())
        }
        let (llDouble, exact) = information(.hessian), (llSingle, single) = information(.singlePrecisionHessian)
        #expect(llSingle == llDouble, "ℓ and the gradient stay in double precision")
        let p = exact.rows
        var largest = 0.0
        for i in 0..<p {
            for j in 0..<p { largest = max(largest, abs(single[i, j] - exact[i, j]) / (exact[i, i] * exact[j, j]).squareRoot()) }
        }
        print("largest difference of the single-precision Hessian, relative to its diagonal: \(largest)")
        #expect(largest > 0 && largest <= 1e-5)
        #expect(solver.passes.singlePrecisionHessian == 1 && solver.passes.hessian == 1)
    }

    /// On data large enough for the warm start, the fit's only double-precision Hessian is the one at
    /// the optimum, and it costs no pass of its own: the chord phase predicted that its last point
    /// would converge and evaluated it with the Hessian.
    @Test func aWarmStartedFitComputesOneDoublePrecisionHessianAtTheOptimum() throws {
        let data = simulatedData(rows: 60_000, features: 10, seed: 21)
        let solver = try NewtonSolver(x: data.design, y: data.target, w: nil, threads: 2, warmStartStride: 4)
        let n = Double(data.target.count)
        let fit = try solver.solve(l2: 0, tolerance: 1e-10, maxIterations: 100, sumWeights: n,
                                   meanTarget: data.target.reduce(0, +) / n) { _ in }
        let newton = try Self.solve(data, chordReach: 0)
        print("warm start and chord phase: \(fit.iterations) iterations, passes \(fit.passes)")
        #expect(fit.converged && fit.passes.subsampleStride == 4)
        #expect(fit.passes.hessian == 1 && fit.passes.singlePrecisionHessian >= 1)
        // One pass at the warm start's estimate, then one per accepted step: none after the last.
        let full = fit.passes.hessian + fit.passes.singlePrecisionHessian + fit.passes.gradient + fit.passes.value
        #expect(full == fit.iterations + 1)
        #expect(relativeError(fit.logLikelihood, newton.logLikelihood) <= 1e-12)
        for (a, b) in zip(fit.beta, newton.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
        let check = try NewtonSolver(x: data.design, y: data.target, w: nil, threads: 1)
        let ll = fit.beta.withUnsafeBufferPointer { check.evaluate($0.baseAddress!, derivatives: .hessian) }
        #expect(ll == fit.logLikelihood)
        #expect(fit.information.storage == check.informationMatrix().storage, "the final information is the double-precision Hessian at the estimate")
    }

    /// A prediction that the next point converges, made too eagerly, costs a Hessian pass and changes
    /// nothing else: the test is decided there with the exact decrement, and Newton goes on.
    @Test func aWrongPredictionOfTheLastPointStillReachesFullNewtonsOptimum() throws {
        let data = simulatedData(rows: 60_000, features: 10, seed: 21)
        let n = Double(data.target.count)
        let newton = try Self.solve(data, chordReach: 0)
        var mispredicted = 0
        for margin in [1e2, 1e4, 1e6, 1e8, 1e10] {
            let eager = try NewtonSolver(x: data.design, y: data.target, w: nil, threads: 2, warmStartStride: 4, predictionMargin: margin)
            let fit = try eager.solve(l2: 0, tolerance: 1e-10, maxIterations: 100, sumWeights: n,
                                      meanTarget: data.target.reduce(0, +) / n) { _ in }
            print("prediction margin \(margin): \(fit.iterations) iterations, passes \(fit.passes)")
            // More than one double-precision Hessian: one was computed where the fit did not converge.
            if fit.passes.hessian >= 2 { mispredicted += 1 }
            #expect(fit.converged && fit.newtonDecrement <= 1e-10)
            #expect(relativeError(fit.logLikelihood, newton.logLikelihood) <= 1e-12)
            for (a, b) in zip(fit.beta, newton.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
        }
        #expect(mispredicted > 0, "the eager margins made at least one wrong prediction")
    }

    /// Two columns nearly the same (their difference 1e-4 of their scale): the double-precision
    /// Hessian is positive definite, the single-precision one is not, or barely, so its Cholesky
    /// factor fails (twice on these data) or its steps mislead. The fit falls back to the exact
    /// Hessian and reaches full Newton's optimum; without the fallback it would stop as singular.
    @Test func aSinglePrecisionHessianTooRoundedForTheDataFallsBackToTheExactOne() throws {
        var data = simulatedData(rows: 30_000, features: 4, seed: 23)
        var g = SplitMix(state: 29)
        for i in 0..<30_000 { data.design[i, 2] = data.design[i, 1] + 1e-4 * g.normal() }
        let newton = try Self.solve(data, chordReach: 0)
        let chord = try Self.solve(data, chordReach: 0.25)
        print("nearly collinear: full Newton \(newton.iterations) iterations, passes \(newton.passes); chord \(chord.iterations), passes \(chord.passes)")
        #expect(newton.converged && chord.converged)
        #expect(relativeError(chord.logLikelihood, newton.logLikelihood) <= 1e-12)
        let se = try Self.standardErrors(newton)
        for j in 0..<chord.beta.count { #expect(abs(chord.beta[j] - newton.beta[j]) <= 1e-8 * se[j]) }
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
