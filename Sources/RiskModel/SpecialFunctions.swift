#if canImport(Glibc)
import Glibc
#endif

/// Distribution functions for inference. Written here rather than imported: three functions do not
/// justify a statistics dependency in the numeric core.
public enum Distributions {
    /// Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z|/√2).
    public static func twoSidedNormalPValue(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }

    /// 97.5% quantile of the standard normal, for 95% confidence intervals.
    public static let normalQuantile975 = 1.959963984540054

    /// Upper tail of the χ² distribution with `df` degrees of freedom: Q(df/2, x/2).
    /// With 0 degrees of freedom (an intercept-only model) there is nothing to test: 1.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom df: Double) -> Double {
        if x <= 0 || df <= 0 { return 1 }
        return regularizedGammaQ(df / 2, x / 2)
    }

    /// Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a).
    ///
    /// For x < a + 1 the series P(a,x) = e^{−x} x^a / Γ(a+1) Σₖ xᵏ / ((a+1)…(a+k)) converges fast and
    /// Q = 1 − P; otherwise the continued fraction of Γ(a, x) (modified Lentz) gives Q directly, which
    /// keeps full relative precision for the tiny p-values of large likelihood-ratio statistics.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0)
        if x <= 0 { return 1 }
        let logPrefactor = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var sum = 1 / a, term = 1 / a, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return max(0, 1 - exp(logPrefactor) * sum)
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b; if abs(d) < tiny { d = tiny }
            c = b + an / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return exp(logPrefactor) * h
    }
}
