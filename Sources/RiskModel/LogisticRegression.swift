import CiblageSupport
import Dossiers
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// What to do when the outcomes are separated and no finite maximum-likelihood estimate exists.
public enum SeparationPolicy: Sendable, Equatable {
    /// Report the separation as an error; no model is produced.
    case fail
    /// Warn, then fit with this L2 penalty so the estimates are finite (recorded in the model).
    case stabilize(l2: Double)
}

public struct LogisticRegressionOptions: Sendable {
    /// λ in −ℓ(β) + (λ/2)Σ_{j≥1}βⱼ² (scikit-learn's C = 1/λ). 0: plain maximum likelihood.
    public var l2: Double
    /// Convergence: Newton decrement ≤ tolerance and max|∇f| ≤ tolerance·Σw.
    public var tolerance: Double
    public var maxIterations: Int
    public var threads: Int
    public var onSeparation: SeparationPolicy

    public init(l2: Double = 0, tolerance: Double = 1e-10, maxIterations: Int = 100,
                threads: Int = Parallelism.defaultThreads, onSeparation: SeparationPolicy = .fail) {
        self.l2 = l2; self.tolerance = tolerance; self.maxIterations = maxIterations
        self.threads = threads; self.onSeparation = onSeparation
    }
}

/// Logistic regression: fit, diagnostics and inference, producing a model artifact.
public enum LogisticRegression {
    public static let solverName = "newton-cholesky (IRLS) with backtracking line search"

    /// Fits, infers and assembles the artifact in one call (what a library user or a test wants;
    /// the training workflow does the same three steps itself, with the proxy check).
    public static func model(_ data: TrainingData, options: LogisticRegressionOptions = LogisticRegressionOptions()) throws -> ModelArtifact {
        let fitted = try fit(data, options: options)
        let severity = try data.amounts.map { try SeverityModel.fit(data, amounts: $0, amountColumn: data.amountName ?? "amount") }
        return ModelArtifact(fit: fitted, inference: try LogitInference(fitted), data: data, severity: severity)
    }

    /// Fits the model or explains why it cannot be fitted (`FitError`): the checks, the diagnostics of
    /// separation and collinearity, and Newton to the optimum. Inference is `LogitInference(fit)`.
    public static func fit(_ data: TrainingData, options: LogisticRegressionOptions = LogisticRegressionOptions()) throws -> LogisticFit {
        var options = options
        guard options.l2 >= 0, options.l2.isFinite else { throw FitError.invalidOption("{l2} must be a finite number ≥ 0, got \(options.l2)") }
        guard options.tolerance > 0, options.tolerance < 1 else { throw FitError.invalidOption("tolerance must be in (0, 1), got \(options.tolerance)") }
        guard options.maxIterations >= 1 else { throw FitError.invalidOption("{maxIterations} must be ≥ 1") }
        if case .stabilize(let l) = options.onSeparation, !(l > 0 && l.isFinite) {
            throw FitError.invalidOption("the stabilising L2 penalty must be > 0, got \(l)")
        }
        let x = data.design, y = data.target, w = data.weights
        let n = x.rows, p = x.columns
        let terms = data.encoding.termNames
        precondition(terms.count == p && y.count == n)

        var sumW = 0.0, sumWY = 0.0, positiveRows = 0
        for i in 0..<n {
            let wi = w?[i] ?? 1
            sumW += wi; sumWY += wi * y[i]
            if wi > 0 { positiveRows += 1 }
        }
        if sumW <= 0 { throw FitError.noRows }
        if sumWY <= 0 { throw FitError.constantTarget(column: data.targetName, value: 0) }
        if sumWY >= sumW { throw FitError.constantTarget(column: data.targetName, value: 1) }
        if positiveRows <= p { throw FitError.tooFewRows(rows: positiveRows, terms: p) }
        let profile = ColumnProfile(data, threads: options.threads)
        if let constant = profile.firstConstantColumn {
            throw FitError.constantColumn(term: terms[constant.column], value: constant.value)
        }

        var warnings: [FitWarning] = []
        if options.l2 == 0, let diagnosis = univariateSeparation(data, profile: profile) {
            try handle(diagnosis, options: &options, warnings: &warnings)
        }

        let solver = try NewtonSolver(x: x, y: y, w: w, threads: options.threads)
        let lambda = options.l2
        let solution = try solver.solve(
            l2: lambda, tolerance: options.tolerance, maxIterations: options.maxIterations,
            sumWeights: sumW, meanTarget: sumWY / sumW
        ) { information in
            let dependence = ColumnDependence(gram: information)
            guard !dependence.dependencies.isEmpty else { return }
            let relations = dependence.dependencies.map { d in
                "\(terms[d.column]) = " + d.combination.map { "\(formatNumber($0.coefficient, digits: 6))·\(terms[$0.column])" }
                    .joined(separator: " + ")
            }
            if lambda == 0 { throw FitError.collinear(relations) }
            warnings.append(.collinearUnderPenalty(relations: relations))
        }
        if !solution.converged {
            if lambda == 0, let diagnosis = fittedSeparation(data, solver: solver, solution: solution) {
                try handle(diagnosis, options: &options, warnings: &warnings)
                return try refit(data, options: options, warnings: warnings)
            }
            if solution.singularHessian { throw FitError.singularHessian(iteration: solution.iterations) }
            throw FitError.noConvergence(iterations: solution.iterations, maxAbsGradient: solution.maxAbsGradient,
                                         newtonDecrement: solution.newtonDecrement)
        }
        if lambda == 0, let diagnosis = fittedSeparation(data, solver: solver, solution: solution) {
            try handle(diagnosis, options: &options, warnings: &warnings)
            return try refit(data, options: options, warnings: warnings)
        }

        return LogisticFit(
            terms: terms, estimates: solution.beta, information: solution.information, logLikelihood: solution.logLikelihood,
            l2: lambda, iterations: solution.iterations, passes: solution.passes, converged: solution.converged, maxAbsGradient: solution.maxAbsGradient,
            newtonDecrement: solution.newtonDecrement, tolerance: options.tolerance, rows: n, rowsWithPositiveWeight: positiveRows,
            sumWeights: sumW, weightedPositives: sumWY, termMeans: profile.termMeans, warnings: warnings + FitWarning.about(data))
    }

