import CiblageSupport
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// Newton–Raphson (IRLS) for L2-penalised logistic regression with frequency weights.
///
/// ## The problem
/// With design X (n×p, column 0 the intercept), outcomes yᵢ ∈ {0,1}, weights wᵢ ≥ 0 and
/// ηᵢ = xᵢᵀβ, μᵢ = σ(ηᵢ) = 1/(1+e^{−ηᵢ}), minimise
///
///     f(β) = −ℓ(β) + (λ/2)·Σ_{j≥1} βⱼ²,   ℓ(β) = Σᵢ wᵢ [yᵢηᵢ − log(1+e^{ηᵢ})]
///
/// (the intercept is not penalised; no hidden standardisation). Frequency weights mean that weight 2
/// is the same as the row twice.
///
/// ## Derivatives
///     ∇f = −Xᵀr + λDβ,          rᵢ = wᵢ(yᵢ − μᵢ)
///     ∇²f = XᵀHX + λD,          Hᵢᵢ = wᵢ μᵢ(1 − μᵢ),   D = diag(0, 1, …, 1)
/// ∇²f is positive definite unless columns are collinear or fitted probabilities reach 0 or 1.
///
/// ## Iteration
/// The Newton direction solves ∇²f·d = −∇f by Cholesky (`dpotrf`/`dpotrs`). The Newton decrement
/// δ² = −∇fᵀd = ∇fᵀ(∇²f)⁻¹∇f is affine invariant; for λ = 0 it is the squared distance to the optimum
/// measured in standard errors, so δ ≤ 1e-10 means "within 1e-10 standard errors". We stop when
/// δ ≤ tol and max|∇f| ≤ tol·Σw (a mean-gradient test, as scikit-learn scales its loss by Σw).
/// Otherwise a backtracking (Armijo) line search takes β ← β + t·d with t = 1, ½, ¼, … until
/// f(β + td) ≤ f(β) + 10⁻⁴·t·∇fᵀd. Near the optimum t = 1 is accepted and convergence is quadratic.
/// Near the optimum the predicted decrease 10⁻⁴·δ² falls below the rounding error of f; a full step
/// is then accepted if f is unchanged within 10⁻¹² relative and max|∇f| shrank. If no step decreases f
/// while δ ≤ 1e-6, f is at floating-point precision and we stop there.
///
/// ## Numerics and determinism
/// log(1+e^η) and μ share one exp(−|η|): for η ≥ 0, μ = 1/(1+t) and log(1+e^η) = η + log1p(t); for
/// η < 0, μ = t/(1+t) and log(1+e^η) = log1p(t), with t = e^{−|η|}: no overflow for any η.
/// One pass over X per evaluation: rows are cut into `RowSegments`; per block of rows, η = X_bβ
/// (dgemv), r and √H row scaling in Swift, Xᵀr (dgemv) and (√H X_b)ᵀ(√H X_b) (dsyrk) accumulated into
/// the segment's partials; partials are added in segment order, so the result does not depend on
/// the thread count.
///
/// ## Fewer Hessian passes: the chord phase
/// A pass with the Hessian costs a `dsyrk` over all of X, about four times a gradient-only pass
/// (two `dgemv` over each block while it is in cache). Near the optimum Newton's steps are tiny and
/// the Hessian barely changes, so the solver keeps the last Cholesky factor and takes chord steps
/// d = −A⁻¹∇f(β) with A = ∇²f(β_A), the Hessian at the point β_A where it was last computed,
/// paying only for the gradient.
///
/// **Why chord steps converge.** The weight of a row, h(η) = μ(1 − μ), has |d log h/dη| = |1 − 2μ| ≤ 1,
/// so h(η + Δ) lies within e^{±|Δ|}·h(η). If every row's linear predictor moved by at most c since
/// β_A (|xᵢᵀ(β − β_A)| ≤ c for all i), every weight on the segment from β_A to β is within e^{±c} of
/// its value at β_A, hence, term by term (λD does not move), e^{−c}·A ⪯ ∇²f ⪯ e^{c}·A along the
/// segment. The chord step's error map is I − A⁻¹H̄, with H̄ the Hessian averaged along the segment
/// from β to the optimum; its eigenvalues lie in [1 − e^{c}, 1 − e^{−c}], so the error shrinks by at
/// least q = e^{c} − 1 per step in A's norm (q = 0.28 for c = ¼). We bound the movement without a
/// pass: max_i |xᵢᵀΔβ| ≤ Σⱼ |Δβⱼ|·maxᵢ|xᵢⱼ| (the column maxima are taken in the first pass), and take a
/// chord step only while that bound is ≤ `chordReach`.
///
/// **Safeguards.** A chord step must at least halve the (pseudo-)decrement δ̃ = (∇fᵀA⁻¹∇f)^½ of the
/// step before; otherwise the reused Hessian has stopped making progress and the solver computes
/// the Hessian at the current point and goes on with full Newton. The line search is the same
/// (a chord direction is a descent direction, A being positive definite). Convergence is only
/// declared by the test below with a Hessian computed at the final point: when a chord step meets the
/// tolerance, one more pass computes ∇²f there, and the exact decrement decides. So the stopping rule,
/// the optimum, and the final XᵀHX (the covariance's inverse) are those of full Newton.
///
/// Public so that benchmarks and custom solvers can drive single iterations; `LogisticRegression.fit`
/// (and `LogitInference`) is the API for everything else.
public final class NewtonSolver {
    let x: Matrix
    let y: [Double]
    let w: [Double]?
    let p: Int
    let threads: Int
    let segments: RowSegments
    let blockRows = 256
    /// The bound c on any row's change of η since the Hessian was computed, for a chord step
    /// (0: full Newton, a Hessian at every point).
    let chordReach: Double

