import Dossiers
import Foundation
import LinearAlgebra
@testable import RiskModel
import Testing

/// The warm start of `NewtonSolver`: a fit on a subsample first, then the same optimum as the cold start.
@Suite struct WarmStartTests {
    static func solve(_ data: TrainingData, stride: Int, threads: Int = 2,
                      adjustingEstimate adjustment: ((UnsafeMutablePointer<Double>, Int) -> Void)? = nil) throws -> NewtonSolver.Solution {
        let solver = try NewtonSolver(x: data.design, y: data.target, w: data.weights, threads: threads, warmStartStride: stride)
        solver.estimateAdjustment = adjustment
        let n = data.weights?.reduce(0, +) ?? Double(data.target.count)
        let positives = zip(data.target, data.weights ?? Array(repeating: 1, count: data.target.count)).reduce(0) { $0 + $1.0 * $1.1 }
        return try solver.solve(l2: 0, tolerance: 1e-10, maxIterations: 100, sumWeights: n, meanTarget: positives / n) { _ in }
    }

    /// The rows a stride-4 warm start fits: blocks 0, 4, 8, … of 256 rows from each segment's first row.
    static func subsampleRows(of data: TrainingData) -> [Bool] {
        let segments = RowSegments(rowCount: data.target.count)
        var rows = [Bool](repeating: false, count: data.target.count)
        for s in 0..<segments.count {
            let range = segments.range(s)
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 4 * 256) {
                for i in start..<min(start + 256, range.upperBound) { rows[i] = true }
            }
        }
        return rows
    }

    @Test func theWarmStartReachesTheColdStartsOptimumWithFewerFullHessians() throws {
        var data = simulatedData(rows: 60_000, features: 10, seed: 21)
        var g = SplitMix(state: 3)
        data.weights = (0..<60_000).map { _ in Double(1 + Int(g.uniform() * 3)) }
        let cold = try Self.solve(data, stride: 1)
        let warm = try Self.solve(data, stride: 4)
        print("cold: \(cold.iterations) iterations, passes \(cold.passes); warm: \(warm.iterations) iterations, passes \(warm.passes)")
        #expect(cold.converged && warm.converged)
        #expect(cold.passes.subsample == 0 && warm.passes.subsample > 0 && warm.passes.subsampleStride == 4)
        #expect(warm.passes.hessian < cold.passes.hessian)
        #expect(relativeError(warm.logLikelihood, cold.logLikelihood) <= 1e-12)
        for (a, b) in zip(warm.beta, cold.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
        for (a, b) in zip(try ChordPhaseTests.standardErrors(warm), try ChordPhaseTests.standardErrors(cold)) {
            #expect(relativeError(a, b) <= 1e-9)
        }
        #expect(warm.newtonDecrement <= 1e-10)
    }

    /// The first full step's matrix is an estimate; if it is not positive definite (its Cholesky
    /// fails), the solver computes the exact Hessian at β_S and goes on with Newton from there. Made
    /// indefinite here through the test hook (no clean subsample gives one): one more exact Hessian
    /// pass than the unharmed warm start, and the cold start's optimum.
    @Test func anEstimateThatIsNotPositiveDefiniteFallsBackToTheExactHessian() throws {
        let data = simulatedData(rows: 60_000, features: 10, seed: 21)
        let cold = try Self.solve(data, stride: 1)
        let warm = try Self.solve(data, stride: 4)
        let harmed = try Self.solve(data, stride: 4) { information, p in information[1 + p] = -information[1 + p] }
        print("indefinite estimate: warm passes \(warm.passes); harmed passes \(harmed.passes)")
        #expect(harmed.converged && harmed.passes.subsampleStride == 4, "the warm start was used")
        #expect(harmed.passes.hessian + harmed.passes.singlePrecisionHessian > warm.passes.hessian + warm.passes.singlePrecisionHessian,
                "the exact Hessian was computed at β_S")
        #expect(relativeError(harmed.logLikelihood, cold.logLikelihood) <= 1e-12)
        for (a, b) in zip(harmed.beta, cold.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
        #expect(harmed.newtonDecrement <= 1e-10)
    }

    /// An estimate positive definite but 1e25 times too small makes a step the line search cannot
    /// shorten enough in its 60 halvings (2⁻⁶⁰ ≈ 8.7e-19): it is exhausted, and the solver starts
    /// again from the exact Hessian at β_S instead of failing.
    @Test func anEstimateWhoseStepTheLineSearchCannotShortenFallsBackToTheExactHessian() throws {
        let data = simulatedData(rows: 60_000, features: 10, seed: 21)
        let cold = try Self.solve(data, stride: 1)
        let warm = try Self.solve(data, stride: 4)
        let harmed = try Self.solve(data, stride: 4) { information, p in for k in 0..<(p * p) { information[k] *= 1e-25 } }
        print("tiny estimate: warm passes \(warm.passes); harmed passes \(harmed.passes)")
        #expect(harmed.converged && harmed.passes.subsampleStride == 4, "the warm start was used")
        // 60 trials: the first with the derivatives its point would need, 59 of ℓ alone.
        #expect(harmed.passes.value == warm.passes.value + 59, "the line search tried every halving")
        #expect(harmed.passes.hessian > warm.passes.hessian, "the exact Hessian was computed at β_S")
        #expect(relativeError(harmed.logLikelihood, cold.logLikelihood) <= 1e-12)
        for (a, b) in zip(harmed.beta, cold.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
        #expect(harmed.newtonDecrement <= 1e-10)
    }

    /// A column that is zero on every subsample row (a rare level the subsample missed) makes the
    /// subsample's Hessian singular: the solver must start from the intercept over all rows instead.
    @Test func aSubsampleMissingAColumnFallsBackToTheColdStart() throws {
        var data = simulatedData(rows: 40_000, features: 6, seed: 8)
        var g = SplitMix(state: 11)
        // Rows 256..<512 are the second block of the first segment: not in a stride-4 subsample.
        for i in 0..<40_000 { data.design[i, 6] = (256..<512).contains(i) ? g.normal() : 0 }
        let cold = try Self.solve(data, stride: 1)
        let warm = try Self.solve(data, stride: 4)
        #expect(warm.converged)
        #expect(warm.passes.subsampleStride == 1 && warm.passes.subsample == 1)
        #expect(warm.passes.hessian == cold.passes.hessian)
        #expect(warm.beta == cold.beta && warm.logLikelihood == cold.logLikelihood)
    }

    /// The first full step solves with the subsample's Hessian scaled to all rows. A subsample that
    /// misrepresents a column (tiny values there, large ones elsewhere) makes that estimate far off in
    /// its direction: the step is then too long, the line search shortens it, and the optimum is still
    /// the cold start's.
    @Test func anUnrepresentativeSubsampleStillReachesTheColdStartsOptimum() throws {
        var data = simulatedData(rows: 60_000, features: 5, seed: 29)
        var g = SplitMix(state: 5)
        let inSubsample = Self.subsampleRows(of: data)
        for i in 0..<60_000 { data.design[i, 5] = inSubsample[i] ? 0.1 * g.normal() : 3 * g.normal() }
        let cold = try Self.solve(data, stride: 1)
        let warm = try Self.solve(data, stride: 4)
        print("unrepresentative subsample: cold passes \(cold.passes); warm passes \(warm.passes)")
        #expect(cold.converged && warm.converged)
        #expect(warm.passes.subsampleStride == 4, "the warm start was used")
        #expect(warm.passes.value > 0, "the line search shortened the estimated step")
        #expect(relativeError(warm.logLikelihood, cold.logLikelihood) <= 1e-12)
        for (a, b) in zip(warm.beta, cold.beta) { #expect(abs(a - b) <= 1e-10 * max(1, abs(b))) }
        #expect(warm.newtonDecrement <= 1e-10)
    }

    /// A column that separates the outcome on the subsample rows only (and is noise elsewhere) sends
    /// the subsample's coefficient far out: its fit stops where its log-likelihood is nearly 0 (the
    /// decrement is then small), at an estimate worse over all rows than the intercept alone. The
    /// solver drops it and starts cold: the same bits and the same Hessian passes as the cold start
    /// (from that estimate, the full fit took 15 iterations and 14 Hessian passes against 10 and 4).
    @Test func aSubsampleThatIsSeparatedStillReachesTheColdStartsOptimum() throws {
        var data = simulatedData(rows: 40_000, features: 4, seed: 23)
        var g = SplitMix(state: 7)
        let inSubsample = Self.subsampleRows(of: data)
        for i in 0..<40_000 {
            let magnitude = 0.5 + abs(g.normal())
            data.design[i, 4] = inSubsample[i] ? (data.target[i] == 1 ? magnitude : -magnitude) : g.normal()
        }
        let cold = try Self.solve(data, stride: 1)
        let warm = try Self.solve(data, stride: 4)
        print("separated subsample: cold \(cold.iterations) iterations, passes \(cold.passes); warm \(warm.iterations), passes \(warm.passes)")
        #expect(cold.converged && warm.converged)
        #expect(warm.passes.subsample > 1, "the subsample was fitted")
        #expect(warm.passes.subsampleStride == 1, "and its estimate dropped")
        #expect(warm.passes.hessian == cold.passes.hessian)
        #expect(warm.beta == cold.beta && warm.logLikelihood == cold.logLikelihood)
    }

    /// An outcome constant on the subsample rows gives it no intercept: the cold start again.
    @Test func aSubsampleWithAConstantOutcomeFallsBackToTheColdStart() throws {
        var data = simulatedData(rows: 40_000, features: 4, seed: 17)
        for (i, sampled) in Self.subsampleRows(of: data).enumerated() where sampled { data.target[i] = 0 }
        let cold = try Self.solve(data, stride: 1)
        let warm = try Self.solve(data, stride: 4)
        #expect(warm.converged)
        #expect(warm.passes.subsampleStride == 1 && warm.passes.subsample == 0)
        #expect(warm.beta == cold.beta && warm.logLikelihood == cold.logLikelihood)
    }

    @Test func theWarmStartGivesTheSameBitsWithOneAndTwoThreads() throws {
        let data = simulatedData(rows: 50_000, features: 8, seed: 4)
        let one = try Self.solve(data, stride: 4, threads: 1)
        let two = try Self.solve(data, stride: 4, threads: 2)
        #expect(one.passes.subsample > 0)
        #expect(one.beta == two.beta && one.logLikelihood == two.logLikelihood && one.information.storage == two.information.storage)
    }

    @Test func theStrideLeavesEnoughRowsInTheSubsample() {
        #expect(NewtonSolver.warmStartStride(rows: 2_000_000, columns: 41) == 16)
        #expect(NewtonSolver.warmStartStride(rows: 500_000, columns: 161) == 4)
        #expect(NewtonSolver.warmStartStride(rows: 200_000, columns: 41) == 1)
        #expect(NewtonSolver.warmStartStride(rows: 20_000_000, columns: 41) == 16)
    }
}