    private static func refit(_ data: TrainingData, options: LogisticRegressionOptions, warnings: [FitWarning]) throws -> LogisticFit {
        var fitted = try fit(data, options: options)
        fitted.warnings = warnings + fitted.warnings
        return fitted
    }

    private static func handle(_ diagnosis: SeparationDiagnosis, options: inout LogisticRegressionOptions,
                               warnings: inout [FitWarning]) throws {
        switch options.onSeparation {
        case .fail: throw FitError.separation(diagnosis)
        case .stabilize(let l2):
            warnings.append(.separationStabilized(diagnosis, l2: l2))
            options.l2 = l2
            options.onSeparation = .fail
        }
    }

    /// Separation by a single column or level, found before fitting (exact, cheap, and easy to act on).
    /// Read off the `ColumnProfile`: per column, the range of values among rows with target 0 and
    /// with target 1, and per categorical level the outcome counts (a pass over X again only to list
    /// the rows concerned when there is a finding).
    static func univariateSeparation(_ data: TrainingData, profile: ColumnProfile) -> SeparationDiagnosis? {
        let x = data.design, p = x.columns, n = x.rows
        let firstColumn = data.encoding.termRanges.map(\.lowerBound)
        let categorical = profile.categorical
        let (min0, max0, min1, max1, zeros, ones) = (profile.min0, profile.max0, profile.min1, profile.max1, profile.zeros, profile.ones)
        func lines(where predicate: (Int) -> Bool) -> (lines: [Int], count: Int) {
            var out: [Int] = [], count = 0
            for i in 0..<n where (data.weights?[i] ?? 1) > 0 && predicate(i) {
                count += 1
                if out.count < 10 { out.append(data.lines[i]) }
            }
            return (out, count)
        }
        for (f, feature) in data.encoding.features.enumerated() {
            let column = firstColumn[f]
            if feature.kind == .categorical, let k = categorical.firstIndex(of: f) {
                let terms = feature.levels!.filter { $0 != feature.reference }
                let slots = [feature.reference!] + terms
                for level in feature.levels! {
                    let s = slots.firstIndex(of: level)!
                    let z = zeros[k][s], o = ones[k][s]
                    guard z + o > 0, z == 0 || o == 0 else { continue }
                    let all = zip(zeros[k], ones[k]).allSatisfy { $0 == 0 || $1 == 0 }
                    let r = lines { i in
                        let row = x.storage.withUnsafeBufferPointer { $0.baseAddress! + i * p }
                        return s == 0 ? (0..<terms.count).allSatisfy { row[column + $0] != 1 } : row[column + s - 1] == 1
                    }
                    return SeparationDiagnosis(
                        kind: all ? .complete : .quasiComplete, column: feature.name, level: level,
                        finding: "all \(z + o) rows with level '\(level)' of column \(feature.name) have target \(o == 0 ? 0 : 1)",
                        lines: r.lines, rowCount: r.count)
                }
                continue
            }
            let j = column, name = feature.name
            let (lowTarget, low, high): (Int, Double, Double)
            if max0[j] <= min1[j] { (lowTarget, low, high) = (0, max0[j], min1[j]) } else if max1[j] <= min0[j] { (lowTarget, low, high) = (1, max1[j], min0[j]) } else { continue }
            let highTarget = 1 - lowTarget
            if low < high {
                let r = lines { _ in true }
                return SeparationDiagnosis(
                    kind: .complete, column: name, level: nil,
                    finding: "column \(name) separates the target completely: every row with \(name) ≤ \(formatNumber(low)) has target \(lowTarget) and every row with \(name) ≥ \(formatNumber(high)) has target \(highTarget)",
                    lines: r.lines, rowCount: r.count)
            }
            let v = low
            let r = lines { x[$0, j] != v }
            let finding: String
            if feature.kind == .boolean {
                let pure = v == 0 ? 1.0 : 0.0
                finding = "all \(r.count) rows with \(name) = \(pure == 1 ? "true" : "false") have target \(pure == 1 ? highTarget : lowTarget)"
            } else {
                finding = "column \(name) separates the target quasi-completely: every row with \(name) < \(formatNumber(v)) has target \(lowTarget), every row with \(name) > \(formatNumber(v)) has target \(highTarget); only rows with \(name) = \(formatNumber(v)) have both"
            }
            return SeparationDiagnosis(kind: .quasiComplete, column: name, level: nil, finding: finding, lines: r.lines, rowCount: r.count)
        }
        return nil
    }