    /// What an evaluation computes besides ℓ.
    public enum Derivatives: Sendable {
        case none, gradient, hessian
    }

    /// Passes over X by kind (each pass reads all of X once).
    public struct Passes: Sendable, Equatable {
        public var hessian = 0, gradient = 0, value = 0
        public init() {}
    }
    public private(set) var passes = Passes()

    // Workspace, allocated once per fit: an iteration allocates nothing.
    private let partialHessian: UnsafeMutablePointer<Double>
    private let partialGradient: UnsafeMutablePointer<Double>
    private let partialLogLikelihood: UnsafeMutablePointer<Double>
    /// maxᵢ|xᵢⱼ| per segment, then for all rows (taken in the first Hessian pass; see the chord phase).
    private let partialColumnMax: UnsafeMutablePointer<Double>
    private var columnMax: [Double] = []
    private let scratch: UnsafeMutablePointer<Double>
    private let scratchPerWorker: Int
    /// Xᵀr and XᵀHX of the last evaluation with derivatives (full symmetric p×p).
    let scoreVector: UnsafeMutablePointer<Double>
    let information: UnsafeMutablePointer<Double>
    /// Penalised Hessian, then its Cholesky factor; the Newton direction; the trial point.
    private let factor: UnsafeMutablePointer<Double>
    private let direction: UnsafeMutablePointer<Double>
    private let gradient: UnsafeMutablePointer<Double>

    public init(x: Matrix, y: [Double], w: [Double]?, threads: Int, chordReach: Double = 0.25) throws {
        self.x = x; self.y = y; self.w = w
        self.chordReach = chordReach
        p = x.columns
        self.threads = max(1, threads)
        _ = try blasInt(x.rows); _ = try blasInt(p)
        segments = RowSegments(rowCount: x.rows)
        let s = segments.count
        partialHessian = .allocate(capacity: s * p * p)
        partialGradient = .allocate(capacity: s * p)
        partialLogLikelihood = .allocate(capacity: s)
        partialColumnMax = .allocate(capacity: s * p)
        scratchPerWorker = blockRows * (p + 2)
        scratch = .allocate(capacity: segments.workerCount(threads: self.threads) * scratchPerWorker)
        scoreVector = .allocate(capacity: p)
        information = .allocate(capacity: p * p)
        factor = .allocate(capacity: p * p)
        direction = .allocate(capacity: p)
        gradient = .allocate(capacity: p)
    }

    deinit {
        partialHessian.deallocate(); partialGradient.deallocate()
        partialLogLikelihood.deallocate(); partialColumnMax.deallocate(); scratch.deallocate()
        scoreVector.deallocate(); information.deallocate(); factor.deallocate(); direction.deallocate(); gradient.deallocate()
    }

