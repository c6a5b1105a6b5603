import Dossiers
import Foundation
import LinearAlgebra

/// The second part of the two-part model: how much indu there is, given that there is one.
///
/// Least squares on the log amount over the rows with a positive target and amount,
/// log aᵢ = xᵢᵀγ + εᵢ, solved by Cholesky on XᵀWX (same design, same weights as the logistic part).
/// Back on the euro scale, E[a | x] = exp(xᵀγ)·E[exp ε], and Duan's smearing estimate
/// s = Σwᵢ exp(eᵢ) / Σwᵢ over the residuals eᵢ replaces E[exp ε] without assuming normal errors.
/// The expected value of a control is then P(indu | x) × E[a | x].
public struct SeverityModel: Codable, Equatable, Sendable {
    public var amountColumn: String
    public var coefficients: [Double]
    public var smearing: Double
    public var rows: Int
    /// R² of the log-scale fit.
    public var rSquared: Double
    public var residualStandardDeviation: Double

    /// Fits on `data.amounts` (rows with target 1 and amount > 0).
    public static func fit(_ data: TrainingData, amounts: [Double], amountColumn: String) throws -> SeverityModel {
        let x = data.design, p = x.columns
        let rows = (0..<x.rows).filter { data.target[$0] == 1 && amounts[$0] > 0 && (data.weights?[$0] ?? 1) > 0 }
        guard rows.count > p else {
            throw FitError.invalidOption("severity model: \(rows.count) positive rows with an amount for \(p) terms; need more rows than terms")
        }
        var sub = Matrix(rows: rows.count, columns: p)
        var logAmount = [Double](repeating: 0, count: rows.count), w = logAmount
        for (k, i) in rows.enumerated() {
            for j in 0..<p { sub[k, j] = x[i, j] }
            logAmount[k] = log(amounts[i]); w[k] = data.weights?[i] ?? 1
        }
        let gram = try weightedGram(sub, weights: w)
        var rhs = [Double](repeating: 0, count: p)
        for k in 0..<rows.count { for j in 0..<p { rhs[j] += w[k] * sub[k, j] * logAmount[k] } }
        let gamma: [Double]
        do { gamma = try Cholesky(gram).solve(rhs) } catch {
            let names = data.encoding.termNames
            let d = ColumnDependence(gram: gram).dependencies.map { names[$0.column] }
            throw FitError.invalidOption("severity model: the design is singular on the \(rows.count) rows with an indu"
                + (d.isEmpty ? "" : " (columns without variation there: \(d.joined(separator: ", ")))") + "; drop those columns or merge levels")
        }
        var sumW = 0.0, smear = 0.0, sse = 0.0, mean = 0.0
        for k in 0..<rows.count { sumW += w[k]; mean += w[k] * logAmount[k] }
        mean /= sumW
        var sst = 0.0
        for k in 0..<rows.count {
            var fitted = 0.0
            for j in 0..<p { fitted += sub[k, j] * gamma[j] }
            let e = logAmount[k] - fitted
            smear += w[k] * exp(e); sse += w[k] * e * e
            sst += w[k] * (logAmount[k] - mean) * (logAmount[k] - mean)
        }
        return SeverityModel(amountColumn: amountColumn, coefficients: gamma, smearing: smear / sumW, rows: rows.count,
                             rSquared: sst > 0 ? 1 - sse / sst : 0, residualStandardDeviation: (sse / max(1, sumW - Double(p))).squareRoot())
    }

    /// E[amount | x] for one design row.
    @inline(__always)
    public func expectedAmount(row: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for j in 0..<coefficients.count { s += row[j] * coefficients[j] }
        return exp(s) * smearing
    }
}