    /// Separation by a combination of columns, seen after fitting: rows fitted with probability
    /// numerically 0 or 1 (|η| > 20, p < 2e-9) while Newton needed many iterations, as coefficients
    /// that run off to infinity do.
    static func fittedSeparation(_ data: TrainingData, solver: NewtonSolver, solution: NewtonSolver.Solution) -> SeparationDiagnosis? {
        guard solution.iterations >= 15 || !solution.converged else { return nil }
        let eta = solver.linearPredictor(solution.beta)
        var lines: [Int] = [], count = 0, total = 0
        for i in 0..<eta.count where (data.weights?[i] ?? 1) > 0 {
            total += 1
            if (data.target[i] == 1 && eta[i] > 20) || (data.target[i] == 0 && eta[i] < -20) {
                count += 1
                if lines.count < 10 { lines.append(data.lines[i]) }
            }
        }
        guard count > 0 else { return nil }
        // Name the terms with the largest standardised coefficients |βⱼ|·sd(xⱼ): the separating direction.
        let x = data.design, terms = data.encoding.termNames
        var scored: [(String, Double)] = []
        for j in 1..<x.columns {
            var mean = 0.0, m2 = 0.0
            for i in 0..<x.rows { let d = x[i, j] - mean; mean += d / Double(i + 1); m2 += d * (x[i, j] - mean) }
            scored.append((terms[j], abs(solution.beta[j]) * (m2 / Double(max(1, x.rows - 1))).squareRoot()))
        }
        let top = scored.sorted { $0.1 > $1.1 }.prefix(3).map(\.0)
        return SeparationDiagnosis(
            kind: count == total ? .complete : .quasiComplete, column: top.first, level: nil,
            finding: "\(count) rows are fitted with probability numerically 0 or 1 and the coefficients grow without bound along \(top.joined(separator: ", ")) (largest standardised coefficients); a combination of these columns separates the outcomes",
            lines: lines, rowCount: count)
    }
}

/// Formats a number for messages: integers without a decimal point, others with up to `digits` significant digits.
func formatNumber(_ v: Double, digits: Int = 10) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    var s = String(format: "%.\(digits)g", v)
    if s.contains("e") { return s }
    if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
    return s
}

import Foundation
