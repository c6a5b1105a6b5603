import Foundation

/// A readable summary of a model, laid out like statsmodels' `summary()` so that users coming from
/// statsmodels or SAS find the numbers where they expect them.
public enum ModelSummary {
    public static func text(_ m: ModelArtifact) -> String {
        let f = m.fit
        let width = 96
        let rule = String(repeating: "=", count: width), thin = String(repeating: "-", count: width)
        func pair(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
            pad(a, 20) + padLeft(b, 26) + "    " + pad(c, 20) + padLeft(d, 26)
        }
        var lines: [String] = []
        lines.append(center("Logistic Regression Results", width))
        lines.append(rule)
        lines.append(pair("Dep. Variable:", m.target.column, "No. Observations:", num(f.sumWeights)))
        lines.append(pair("Model:", "Logit", "Rows (weight > 0):", "\(f.rowsWithPositiveWeight)"))
        lines.append(pair("Weights:", m.weight ?? "none", "Df Model:", "\(f.likelihoodRatioDF)"))
        lines.append(pair("Penalty:", f.penalty.kind == "none" ? "none" : "L2, λ = \(num(f.penalty.lambda))", "Pseudo R-squ.:", fmt(f.mcFaddenRSquared, 4)))
        lines.append(pair("Converged:", f.converged ? "True" : "False", "Log-Likelihood:", fmt(f.logLikelihood, 3)))
        lines.append(pair("Iterations:", "\(f.iterations)", "LL-Null:", fmt(f.nullLogLikelihood, 3)))
        lines.append(pair("AIC:", fmt(f.aic, 3), "LLR p-value:", sci(f.likelihoodRatioPValue)))
        lines.append(pair("BIC:", fmt(f.bic, 3), "LR chi2:", fmt(f.likelihoodRatioChiSquare, 3)))
        lines.append(rule)
        let termWidth = max(16, min(40, (m.coefficients.map(\.term.count).max() ?? 0) + 2))
        let header = pad("", termWidth) + ["coef", "std err", "z", "P>|z|", "[0.025", "0.975]", "odds ratio"].map { padLeft($0, 11) }.joined()
        lines.append(header)
        lines.append(thin)
        for c in m.coefficients {
            var row = pad(c.term, termWidth) + padLeft(fmt(c.estimate, 4), 11)
            row += [c.stdError, c.z].map { padLeft($0.map { fmt($0, 3) } ?? "—", 11) }.joined()
            row += padLeft(c.pValue.map { fmt($0, 3) } ?? "—", 11)
            row += [c.ciLower, c.ciUpper].map { padLeft($0.map { fmt($0, 3) } ?? "—", 11) }.joined()
            row += padLeft(fmt(c.oddsRatio, 4), 11)
            lines.append(row)
        }
        lines.append(rule)
        lines.append("Covariance: \(f.covariance).")
        lines.append("Solver: \(f.solver); max |gradient| \(sci(f.maxAbsGradient)), Newton decrement \(sci(f.newtonDecrement)).")
        lines.append("Training data: \(m.trainingData.file), \(m.trainingData.rows) rows, sha256 \(m.trainingData.sha256.prefix(16))…")
        if let spec = m.spec { lines.append("Feature spec: \(spec.name)") }
        if let s = m.selection { lines.append("Label provenance: \(s.rowsUsed) rows used (\(s.used.joined(separator: ", "))); \(s.note).") }
        for w in m.warnings { lines.append("Warning: \(w)") }
        for p in m.proxyCheck?.flagged ?? [] {
            lines.append(String(format: "Proxy: %@ predicts %@=%@ with AUC %.3f (threshold %.2f)", p.input, p.attribute, p.level, p.auc, m.proxyCheck!.threshold))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func fmt(_ v: Double, _ d: Int) -> String { String(format: "%.\(d)f", v) }
    private static func sci(_ v: Double) -> String { String(format: "%.3e", v) }
    private static func num(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
    private static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private static func padLeft(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
    private static func center(_ s: String, _ n: Int) -> String { pad(String(repeating: " ", count: max(0, (n - s.count) / 2)) + s, n) }
}
