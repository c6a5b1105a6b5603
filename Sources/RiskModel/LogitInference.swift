import Dossiers
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// What `LogisticRegression.fit` returns: the estimate and the solver's final state, before any
/// inference (as statsmodels' `fit` returns params and the optimiser's record, and its results class
/// computes the rest).
public struct LogisticFit: Sendable {
    public var terms: [String]
    public var estimates: [Double]
    /// XᵀWX at the estimate, W = diag(wμ(1 − μ)): the observed information (unpenalised).
    public var information: Matrix
    public var logLikelihood: Double
    /// λ of the L2 penalty the estimate minimises with (0: maximum likelihood).
    public var l2: Double
    public var iterations: Int
    /// Passes over the design matrix by kind: with the Hessian, the gradient alone, ℓ alone.
    public var passes: NewtonSolver.Passes
    public var converged: Bool
    public var maxAbsGradient: Double
    public var newtonDecrement: Double
    public var tolerance: Double
    public var rows: Int
    public var rowsWithPositiveWeight: Int
    /// Σw and Σwy.
    public var sumWeights: Double
    public var weightedPositives: Double
    /// The weighted mean of each term over the rows with weight > 0: the reference point reason
    /// codes are measured from.
    public var termMeans: [Double]
    public var warnings: [FitWarning]
}

/// Inference from a fit: the covariance, the coefficient table and the fit statistics.
///
/// For the unpenalised maximum-likelihood estimate β̂ the covariance is the inverse observed
/// information V = (XᵀWX)⁻¹ (Cholesky, `dpotri`). Each coefficient has se_j = √V_jj,
/// z_j = β̂_j/se_j, a two-sided normal p-value and the 95% Wald interval β̂_j ± z₀.₉₇₅·se_j (with
/// odds ratios exp of each). The null model is the intercept alone, ℓ₀ = Σwy·log ȳ + (Σw − Σwy)·log(1 − ȳ)
/// with ȳ = Σwy/Σw; LR = 2(ℓ − ℓ₀) ~ χ²(p − 1); McFadden R² = 1 − ℓ/ℓ₀; AIC = −2ℓ + 2p;
/// BIC = −2ℓ + p·log Σw (frequency weights: Σw observations). A penalised estimate has no valid Wald
/// inference: standard errors, tests and intervals are nil, odds ratios are kept.
public struct LogitInference: Sendable {
    public var covariance: Matrix?
    public var coefficients: [CoefficientEstimate]
    public var statistics: FitStatistics

    public init(_ fit: LogisticFit) throws(FitError) {
        let p = fit.estimates.count, beta = fit.estimates
        var covariance: Matrix?
        if fit.l2 == 0 {
            do { covariance = try Cholesky(fit.information).inverse() } catch {
                throw FitError.singularHessian(iteration: fit.iterations)
            }
        }
        let q = Distributions.normalQuantile975
        coefficients = (0..<p).map { j in
            guard let cov = covariance else {
                return CoefficientEstimate(term: fit.terms[j], estimate: beta[j], stdError: nil, z: nil, pValue: nil,
                                           ciLower: nil, ciUpper: nil, oddsRatio: exp(beta[j]), oddsRatioLower: nil, oddsRatioUpper: nil)
            }
            let se = cov[j, j].squareRoot()
            let z = beta[j] / se
            let lo = beta[j] - q * se, hi = beta[j] + q * se
            return CoefficientEstimate(term: fit.terms[j], estimate: beta[j], stdError: se, z: z,
                                       pValue: Distributions.twoSidedNormalPValue(z), ciLower: lo, ciUpper: hi,
                                       oddsRatio: exp(beta[j]), oddsRatioLower: exp(lo), oddsRatioUpper: exp(hi))
        }
        self.covariance = covariance
        let sumW = fit.sumWeights, sumWY = fit.weightedPositives
        let meanY = sumWY / sumW
        let nullLogLikelihood = sumWY * log(meanY) + (sumW - sumWY) * log(1 - meanY)
        let ll = fit.logLikelihood
        let lr = max(0, 2 * (ll - nullLogLikelihood))
        let k = Double(p)
        statistics = FitStatistics(
            rows: fit.rows, rowsWithPositiveWeight: fit.rowsWithPositiveWeight, sumWeights: sumW, weightedPositives: sumWY,
            logLikelihood: ll, nullLogLikelihood: nullLogLikelihood,
            likelihoodRatioChiSquare: lr, likelihoodRatioDF: p - 1,
            likelihoodRatioPValue: Distributions.chiSquareSurvival(lr, degreesOfFreedom: Double(p - 1)),
            mcFaddenRSquared: 1 - ll / nullLogLikelihood,
            aic: -2 * ll + 2 * k, bic: -2 * ll + k * log(sumW),
            iterations: fit.iterations, converged: fit.converged,
            maxAbsGradient: fit.maxAbsGradient, newtonDecrement: fit.newtonDecrement, tolerance: fit.tolerance,
            penalty: Penalty(kind: fit.l2 > 0 ? "l2" : "none", lambda: fit.l2),
            covariance: fit.l2 == 0
                ? "inverse observed information (XᵀWX)⁻¹ at the maximum-likelihood estimate"
                : "none: penalised fit; the inverse penalised Hessian is not a valid covariance for Wald inference",
            solver: LogisticRegression.solverName
        )
    }
}

extension ModelArtifact {
    /// The artifact of a fit: its inference, the training data's encoding, fingerprint, spec and
    /// provenance, the reference means of reason codes, and the severity part when there is one.
    public init(fit: LogisticFit, inference: LogitInference, data: TrainingData, severity: SeverityModel?) {
        let p = fit.estimates.count
        self.init(
            target: TargetDefinition(column: data.targetName), weight: data.weightName, encoding: data.encoding,
            coefficients: inference.coefficients,
            covariance: inference.covariance.map { c in (0..<p).map { Array(c.row($0)) } },
            termMeans: fit.termMeans,
            fit: inference.statistics, trainingData: data.fingerprint, severity: severity, spec: data.featureSpec,
            sensitiveOverrides: data.sensitiveOverrides.isEmpty ? nil : data.sensitiveOverrides,
            selection: data.selection,
            warnings: fit.warnings.map(\.description))
    }
}