    /// ℓ(β) alone (line search), or ℓ with Xᵀr into `scoreVector`, and with XᵀHX into `information`.
    public func evaluate(_ beta: UnsafePointer<Double>, derivatives: Derivatives) -> Double {
        let p = self.p, blockRows = self.blockRows, pp = p * p
        let gradient = derivatives != .none, hessian = derivatives == .hessian
        let takeColumnMax = hessian && columnMax.isEmpty
        switch derivatives {
        case .none: passes.value += 1
        case .gradient: passes.gradient += 1
        case .hessian: passes.hessian += 1
        }
        let cm = UncheckedSendable(partialColumnMax)
        let hs = UncheckedSendable(partialHessian), gs = UncheckedSendable(partialGradient)
        let ls = UncheckedSendable(partialLogLikelihood), sc = UncheckedSendable(scratch)
        let perWorker = scratchPerWorker
        let bb = UncheckedSendable(beta)
        x.storage.withUnsafeBufferPointer { xBuffer in
            y.withUnsafeBufferPointer { yBuffer in
                let xb = UncheckedSendable(xBuffer.baseAddress!), yb = UncheckedSendable(yBuffer.baseAddress!)
                let wb = UncheckedSendable(w)
                segments.forEach(threads: threads) { worker, s, rows in
                    let eta = sc.value + worker * perWorker
                    let r = eta + blockRows
                    let scaled = r + blockRows
                    let H = hs.value + s * pp, g = gs.value + s * p, columnMax = cm.value + s * p
                    if gradient { g.update(repeating: 0, count: p) }
                    if hessian { H.update(repeating: 0, count: pp) }
                    if takeColumnMax { columnMax.update(repeating: 0, count: p) }
                    var ll = 0.0
                    var start = rows.lowerBound
                    while start < rows.upperBound {
                        let m = min(blockRows, rows.upperBound - start)
                        let block = xb.value + start * p
                        try! BLAS.multiply(block, rows: m, columns: p, by: bb.value, into: eta)
                        for i in 0..<m {
                            let e = eta[i], yi = yb.value[start + i]
                            let wi = wb.value?[start + i] ?? 1
                            let t = exp(-abs(e))
                            let softplus = e >= 0 ? e + log1p(t) : log1p(t)
                            ll += wi * (yi * e - softplus)
                            if gradient {
                                let mu = e >= 0 ? 1 / (1 + t) : t / (1 + t)
                                r[i] = wi * (yi - mu)
                                if hessian {
                                    let root = (wi * mu * (1 - mu)).squareRoot()
                                    let from = block + i * p, to = scaled + i * p
                                    for j in 0..<p { to[j] = from[j] * root }
                                    if takeColumnMax { for j in 0..<p { columnMax[j] = max(columnMax[j], abs(from[j])) } }
                                }
                            }
                        }
                        if gradient { try! BLAS.multiplyTransposed(block, rows: m, columns: p, by: r, into: g, beta: 1) }
                        if hessian { try! BLAS.gramUpper(scaled, rows: m, columns: p, into: H, beta: 1) }
                        start += m
                    }
                    ls.value[s] = ll
                }
            }
        }
        var ll = 0.0
        for s in 0..<segments.count { ll += partialLogLikelihood[s] }
        guard gradient else { return ll }
        scoreVector.update(repeating: 0, count: p)
        for s in 0..<segments.count { for j in 0..<p { scoreVector[j] += partialGradient[s * p + j] } }
        if takeColumnMax {
            columnMax = [Double](repeating: 0, count: p)
            for s in 0..<segments.count { for j in 0..<p { columnMax[j] = max(columnMax[j], partialColumnMax[s * p + j]) } }
        }
        guard hessian else { return ll }
        information.update(repeating: 0, count: pp)
        for s in 0..<segments.count { for k in 0..<pp { information[k] += partialHessian[s * pp + k] } }
        for j in 0..<p { for i in (j + 1)..<max(j + 1, p) { information[i + j * p] = information[j + i * p] } }
        return ll
    }

    /// η = Xβ for every row (used after the fit to find fitted probabilities of 0 or 1).
    func linearPredictor(_ beta: [Double]) -> [Double] {
        var eta = [Double](repeating: 0, count: x.rows)
        let p = self.p
        x.storage.withUnsafeBufferPointer { xBuffer in
            eta.withUnsafeMutableBufferPointer { out in
                beta.withUnsafeBufferPointer { b in
                    let xb = UncheckedSendable(xBuffer.baseAddress), ob = UncheckedSendable(out.baseAddress), bb = UncheckedSendable(b.baseAddress!)
                    segments.forEach(threads: threads) { _, _, rows in
                        guard let xs = xb.value, let os = ob.value else { return }
                        try! BLAS.multiply(xs + rows.lowerBound * p, rows: rows.count, columns: p, by: bb.value, into: os + rows.lowerBound)
                    }
                }
            }
        }
        return eta
    }

