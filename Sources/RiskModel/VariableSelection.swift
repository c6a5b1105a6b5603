import Dossiers
import Foundation
import LinearAlgebra

/// Forward, backward and stepwise selection as SAS PROC LOGISTIC does it.
///
/// Effects are input columns: a categorical column enters or leaves as one block of its dummies.
/// - **Entry** uses the efficient score χ² of the block C at the current fit, with no refit per candidate:
///   U_C = X_Cᵀ w(y − μ̂), and S_C = U_Cᵀ (I_CC − I_CM I_MM⁻¹ I_MC)⁻¹ U_C ~ χ²(|C|), where I = XᵀHX
///   (H = diag(wμ̂(1 − μ̂))) is computed once per step for all columns at once: one pass of the
///   solver's own evaluation over the full design, at the current estimate with zeros for the
///   columns not in the model (U and I together, in parallel, without copying the design).
///   The candidate with the smallest p-value enters if p < `entryLevel` (SAS SLENTRY).
/// - **Removal** uses the Wald χ² of the block, β_Bᵀ V_BB⁻¹ β_B ~ χ²(|B|), or the likelihood-ratio χ²;
///   the effect with the largest p-value leaves if p > `stayLevel` (SAS SLSTAY).
/// - **Stepwise** alternates an entry step and removal steps, and stops when no effect enters or when
///   the effect that would enter is the one just removed.
public enum VariableSelection {
    public enum Method: String, Sendable, CaseIterable { case forward, backward, stepwise }
    public enum RemovalTest: String, Sendable { case wald, likelihoodRatio = "lr" }

    public struct Options: Sendable {
        public var method: Method
        public var entryLevel: Double
        public var stayLevel: Double
        public var removalTest: RemovalTest
        /// Effects always in the model (SAS INCLUDE=).
        public var include: [String]
        public var maxSteps: Int
        public var fit: LogisticRegressionOptions
        public init(method: Method = .stepwise, entryLevel: Double = 0.05, stayLevel: Double = 0.05, removalTest: RemovalTest = .wald,
                    include: [String] = [], maxSteps: Int = 1000, fit: LogisticRegressionOptions = LogisticRegressionOptions()) {
            self.method = method; self.entryLevel = entryLevel; self.stayLevel = stayLevel; self.removalTest = removalTest
            self.include = include; self.maxSteps = maxSteps; self.fit = fit
        }
    }

    public struct Step: Codable, Equatable, Sendable {
        public var step: Int
        public var entered: String?
        public var removed: String?
        public var degreesOfFreedom: Int
        /// Effects in the model after the step.
        public var numberIn: Int
        /// "score", "wald" or "lr".
        public var test: String
        public var chiSquare: Double
        public var pValue: Double
    }

    public struct Result: Sendable {
        public var selected: [String]
        public var history: [Step]
        public var model: ModelArtifact
    }

    public static func run(_ data: TrainingData, options: Options = Options()) throws -> Result {
        let features = data.encoding.features.map(\.name)
        for name in options.include where !features.contains(name) {
            throw FitError.invalidOption("{include} \(name): not a feature of the data")
        }
        guard options.entryLevel > 0 && options.entryLevel < 1 && options.stayLevel > 0 && options.stayLevel < 1 else {
            throw FitError.invalidOption("entry and stay significance levels must be in (0, 1)")
        }
        var current: [Int] = options.method == .backward ? Array(features.indices)
            : features.indices.filter { options.include.contains(features[$0]) }
        // Room for the largest model at once (address space only, touched as models grow): growing
        // by doubling would copy, and hold two buffers at once.
        var designBuffer: [Double] = []
        designBuffer.reserveCapacity(data.design.storage.count)
        var model = try LogisticRegression.model(data.selecting(features: current, reusing: &designBuffer), options: options.fit)
        // The score tests' pass over the full design, set up once for every entry step.
        let scorePass = options.method == .backward ? nil
            : try NewtonSolver(x: data.design, y: data.target, w: data.weights, threads: options.fit.threads)
        var history: [Step] = []
        var lastRemoved: Int? = nil
        for _ in 0..<options.maxSteps {
            var changed = false
            if options.method != .backward {
                let candidates = features.indices.filter { !current.contains($0) }
                if let scorePass, let best = try bestEntry(data, solver: scorePass, model: model, current: current, candidates: candidates),
                   best.pValue < options.entryLevel {
                    if options.method == .stepwise && best.feature == lastRemoved { break }
                    current.append(best.feature)
                    current.sort()
                    model = try LogisticRegression.model(data.selecting(features: current, reusing: &designBuffer), options: options.fit)
                    history.append(Step(step: history.count + 1, entered: features[best.feature], removed: nil,
                                        degreesOfFreedom: best.df, numberIn: current.count, test: "score",
                                        chiSquare: best.chiSquare, pValue: best.pValue))
                    changed = true
                }
            }
            if options.method != .forward {
                // Remove while some effect is above the stay level (one per step, worst first).
                while true {
                    let removable = current.filter { !options.include.contains(features[$0]) }
                    guard let worst = try worstStay(data, model: model, current: current, removable: removable,
                                                    test: options.removalTest, fit: options.fit, designBuffer: &designBuffer),
                          worst.pValue > options.stayLevel else { break }
                    current.removeAll { $0 == worst.feature }
                    model = try LogisticRegression.model(data.selecting(features: current, reusing: &designBuffer), options: options.fit)
                    history.append(Step(step: history.count + 1, entered: nil, removed: features[worst.feature],
                                        degreesOfFreedom: worst.df, numberIn: current.count, test: options.removalTest.rawValue,
                                        chiSquare: worst.chiSquare, pValue: worst.pValue))
                    lastRemoved = worst.feature
                    changed = true
                    if options.method == .stepwise { break }
                }
            }
            if !changed { break }
        }
        return Result(selected: current.map { features[$0] }, history: history, model: model)
    }

