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
/// log1p(t) is computed as log(u)·t/(u − 1) with u = 1 + t (Goldberg's correction: u − 1 is exact for
/// t ≤ 1 and the ratio undoes the rounding of 1 + t, a few ulps in all), and as t where u rounds to 1:
/// libm's log costs a fraction of its log1p, which was a tenth of a fit's profile.
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
/// the Hessian at the current point and goes on with full Newton, the next step line-searched.
///
/// **Steps without a line search.** A full step that lands within `chordReach` of the factor's point
/// (a chord step, or a Newton step as short) is taken as it is: its error map is the one bounded
/// above, so it contracts, and the progress test at the next point checks that it did. Its pass
/// computes the gradient without ℓ (no `log` per row: ℓ is only the line search's yardstick), and ℓ
/// is computed again when a line-searched step or the end needs it (every exit passes through a
/// pass that computes it). Other steps go through the backtracking line search, which needs only a
/// descent direction (A is positive definite). Convergence is only
/// declared by the test below with a Hessian computed at the final point: when a chord step meets the
/// tolerance, one more pass computes ∇²f there, and the exact decrement decides. So the stopping rule,
/// the optimum, and the final XᵀHX (the covariance's inverse) are those of full Newton.
///
/// ## Single precision for the steps
/// A Hessian that only steers steps need not be exact. With A = (I + E)·H for a rounding E, ‖E‖ ≤ ε,
/// the eigenvalues of a step's error map I − A⁻¹H̄ move by at most about ε·e^{c} from those above, and
/// the line search guards the step as any other. So every Hessian pass but the last rounds the
/// scaled rows to `Float` and calls `ssyrk` (twice the lanes and half the bytes of `dsyrk`: 0.045 s
/// against 0.10 s for 1,048,576 rows × 41 on one core of the benchmark machine), adding each block's
/// single-precision Gram matrix (256 rows) into the double partial sums: ε is about 4e-8 relative to
/// the diagonal (`theSinglePrecisionHessianIsWithinItsRoundingOfTheExactOne`). ℓ, the gradient and
/// the final XᵀHX stay in double precision, and convergence is never declared on a rounded Hessian:
/// when the test passes with one, the Hessian is computed again in double precision there and the
/// test decides with it. Full Newton (`chordReach` 0, the tests' reference) keeps double precision
/// throughout; the warm start's subsample computes its first Hessian in double precision (for its
/// dependence check) and the others in single, its own convergence included (see the loop).
///
/// ## The last point's pass
/// Chord steps contract at a steady rate ρ (the spectral radius of I − A⁻¹H at the optimum), which
/// the last chord step measures: ρ ≈ δ_k/δ_{k−1} (2,000,000 × 41: 8.3e-4, 8.3e-4, 9.5e-4 on three
/// steps). When δ_k·ρ is under a quarter of the chord target, the next point should converge, and
/// its pass computes the double-precision Hessian instead of the gradient alone: the test there is
/// decided with no pass of its own (one gradient pass fewer). A wrong prediction costs one Hessian
/// pass and nothing else: the exact decrement decides, and Newton goes on from that point
/// (`aWrongPredictionOfTheLastPointStillReachesFullNewtonsOptimum`).
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
    /// Rows of scaled copies gathered before one `syrk` call (four blocks): on 2,000,000 × 41, a
    /// double-precision Hessian pass took 0.124 to 0.128 s against 0.129 to 0.141 s with a call per
    /// block (each call packs the p×p result again); 4,096 rows gained nothing more, and their copies
    /// (1.3 MB per worker) no longer stay in a core's L2 cache.
    let gramRows = 1024
    /// The bound c on any row's change of η since the Hessian was computed, for a chord step
    /// (0: full Newton, a Hessian at every point).
    let chordReach: Double
    /// The warm start's subsample takes one block of `blockRows` rows in every `warmStartStride`
    /// (1: no warm start; see "The warm start" above).
    let warmStartStride: Int
    /// How far below the chord target the predicted decrement of the next point must be for that
    /// point to be evaluated with the Hessian (see the loop; tests widen it to force mispredictions).
    let predictionMargin: Double
    /// 1 for passes over all of X; `warmStartStride` while the warm start fits the subsample.
    private var stride = 1
    /// Applied to the warm start's estimated XᵀHX (p×p, column-major) once it is scaled to all rows.
    /// Only tests set it: no data makes a clean subsample's estimate indefinite, or so far off that
    /// the line search's 60 halvings cannot shorten its step enough, yet `iterate` has a way out of
    /// both (the exact Hessian at β_S), and `WarmStartTests` must be able to take it.
    var estimateAdjustment: ((UnsafeMutablePointer<Double>, Int) -> Void)?

    /// What an evaluation computes besides ℓ.
    public enum Derivatives: Sendable {
        case none, gradient, hessian
        /// XᵀHX from rows rounded to single precision (`ssyrk`, summed in double per block): within
        /// about 1e-6 relative of `.hessian`, for the steps that travel; never the final information.
        case singlePrecisionHessian
    }

    /// Passes over X by kind (each pass reads all of X once).
    public struct Passes: Sendable, Equatable {
        public var hessian = 0, gradient = 0, value = 0
        /// Passes whose Hessian was computed in single precision (`Derivatives.singlePrecisionHessian`).
        public var singlePrecisionHessian = 0
        /// Passes over the warm start's subsample (each reads 1/`subsampleStride` of X).
        public var subsample = 0
        public var subsampleStride = 1
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
    /// Per worker: a block of scaled rows in single precision, then its p×p Gram matrix (whose lower
    /// triangle `ssyrk` never writes, so it stays the zero it is allocated with).
    private let singleScratch: UnsafeMutablePointer<Float>
    private let singleScratchPerWorker: Int
    /// Xᵀr and XᵀHX of the last evaluation with derivatives (full symmetric p×p).
    let scoreVector: UnsafeMutablePointer<Double>
    let information: UnsafeMutablePointer<Double>
    /// Penalised Hessian, then its Cholesky factor; the Newton direction; the trial point.
    private let factor: UnsafeMutablePointer<Double>
    private let direction: UnsafeMutablePointer<Double>
    private let gradient: UnsafeMutablePointer<Double>

    public init(x: Matrix, y: [Double], w: [Double]?, threads: Int, chordReach: Double = 0.25,
                warmStartStride: Int? = nil, predictionMargin: Double = 0.25) throws {
        self.x = x; self.y = y; self.w = w
        self.chordReach = chordReach
        self.predictionMargin = predictionMargin
        self.warmStartStride = max(1, warmStartStride ?? Self.warmStartStride(rows: x.rows, columns: x.columns))
        p = x.columns
        self.threads = max(1, threads)
        _ = try blasInt(x.rows); _ = try blasInt(p)
        segments = RowSegments(rowCount: x.rows)
        let s = segments.count
        partialHessian = .allocate(capacity: s * p * p)
        partialGradient = .allocate(capacity: s * p)
        partialLogLikelihood = .allocate(capacity: s)
        partialColumnMax = .allocate(capacity: s * p)
        scratchPerWorker = 2 * blockRows + gramRows * p
        scratch = .allocate(capacity: segments.workerCount(threads: self.threads) * scratchPerWorker)
        singleScratchPerWorker = gramRows * p + p * p
        let singleCount = segments.workerCount(threads: self.threads) * singleScratchPerWorker
        singleScratch = .allocate(capacity: singleCount)
        singleScratch.initialize(repeating: 0, count: singleCount)
        scoreVector = .allocate(capacity: p)
        information = .allocate(capacity: p * p)
        factor = .allocate(capacity: p * p)
        direction = .allocate(capacity: p)
        gradient = .allocate(capacity: p)
    }

    deinit {
        partialHessian.deallocate(); partialGradient.deallocate()
        partialLogLikelihood.deallocate(); partialColumnMax.deallocate(); scratch.deallocate(); singleScratch.deallocate()
        scoreVector.deallocate(); information.deallocate(); factor.deallocate(); direction.deallocate(); gradient.deallocate()
    }

    /// ℓ(β) alone (line search), or ℓ with Xᵀr into `scoreVector`, and with XᵀHX into `information`.
    ///
    /// `skippingLogLikelihood` leaves ℓ out (it returns NaN) and saves a `log` per row: for the chord
    /// phase's steps, which are accepted without a line search (see "Steps without a line search").
    public func evaluate(_ beta: UnsafePointer<Double>, derivatives: Derivatives, skippingLogLikelihood: Bool = false) -> Double {
        let p = self.p, blockRows = self.blockRows, gramRows = self.gramRows, pp = p * p
        let gradient = derivatives != .none
        let value = !skippingLogLikelihood || !gradient
        let single = derivatives == .singlePrecisionHessian, hessian = derivatives == .hessian || single
        // The chord phase's bound needs the maxima over every row, never a subsample's.
        let takeColumnMax = hessian && columnMax.isEmpty && stride == 1
        switch (derivatives, stride) {
        case (_, 2...): passes.subsample += 1
        case (.none, _): passes.value += 1
        case (.gradient, _): passes.gradient += 1
        case (.hessian, _): passes.hessian += 1
        case (.singlePrecisionHessian, _): passes.singlePrecisionHessian += 1
        }
        let cm = UncheckedSendable(partialColumnMax)
        let hs = UncheckedSendable(partialHessian), gs = UncheckedSendable(partialGradient)
        let ls = UncheckedSendable(partialLogLikelihood), sc = UncheckedSendable(scratch)
        let perWorker = scratchPerWorker, singlePerWorker = singleScratchPerWorker
        let ss = UncheckedSendable(singleScratch)
        let bb = UncheckedSendable(beta)
        x.storage.withUnsafeBufferPointer { xBuffer in
            y.withUnsafeBufferPointer { yBuffer in
                let xb = UncheckedSendable(xBuffer.baseAddress!), yb = UncheckedSendable(yBuffer.baseAddress!)
                let wb = UncheckedSendable(w)
                segments.forEach(threads: threads) { worker, s, rows in
                    let eta = sc.value + worker * perWorker
                    let r = eta + blockRows
                    let scaled = r + blockRows
                    let scaledSingle = ss.value + worker * singlePerWorker, gramSingle = scaledSingle + gramRows * p
                    let H = hs.value + s * pp, g = gs.value + s * p, columnMax = cm.value + s * p
                    if gradient { g.update(repeating: 0, count: p) }
                    if hessian { H.update(repeating: 0, count: pp) }
                    if takeColumnMax { columnMax.update(repeating: 0, count: p) }
                    var ll = 0.0
                    /// Scaled rows waiting in `scaled` (or `scaledSingle`) for the next `syrk`.
                    var gathered = 0
                    func addGathered() {
                        guard gathered > 0 else { return }
                        if single {
                            try! BLAS.gramUpper(scaledSingle, rows: gathered, columns: p, into: gramSingle)
                            for k in 0..<pp { H[k] += Double(gramSingle[k]) }
                        } else {
                            try! BLAS.gramUpper(scaled, rows: gathered, columns: p, into: H, beta: 1)
                        }
                        gathered = 0
                    }
                    for start in blockStarts(rows) {
                        let m = min(blockRows, rows.upperBound - start)
                        let block = xb.value + start * p
                        rowProducts(block, rows: m, columns: p, with: bb.value, into: eta)
                        for i in 0..<m {
                            let e = eta[i], yi = yb.value[start + i]
                            let wi = wb.value?[start + i] ?? 1
                            let t = exp(-abs(e)), u = 1 + t
                            if value {
                                let log1pt = u == 1 ? t : log(u) * (t / (u - 1))
                                let softplus = e >= 0 ? e + log1pt : log1pt
                                ll += wi * (yi * e - softplus)
                            }
                            if gradient {
                                let mu = e >= 0 ? 1 / u : t / u
                                r[i] = wi * (yi - mu)
                                if hessian {
                                    let root = (wi * mu * (1 - mu)).squareRoot()
                                    let from = block + i * p
                                    if single {
                                        let to = scaledSingle + (gathered + i) * p
                                        for j in 0..<p { to[j] = Float(from[j] * root) }
                                    } else {
                                        let to = scaled + (gathered + i) * p
                                        for j in 0..<p { to[j] = from[j] * root }
                                    }
                                    if takeColumnMax { for j in 0..<p { columnMax[j] = max(columnMax[j], abs(from[j])) } }
                                }
                            }
                        }
                        if gradient { try! BLAS.multiplyTransposed(block, rows: m, columns: p, by: r, into: g, beta: 1) }
                        if hessian {
                            gathered += m
                            if gathered + blockRows > gramRows { addGathered() }
                        }
                    }
                    addGathered()
                    ls.value[s] = ll
                }
            }
        }
        var ll = value ? 0.0 : Double.nan
        for s in 0..<segments.count where value { ll += partialLogLikelihood[s] }
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

    /// The first rows of the blocks a pass reads in a segment: every block, or one in every `stride`
    /// while the warm start fits its subsample (the same blocks whatever the thread count).
    private func blockStarts(_ rows: Range<Int>) -> StrideTo<Int> {
        Swift.stride(from: rows.lowerBound, to: rows.upperBound, by: blockRows * stride)
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

    /// Xᵀr of the last evaluation with derivatives, r = w(y − μ): the score vector of ℓ.
    func scoreVectorArray() -> [Double] {
        Array(UnsafeBufferPointer(start: scoreVector, count: p))
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
    //   warmStart          on large data: the same loop on a subsample, to a loose tolerance; its
    //                      estimate is β₀, with ℓ and ∇ℓ over all rows there, and the subsample's
    //                      XᵀHX scaled to all rows as the first step's matrix (see "The warm start")
    //   setup              otherwise β₀ = (logit ȳ_w, 0, …, 0); ℓ, ∇ℓ and XᵀHX at β₀
    //                      (the collinearity check runs on the first XᵀHX over all rows)
    //   repeat:
    //     innerSolve       d = −(∇²f)⁻¹∇f by Cholesky (newtonDirection), or with the factor of an
    //                      earlier Hessian (chordDirection); δ² = −∇fᵀd
    //     checkConvergence δ ≤ tol and max|∇f| ≤ tol·Σw, decided with the Hessian at this point
    //                      (after a chord step, one Hessian pass here first)
    //     chord progress   a chord step that did not halve δ: the Hessian here, then Newton
    //     lineSearch       β + t·d, t = 1, ½, …: Armijo, or the full step at rounding level
    //     updateDerivatives ℓ, ∇ℓ at the accepted point, and XᵀHX in single precision unless the point
    //                      is within `chordReach` of the last Hessian's; within it, XᵀHX in double
    //                      precision when the chord phase predicts this point converges (inside the
    //                      line search: the first trial is evaluated with them, so an accepted full
    //                      step costs one pass)
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

    /// Runs Newton to the optimum, from the warm start when the solver has one and it succeeds, else
    /// from the intercept-only start logit(ȳ_w). `checkStart` sees XᵀHX at the first point where it
    /// is computed over all rows in double precision: a Gram matrix of X with positive row weights, so its dependent
    /// columns are X's (for the collinearity check).
    func solve(l2 lambda: Double, tolerance: Double, maxIterations: Int, sumWeights: Double, meanTarget: Double,
               checkStart: (Matrix) throws -> Void) throws -> Solution {
        let beta = UnsafeMutablePointer<Double>.allocate(capacity: p)
        defer { beta.deallocate() }
        var logLikelihood: Double
        let curvature: Curvature
        if let warm = try warmStart(beta, l2: lambda, sumWeights: sumWeights),
           objective(logLikelihood: warm, at: beta, lambda: lambda) <= Self.interceptOnlyObjective(meanTarget: meanTarget, sumWeights: sumWeights) {
            logLikelihood = warm
            curvature = .estimate
        } else {
            passes.subsampleStride = 1  // no estimate, or one worse than the intercept alone: not used
            logLikelihood = try setup(beta, meanTarget: meanTarget, checkStart: checkStart)
            curvature = .exact
        }
        let run = try iterate(beta, logLikelihood: &logLikelihood, curvature: curvature, l2: lambda, tolerance: tolerance,
                              maxIterations: maxIterations, sumWeights: sumWeights, chordReach: chordReach,
                              checkFirstHessian: checkStart)
        return finalize(beta, logLikelihood: logLikelihood, iterations: run.iterations, converged: run.converged,
                        singular: run.singular, maxAbsGradient: run.maxAbsGradient, decrement: run.decrement)
    }

    /// What the matrix behind the next step is, relative to the current point β.
    enum Curvature {
        /// `information` is ∇²ℓ's XᵀHX at β, over the rows of the pass.
        case exact
        /// `information` is XᵀHX at β over all rows, computed in single precision: good for steps
        /// and for the chord phase; the convergence test is then decided with `.exact` here.
        case singlePrecision
        /// The Cholesky factor is that of a Hessian at an earlier point (a chord step).
        case reused
        /// `information` is an estimate at β, not computed from its rows: the warm start's subsample
        /// Hessian, scaled to all rows. Good for one step; never for the convergence test.
        case estimate
    }

    /// How a run of the Newton loop ended.
    struct LoopOutcome {
        var iterations = 0
        var converged = false, singular = false
        var maxAbsGradient = Double.infinity, decrement = Double.infinity
    }

    /// The Newton loop from β, whose ℓ and gradient are current, and `information` as `curvature`
    /// says. With `chordReach` 0 every point gets a Hessian (full Newton). `checkFirstHessian` sees
    /// the first exact Hessian the loop computes, unless the loop starts with one (`.exact`). On
    /// return β is the last accepted point and, when converged, `information` the Hessian there.
    private func iterate(_ beta: UnsafeMutablePointer<Double>, logLikelihood: inout Double, curvature start: Curvature,
                         l2 lambda: Double, tolerance: Double, maxIterations: Int, sumWeights: Double, chordReach: Double,
                         checkFirstHessian: (Matrix) throws -> Void) throws -> LoopOutcome {
        let trial = UnsafeMutablePointer<Double>.allocate(capacity: p)
        // β_A: where the Hessian behind the current Cholesky factor was computed.
        let hessianPoint = UnsafeMutablePointer<Double>.allocate(capacity: p)
        defer { trial.deallocate(); hessianPoint.deallocate() }
        var out = LoopOutcome()
        var curvature = start
        /// Whether the current factor is that of a Hessian computed at `hessianPoint` over all rows
        /// (in double or single precision), so that the chord phase's bound applies to it.
        var factorIsComputed = false
        var checked = start == .exact
        func hessianComputed() throws {
            curvature = .exact
            if !checked { checked = true; try checkFirstHessian(informationMatrix()) }
        }
        /// Whether `logLikelihood` is ℓ at β (not after a step without a line search).
        var valueKnown = true
        /// After a chord step that did not make progress: the next step is line-searched.
        var guardNextStep = false
        func computeHessianHere() throws {
            logLikelihood = evaluate(beta, derivatives: .hessian)
            valueKnown = true
            try hessianComputed()
        }
        // Points that need a Hessian and are not the last get it in single precision (the chord
        // phase's matrix, see "Single precision for the steps"); full Newton over all rows keeps
        // double precision throughout. The warm start's subsample converges on a single-precision
        // Hessian too: its estimate is only a start, and its matrix only an estimate.
        let subsample = stride > 1
        let travel: Derivatives = chordReach > 0 || subsample ? .singlePrecisionHessian : .hessian
        /// δ of the step that led here, for the chord phase's progress test and its prediction.
        var previousDecrement = Double.infinity
        /// Whether the step that led here was a chord step (and the one before it: then
        /// δ/previousDecrement is the chord phase's contraction).
        var arrivedByChord = false, previousArrivedByChord = false
        while true {
            // innerSolve
            let slope: Double, maxAbs: Double
            if curvature == .reused {
                (slope, maxAbs) = chordDirection(beta: beta, lambda: lambda)
            } else if let newton = newtonDirection(beta: beta, lambda: lambda) {
                (slope, maxAbs) = newton
                factorIsComputed = curvature == .exact || curvature == .singlePrecision
                hessianPoint.update(from: beta, count: p)
            } else if curvature == .estimate || curvature == .singlePrecision {
                try computeHessianHere()  // not positive definite as estimated or rounded: the exact Hessian then
                continue
            } else {
                out.singular = true
                break
            }
            out.decrement = max(0, -slope).squareRoot()
            out.maxAbsGradient = maxAbs
            // Chord steps converge linearly and would stop just under the tolerance, where Newton's
            // last, quadratic step lands far below it: a point reached by one must meet a hundredth
            // of it, so that the estimate is as close to the optimum as full Newton's (stopped at the
            // tolerance itself, the statsmodels test's `fair` estimates were 1.35e-10 away against a
            // bound of 1e-10). Not a thousandth: that is the rounding floor of δ on large data
            // (2,000,000 rows: a chord step from 1.2e-13 reached 4.3e-14 where the steps before
            // gained 1,000 times each), so its last pass bought nothing.
            let chordTarget = tolerance * 1e-2
            let target = curvature == .reused || curvature == .estimate || arrivedByChord ? chordTarget : tolerance
            if checkConvergence(decrement: out.decrement, maxAbsGradient: out.maxAbsGradient, tolerance: target, sumWeights: sumWeights) {
                if curvature == .exact || (subsample && curvature == .singlePrecision) { out.converged = true; break }
                // Decided with the Hessian at this point in double precision, never a reused,
                // estimated or rounded one.
                try computeHessianHere()
                continue
            }
            if curvature == .reused, out.decrement > 0.5 * previousDecrement {
                // The reused Hessian stopped making progress: compute it here, then Newton, with a
                // line search for the next step.
                try computeHessianHere()
                guardNextStep = true
                continue
            }
            if out.iterations >= maxIterations {
                if curvature != .exact {
                    // The last information, and the decrement reported with the error, are exact.
                    try computeHessianHere()
                    if let exact = newtonDirection(beta: beta, lambda: lambda) {
                        out.decrement = max(0, -exact.slope).squareRoot()
                        out.maxAbsGradient = exact.maxAbsGradient
                    }
                }
                break
            }
            // The next point's derivatives. Within `chordReach` of the factor's point, the gradient
            // alone, unless the chord phase's contraction, measured over its last step, predicts that
            // the next point meets the target with room to spare: then that point's pass computes the
            // double-precision Hessian the convergence test needs there, instead of a gradient pass
            // followed by a Hessian pass. A wrong prediction costs one Hessian pass and loses nothing:
            // the test is decided with that Hessian, and if it fails, Newton goes on from there.
            let contraction = curvature == .reused && previousArrivedByChord ? out.decrement / previousDecrement : 1
            let predictedLast = out.decrement * contraction <= chordTarget * predictionMargin
            let stepIsChord = curvature == .reused || curvature == .estimate
            // Steps without a line search: the full step lands within `chordReach` of the factor's
            // point, where the contraction is proved; the progress test above checks it at the next point.
            for j in 0..<p { trial[j] = beta[j] + direction[j] }
            if factorIsComputed && chordReach > 0 && !guardNextStep && reach(from: hessianPoint, to: trial) <= chordReach {
                let derivatives: Derivatives = predictedLast ? .hessian : .gradient
                logLikelihood = evaluate(trial, derivatives: derivatives, skippingLogLikelihood: !predictedLast)
                valueKnown = predictedLast
                beta.update(from: trial, count: p)
                out.iterations += 1
                if predictedLast { try hessianComputed() } else { curvature = .reused }
                previousDecrement = out.decrement
                previousArrivedByChord = arrivedByChord
                arrivedByChord = stepIsChord
                continue
            }
            guardNextStep = false
            if !valueKnown {
                // ℓ here for the line search's comparison (it leaves the derivatives as they are).
                logLikelihood = evaluate(beta, derivatives: .none)
                valueKnown = true
            }
            switch lineSearch(from: beta, into: trial, logLikelihood: logLikelihood, slope: slope, maxAbsGradient: out.maxAbsGradient,
                              lambda: lambda, derivativesAt: { [unowned self] point in
                                  guard factorIsComputed && chordReach > 0 && reach(from: hessianPoint, to: point) <= chordReach else { return travel }
                                  return predictedLast ? .hessian : .gradient
                              }) {
            case .accepted(let ll, let derivatives):
                beta.update(from: trial, count: p)
                logLikelihood = ll
                valueKnown = true
                out.iterations += 1
                switch derivatives {
                case .hessian: try hessianComputed()
                case .singlePrecisionHessian: curvature = .singlePrecision
                case .gradient, .none: curvature = .reused
                }
                previousDecrement = out.decrement
                previousArrivedByChord = arrivedByChord
                arrivedByChord = stepIsChord
                continue
            case .exhausted:
                if curvature == .estimate {
                    // The estimated matrix gave no descent the line search could find: start again
                    // from the exact Hessian here (the trials overwrote the gradient; this restores it).
                    try computeHessianHere()
                    continue
                }
                // If no step decreases f while δ ≤ 1e-6, f is at floating-point precision: stop there.
                guard out.decrement <= 1e-6 else {
                    throw FitError.lineSearchFailed(iteration: out.iterations + 1, newtonDecrement: out.decrement)
                }
                out.converged = true
                // The trials overwrote the derivatives: the final information is the Hessian at β.
                try computeHessianHere()
            }
            break
        }
        assert(valueKnown, "every way out of the loop evaluates ℓ at β")
        return out
    }

    // MARK: The warm start
    //
    // From the intercept-only start, Newton on 2 million rows takes 6 or 7 iterations, each a pass over
    // all of X with the Hessian, yet the first ones only travel: the point they reach is no better
    // known than the sampling error of the data allows. So the solver first fits the same model on a
    // subsample S (one block of `blockRows` rows in every `warmStartStride`, spread over the whole
    // file), to a loose tolerance, and starts the full fit from that estimate β_S.
    //
    // **Why this cannot change the answer.** f is strictly convex (the collinearity check has passed),
    // so it has one minimiser, and the damped Newton loop converges to it from any start: the line
    // search makes every step decrease f, and the stopping rule (the exact decrement and the exact
    // gradient at the final point, with the Hessian computed there over all rows) is the one of the
    // cold start. The start only decides how many iterations that takes.
    //
    // **Why it saves passes.** β_S minimises f_S(β) = −ℓ_S(β) + (λ·Σ_S w/Σw)/2·Σ_{j≥1}βⱼ², whose
    // minimiser differs from f's by the sampling error of a subsample of m rows out of n: about
    // √(n/m) of the full fit's standard errors, so the full decrement at β_S is a few units. Newton's
    // quadratic phase takes that to 1e-10 in three steps (δ_{k+1} ≈ C·δ_k², C of order 1/√n for
    // logistic regression), against six or seven from the intercept. The subsample's own fit costs
    // 6 or so passes over m = n/stride rows: well under one full pass.
    //
    // **The first step needs no Hessian pass.** The subsample's fit ends with H_S = X_SᵀH_S X_S at β_S,
    // and (Σw/Σ_S w)·H_S estimates the full XᵀHX there within its sampling error (about √(p/m)
    // relative: 2 % for 41 terms and 125,000 rows). The first full pass at β_S computes ℓ and the
    // gradient only, and the first step solves with that estimate: a chord step whose error map
    // I − A⁻¹H̄ is small (the estimate is close to H̄), so it takes the decrement from about 20 to
    // about 1, where Newton's own step would reach a few tenths. The line search guards it as any
    // step (A is positive definite, so the direction descends); the next point always gets a Hessian
    // computed over all rows (the chord bound does not apply to an estimate), in single precision.
    // The collinearity check runs on the first double-precision one, the last: it cannot find
    // columns dependent where the subsample had none, X_S's rank being at most X's, but it still
    // names them if rounding made the subsample look independent. If the estimate is not positive definite, or no step along it
    // decreases f, the solver computes the exact Hessian at β_S and goes on with Newton.
    //
    // **When it is not used.** Under `minimumSubsampleRows` rows in the subsample (too noisy to help),
    // and whenever the subsample fit is not clean: an outcome constant in S, fewer rows than terms,
    // a dependent or empty column in S (a rare level absent from it), a singular Hessian, a failed line
    // search or no convergence in `subsampleIterations`. The solver then starts from the intercept,
    // as it always did, and the full data's checks run there. Nor when β_S, judged over all rows, is
    // worse than the intercept alone (f(β_S) > f(β₀), f(β₀) = −Σw·(ȳ log ȳ + (1 − ȳ) log(1 − ȳ)) in
    // closed form): a subsample separated by a column that is noise elsewhere converges (its ℓ_S
    // goes to 0, and so does its decrement) to a coefficient far out, and the full fit from there
    // took 15 iterations and 14 Hessian passes where the cold start takes 10 and 4
    // (`aSubsampleThatIsSeparatedStillReachesTheColdStartsOptimum`). That check costs no pass: the
    // gradient pass at β_S computed f(β_S).

    /// f at the intercept-only start β₀ = logit(ȳ_w), where no penalty applies: −Σw·(ȳ log ȳ +
    /// (1 − ȳ) log(1 − ȳ)); +∞ for an outcome that is constant (no estimate is then refused here).
    static func interceptOnlyObjective(meanTarget m: Double, sumWeights: Double) -> Double {
        guard m > 0, m < 1 else { return .infinity }
        return -sumWeights * (m * log(m) + (1 - m) * log1p(-m))
    }

    /// The smallest subsample worth fitting first, and the largest stride (16: the full fit's start
    /// is then within about 4 standard errors).
    static let minimumSubsampleRows = 65_536
    static let maximumWarmStartStride = 16
    static let subsampleIterations = 25
    /// The subsample is fitted to δ ≤ this: its own sampling error is about one of its standard errors.
    static let subsampleTolerance = 0.05

    /// The largest power of two ≤ 16 that leaves `minimumSubsampleRows` and 256 rows per term in the
    /// subsample; 1 (no warm start) under 4.
    static func warmStartStride(rows: Int, columns: Int) -> Int {
        let wanted = max(minimumSubsampleRows, 256 * columns)
        var stride = 1
        while stride < maximumWarmStartStride && rows / (2 * stride) >= wanted { stride *= 2 }
        return stride >= 4 ? stride : 1
    }

    /// Fits the subsample from its intercept-only start and leaves β_S in `beta`, with ℓ and the
    /// gradient over all rows evaluated there and the scaled subsample Hessian in `information`, or
    /// returns nil when the warm start is not used; see above.
    private func warmStart(_ beta: UnsafeMutablePointer<Double>, l2 lambda: Double, sumWeights: Double) throws -> Double? {
        guard warmStartStride > 1 else { return nil }
        stride = warmStartStride
        defer { stride = 1 }
        var sampleWeight = 0.0, samplePositives = 0.0, sampleRows = 0
        for s in 0..<segments.count {
            let rows = segments.range(s)
            for start in blockStarts(rows) {
                for i in start..<min(start + blockRows, rows.upperBound) {
                    let wi = w?[i] ?? 1
                    sampleWeight += wi; samplePositives += wi * y[i]
                    if wi > 0 { sampleRows += 1 }
                }
            }
        }
        guard sampleRows > p, samplePositives > 0, samplePositives < sampleWeight else { return nil }
        let sampleMean = samplePositives / sampleWeight
        beta.update(repeating: 0, count: p)
        beta[0] = log(sampleMean / (1 - sampleMean))
        var logLikelihood = evaluate(beta, derivatives: .hessian)
        let dependence = ColumnDependence(gram: informationMatrix())
        guard dependence.zeroColumns.isEmpty, dependence.dependencies.isEmpty else { return nil }
        guard let run = try? iterate(beta, logLikelihood: &logLikelihood, curvature: .exact, l2: lambda * sampleWeight / sumWeights,
                                     tolerance: Self.subsampleTolerance, maxIterations: Self.subsampleIterations,
                                     sumWeights: sampleWeight, chordReach: 0, checkFirstHessian: { _ in }),
              run.converged else { return nil }
        for j in 0..<p where !beta[j].isFinite { return nil }
        // The loop converged with the subsample's Hessian at β_S in `information`: scaled by Σw/Σ_S w
        // it estimates the full one, and the first full pass needs the gradient alone.
        let scale = sumWeights / sampleWeight
        for k in 0..<(p * p) { information[k] *= scale }
        estimateAdjustment?(information, p)
        stride = 1
        passes.subsampleStride = warmStartStride
        return evaluate(beta, derivatives: .gradient)
    }

    /// The estimate and the solver's final state; XᵀHX is the one at the last evaluated point.
    private func finalize(_ beta: UnsafePointer<Double>, logLikelihood: Double, iterations: Int, converged: Bool, singular: Bool,
                          maxAbsGradient: Double, decrement: Double) -> Solution {
        Solution(beta: Array(UnsafeBufferPointer(start: beta, count: p)), logLikelihood: logLikelihood,
                 information: informationMatrix(), iterations: iterations, converged: converged,
                 singularHessian: singular, maxAbsGradient: maxAbsGradient, newtonDecrement: decrement, passes: passes)
    }
}