    struct Solution {
        var beta: [Double]
        var logLikelihood: Double
        /// XᵀHX at β (unpenalised observed information).
        var information: Matrix
        var iterations: Int
        var converged: Bool
        /// The penalised Hessian stopped being positive definite (Cholesky failed) at `iterations`.
        var singularHessian: Bool
        var maxAbsGradient: Double
        var newtonDecrement: Double
        /// The passes over X it took.
        var passes: Passes
    }

    func informationMatrix() -> Matrix {
        Matrix(rows: p, columns: p, storage: Array(UnsafeBufferPointer(start: information, count: p * p)))
    }

    /// One Newton step's linear algebra at the current evaluation: the penalised gradient into
    /// `gradient`, the direction into `direction`; returns (∇fᵀd, max|∇f|), or nil if the penalised
    /// Hessian is not positive definite. Allocates nothing.
    public func newtonDirection(beta: UnsafePointer<Double>, lambda: Double) -> (slope: Double, maxAbsGradient: Double)? {
        factor.update(from: information, count: p * p)
        var maxAbs = 0.0
        for j in 0..<p {
            gradient[j] = -scoreVector[j] + (j > 0 ? lambda * beta[j] : 0)
            if j > 0 { factor[j * p + j] += lambda }
            maxAbs = max(maxAbs, abs(gradient[j]))
            direction[j] = -gradient[j]
        }
        do {
            try Cholesky.factorInPlace(factor, order: p)
            try Cholesky.solveInPlace(factor: factor, order: p, rhs: direction)
        } catch { return nil }
        var slope = 0.0
        for j in 0..<p { slope += gradient[j] * direction[j] }
        return (slope, maxAbs)
    }

    /// A chord step's linear algebra: the penalised gradient at the current evaluation, solved with
    /// the Cholesky factor `newtonDirection` left (the Hessian at an earlier point). Returns
    /// (∇fᵀd, max|∇f|); the factor is positive definite, so d is a descent direction.
    func chordDirection(beta: UnsafePointer<Double>, lambda: Double) -> (slope: Double, maxAbsGradient: Double) {
        var maxAbs = 0.0
        for j in 0..<p {
            gradient[j] = -scoreVector[j] + (j > 0 ? lambda * beta[j] : 0)
            maxAbs = max(maxAbs, abs(gradient[j]))
            direction[j] = -gradient[j]
        }
        try! Cholesky.solveInPlace(factor: factor, order: p, rhs: direction)
        var slope = 0.0
        for j in 0..<p { slope += gradient[j] * direction[j] }
        return (slope, maxAbs)
    }

    /// Σⱼ |bⱼ − aⱼ|·maxᵢ|xᵢⱼ|: a bound on how far any row's η moves from a to b, without a pass.
    private func reach(from a: UnsafePointer<Double>, to b: UnsafePointer<Double>) -> Double {
        var bound = 0.0
        for j in 0..<p { bound += abs(b[j] - a[j]) * columnMax[j] }
        return bound
    }

    // MARK: The loop, in named steps (as scikit-learn's `_newton_solver.py`)
    //
    //   setup              β₀ = (logit ȳ_w, 0, …, 0); ℓ, ∇ℓ and XᵀHX at β₀; the collinearity check
    //   repeat:
    //     innerSolve       d = −(∇²f)⁻¹∇f by Cholesky (newtonDirection), or with the factor of an
    //                      earlier Hessian (chordDirection); δ² = −∇fᵀd
    //     checkConvergence δ ≤ tol and max|∇f| ≤ tol·Σw, decided with the Hessian at this point
    //                      (after a chord step, one Hessian pass here first)
    //     chord progress   a chord step that did not halve δ: the Hessian here, then Newton
    //     lineSearch       β + t·d, t = 1, ½, …: Armijo, or the full step at rounding level
    //     updateDerivatives ℓ, ∇ℓ at the accepted point, and XᵀHX unless the point is within
    //                      `chordReach` of the last Hessian's (inside the line search: the first trial
    //                      is evaluated with them, so an accepted full step costs one pass)
    //   finalize           β, ℓ and XᵀHX at the last point, with the solver's final state