    struct Test { var feature: Int; var df: Int; var chiSquare: Double; var pValue: Double }

    /// Term columns (in the full design) of each feature.
    static func termColumns(_ encoding: DesignEncoding) -> [[Int]] { encoding.termRanges.map { Array($0) } }

    /// The candidate with the smallest score-test p-value. `solver` is over `data`'s full design;
    /// `current` is sorted, as the model's terms are (`selecting(features:)`).
    static func bestEntry(_ data: TrainingData, solver: NewtonSolver, model: ModelArtifact, current: [Int], candidates: [Int]) throws -> Test? {
        guard !candidates.isEmpty else { return nil }
        let columns = termColumns(data.encoding)
        let inModel = [0] + current.flatMap { columns[$0] }
        // U = Xᵀw(y − μ̂) and I = XᵀHX for every column at μ̂ of the current fit: the model's
        // estimates on its own columns, zero on the others.
        var beta = [Double](repeating: 0, count: data.design.columns)
        for (k, column) in inModel.enumerated() { beta[column] = model.estimates[k] }
        _ = beta.withUnsafeBufferPointer { solver.evaluate($0.baseAddress!, derivatives: .hessian) }
        let information = solver.informationMatrix()
        let score = solver.scoreVectorArray()
        let mm = Matrix(rows: inModel.count, columns: inModel.count, storage: inModel.flatMap { a in inModel.map { information[a, $0] } })
        let iMM = try Cholesky(mm)
        var best: Test? = nil
        for c in candidates {
            let block = columns[c]
            // I_CC − I_CM I_MM⁻¹ I_MC
            var reduced = Matrix(rows: block.count, columns: block.count)
            var solved: [[Double]] = []
            for a in block { solved.append(try iMM.solve(inModel.map { information[$0, a] })) }
            for (i, a) in block.enumerated() {
                for (j, b) in block.enumerated() {
                    var s = information[a, b]
                    for (k, m) in inModel.enumerated() { s -= information[a, m] * solved[j][k] }
                    reduced[i, j] = s
                }
            }
            let u = block.map { score[$0] }
            guard let chol = try? Cholesky(reduced) else { continue }  // collinear with the model: cannot enter
            let v = try chol.solve(u)
            let chi = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
            let p = Distributions.chiSquareSurvival(chi, degreesOfFreedom: Double(block.count))
            if best == nil || p < best!.pValue || (p == best!.pValue && chi > best!.chiSquare) {
                best = Test(feature: c, df: block.count, chiSquare: chi, pValue: p)
            }
        }
        return best
    }

    /// The effect in the model with the largest removal p-value (Wald or likelihood ratio).
    static func worstStay(_ data: TrainingData, model: ModelArtifact, current: [Int], removable: [Int],
                          test: RemovalTest, fit: LogisticRegressionOptions, designBuffer: inout [Double]) throws -> Test? {
        guard !removable.isEmpty, let covariance = model.covariance else { return nil }
        // The model's own term columns (its encoding only: no copy of the design).
        let columns = termColumns(DesignEncoding(features: current.sorted().map { data.encoding.features[$0] }))
        var worst: Test? = nil
        for f in removable {
            let position = current.firstIndex(of: f)!
            let block = columns[position]
            let chi: Double
            switch test {
            case .wald:
                let v = Matrix(rows: block.count, columns: block.count, storage: block.flatMap { a in block.map { covariance[a][$0] } })
                let b = block.map { model.coefficients[$0].estimate }
                let solved = try Cholesky(v).solve(b)
                chi = zip(b, solved).reduce(0) { $0 + $1.0 * $1.1 }
            case .likelihoodRatio:
                let reduced = try LogisticRegression.model(data.selecting(features: current.filter { $0 != f }, reusing: &designBuffer), options: fit)
                chi = max(0, 2 * (model.fit.logLikelihood - reduced.fit.logLikelihood))
            }
            let p = Distributions.chiSquareSurvival(chi, degreesOfFreedom: Double(block.count))
            if worst == nil || p > worst!.pValue { worst = Test(feature: f, df: block.count, chiSquare: chi, pValue: p) }
        }
        return worst
    }

    /// The selection history laid out like SAS's "Summary of … Selection" table.
    public static func historyTable(_ history: [Step], method: Method) -> String {
        var lines = ["Summary of \(method.rawValue.capitalized) Selection",
                     "Step  Effect Entered                  Effect Removed                  DF  Number In  Score Chi-Square  Wald Chi-Square  Pr > ChiSq"]
        for s in history {
            func pad(_ t: String, _ n: Int) -> String { t.count >= n ? t + " " : t + String(repeating: " ", count: n - t.count) }
            func left(_ t: String, _ n: Int) -> String { t.count >= n ? " " + t : String(repeating: " ", count: n - t.count) + t }
            let chi = String(format: "%.4f", s.chiSquare)
            lines.append(left("\(s.step)", 4) + "  " + pad(s.entered ?? "", 32) + pad(s.removed ?? "", 32) + left("\(s.degreesOfFreedom)", 2)
                         + left("\(s.numberIn)", 11) + left(s.test == "score" ? chi : "", 18) + left(s.test == "score" ? "" : chi, 17)
                         + left(s.pValue < 1e-4 ? "<.0001" : String(format: "%.4f", s.pValue), 12))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension TrainingData {
    /// The same rows with only the given features (by index in `encoding.features`, kept in that order).
    public func selecting(features: [Int]) -> TrainingData {
        var storage: [Double] = []
        return selecting(features: features, reusing: &storage)
    }

    /// The same, with the design written into `storage`, which keeps its buffer between calls.
    ///
    /// Why: a selection fits one model per step, each on a copy of the design's chosen columns. A
    /// fresh array per step is fresh memory, and on the benchmark VM the kernel's zeroing of it cost
    /// more than the copy (2,000,000 rows, 40 steps: 7.7 s of system time). Once the step's data is
    /// released, `storage` is the buffer's only owner again and the next call writes in place.
    func selecting(features: [Int], reusing storage: inout [Double]) -> TrainingData {
        var columns = [0]
        var kept: [FeatureEncoding] = []
        let ranges = encoding.termRanges
        for f in features.sorted() {
            columns += Array(ranges[f])
            kept.append(encoding.features[f])
        }
        let p = design.columns, q = columns.count, count = design.rows * q
        if storage.count > count {
            storage.removeLast(storage.count - count)
        } else if storage.count < count {
            storage.append(contentsOf: repeatElement(0, count: count - storage.count))
        }
        design.storage.withUnsafeBufferPointer { src in
            storage.withUnsafeMutableBufferPointer { dst in
                for i in 0..<design.rows { for (k, c) in columns.enumerated() { dst[i * q + k] = src[i * p + c] } }
            }
        }
        var out = TrainingData(design: Matrix(rows: design.rows, columns: q, storage: storage), target: target, weights: weights,
                               lines: lines, encoding: DesignEncoding(features: kept), targetName: targetName,
                               weightName: weightName, fingerprint: fingerprint)
        out.featureSpec = featureSpec
        out.sensitiveOverrides = sensitiveOverrides
        out.selection = selection
        out.amounts = amounts
        out.amountName = amountName
        out.sensitiveSample = sensitiveSample
        return out
    }
}