    /// What a line search found.
    enum LineSearchOutcome {
        /// A step was taken into `trial`, with ℓ at it; the derivatives there are current (with the
        /// Hessian, or the gradient alone).
        case accepted(logLikelihood: Double, derivatives: Derivatives)
        /// No step of 60 halvings decreases f.
        case exhausted
    }

    /// f(β) = −ℓ(β) + (λ/2)Σ_{j≥1}βⱼ², from ℓ already computed.
    private func objective(logLikelihood: Double, at b: UnsafePointer<Double>, lambda: Double) -> Double {
        var s = 0.0
        for j in 1..<max(1, p) { s += b[j] * b[j] }
        return -logLikelihood + 0.5 * lambda * s
    }

    /// Starts from the intercept-only fit, β₀ = logit(ȳ_w), the unpenalised optimum when every other
    /// coefficient is 0; evaluates ℓ with its derivatives there and hands XᵀHX, a weighted Gram matrix
    /// with weights μ₀(1 − μ₀)w, to `checkStart` (columns dependent there are dependent everywhere).
    private func setup(_ beta: UnsafeMutablePointer<Double>, meanTarget: Double, checkStart: (Matrix) throws -> Void) throws -> Double {
        beta.update(repeating: 0, count: p)
        beta[0] = log(meanTarget / (1 - meanTarget))
        let logLikelihood = evaluate(beta, derivatives: .hessian)
        try checkStart(informationMatrix())
        return logLikelihood
    }

    /// The stopping rule: the Newton decrement δ (the distance to the optimum in standard errors when
    /// λ = 0) and the mean gradient max|∇f|/Σw both at or below the tolerance.
    private func checkConvergence(decrement: Double, maxAbsGradient: Double, tolerance: Double, sumWeights: Double) -> Bool {
        decrement <= tolerance && maxAbsGradient <= tolerance * max(1, sumWeights)
    }

    /// Backtracking from the full step: β + t·d into `trial`, t = 1, ½, ¼, … until
    /// f(β + td) ≤ f(β) + 10⁻⁴·t·∇fᵀd (Armijo). The first trial is evaluated with the derivatives the
    /// next iteration needs (near the optimum it is accepted, so the pass is not wasted); a later
    /// accepted trial is evaluated again with them. `derivativesAt` says which: the gradient alone
    /// for a point within `chordReach` of the last Hessian's, the Hessian otherwise. Near the optimum
    /// the predicted decrease falls below the rounding of f itself and Armijo cannot tell: the full
    /// step is then accepted when f is unchanged within 10⁻¹² relative and max|∇f| shrank (as
    /// scikit-learn's Newton solver does).
    private func lineSearch(from beta: UnsafePointer<Double>, into trial: UnsafeMutablePointer<Double>, logLikelihood: Double,
                            slope: Double, maxAbsGradient: Double, lambda: Double,
                            derivativesAt: (UnsafePointer<Double>) -> Derivatives) -> LineSearchOutcome {
        let current = objective(logLikelihood: logLikelihood, at: beta, lambda: lambda)
        var step = 1.0
        for attempt in 0..<60 {
            for j in 0..<p { trial[j] = beta[j] + step * direction[j] }
            let needed = derivativesAt(trial)
            let ll = evaluate(trial, derivatives: attempt == 0 ? needed : .none)
            let f = objective(logLikelihood: ll, at: trial, lambda: lambda)
            if f.isFinite && f <= current + 1e-4 * step * slope {
                if attempt > 0 { _ = evaluate(trial, derivatives: needed) }
                return .accepted(logLikelihood: ll, derivatives: needed)
            }
            if attempt == 0, f.isFinite, abs(f - current) <= 1e-12 * max(1, abs(current)) {
                var trialMax = 0.0
                for j in 0..<p { trialMax = max(trialMax, abs(-scoreVector[j] + (j > 0 ? lambda * trial[j] : 0))) }
                if trialMax < maxAbsGradient { return .accepted(logLikelihood: ll, derivatives: needed) }
            }
            step *= 0.5
        }
        return .exhausted
    }

    /// Runs Newton from the intercept-only start logit(ȳ_w). `checkStart` sees XᵀHX at the start, a
    /// multiple of the weighted Gram matrix (for the collinearity check).
    func solve(l2 lambda: Double, tolerance: Double, maxIterations: Int, sumWeights: Double, meanTarget: Double,
               checkStart: (Matrix) throws -> Void) throws -> Solution {
        let beta = UnsafeMutablePointer<Double>.allocate(capacity: p), trial = UnsafeMutablePointer<Double>.allocate(capacity: p)
        // β_A: where the Hessian behind the current Cholesky factor was computed.
        let hessianPoint = UnsafeMutablePointer<Double>.allocate(capacity: p)
        defer { beta.deallocate(); trial.deallocate(); hessianPoint.deallocate() }
        var logLikelihood = try setup(beta, meanTarget: meanTarget, checkStart: checkStart)
        var iterations = 0
        var converged = false, singular = false
        var maxAbsGradient = Double.infinity, decrement = Double.infinity
        /// Whether `information` is the Hessian at β (else the derivatives at β are the gradient alone).
        var hessianHere = true
        /// δ of the step that led here, for the chord phase's progress test.
        var previousDecrement = Double.infinity
        while true {
            // innerSolve
            let slope: Double, maxAbs: Double
            if hessianHere {
                guard let newton = newtonDirection(beta: beta, lambda: lambda) else { singular = true; break }
                (slope, maxAbs) = newton
                hessianPoint.update(from: beta, count: p)
            } else {
                (slope, maxAbs) = chordDirection(beta: beta, lambda: lambda)
            }
            decrement = max(0, -slope).squareRoot()
            maxAbsGradient = maxAbs
            // Chord steps converge linearly and would stop just under the tolerance, where Newton's
            // last, quadratic step lands far below it: they run to a thousandth of it, so that the
            // estimate is as close to the optimum as full Newton's (about one more gradient pass).
            let target = hessianHere ? tolerance : tolerance * 1e-3
            if checkConvergence(decrement: decrement, maxAbsGradient: maxAbsGradient, tolerance: target, sumWeights: sumWeights) {
                if hessianHere { converged = true; break }
                // Decided with the Hessian at this point, never a reused one.
                _ = evaluate(beta, derivatives: .hessian)
                hessianHere = true
                continue
            }
            if !hessianHere, decrement > 0.5 * previousDecrement {
                // The reused Hessian stopped making progress: compute it here, then Newton.
                _ = evaluate(beta, derivatives: .hessian)
                hessianHere = true
                continue
            }
            if iterations >= maxIterations {
                if !hessianHere { _ = evaluate(beta, derivatives: .hessian) }
                break
            }
            let chordReach = self.chordReach
            switch lineSearch(from: beta, into: trial, logLikelihood: logLikelihood, slope: slope, maxAbsGradient: maxAbsGradient,
                              lambda: lambda, derivativesAt: { [unowned self] point in
                                  reach(from: hessianPoint, to: point) <= chordReach ? .gradient : .hessian
                              }) {
            case .accepted(let ll, let derivatives):
                beta.update(from: trial, count: p)
                logLikelihood = ll
                iterations += 1
                hessianHere = derivatives == .hessian
                previousDecrement = decrement
                continue
            case .exhausted:
                // If no step decreases f while δ ≤ 1e-6, f is at floating-point precision: stop there.
                guard decrement <= 1e-6 else { throw FitError.lineSearchFailed(iteration: iterations + 1, newtonDecrement: decrement) }
                converged = true
                _ = evaluate(beta, derivatives: .hessian)
            }
            break
        }
        return finalize(beta, logLikelihood: logLikelihood, iterations: iterations, converged: converged, singular: singular,
                        maxAbsGradient: maxAbsGradient, decrement: decrement)
    }

    /// The estimate and the solver's final state; XᵀHX is the one at the last evaluated point.
    private func finalize(_ beta: UnsafePointer<Double>, logLikelihood: Double, iterations: Int, converged: Bool, singular: Bool,
                          maxAbsGradient: Double, decrement: Double) -> Solution {
        Solution(beta: Array(UnsafeBufferPointer(start: beta, count: p)), logLikelihood: logLikelihood,
                 information: informationMatrix(), iterations: iterations, converged: converged,
                 singularHessian: singular, maxAbsGradient: maxAbsGradient, newtonDecrement: decrement, passes: passes)
    }
}
