import Foundation
import Testing
@testable import Dossiers
@testable import RiskModel

/// Reference values computed once by scripts/references/make_references.py with statsmodels and
/// scikit-learn, on real data sets shipped by those PyPI packages (CSV copies next to the JSON).
struct Reference: Decodable {
    var dataset: String
    var csv: String
    var target: String
    var numeric: [String]
    var categorical: [String]
    var referenceLevel: [String: String]?
    var weight: String?
    var l2: Double?
    var terms: [String]?
    var params: [Double]?
    var bse: [Double]?
    var tvalues: [Double]?
    var pvalues: [Double]?
    var ciLower: [Double]?
    var ciUpper: [Double]?
    var llf: Double?
    var llnull: Double?
    var llr: Double?
    var llrPvalue: Double?
    var prsquared: Double?
    var aic: Double?
    var bic: Double?
    var nobs: Double?
    var glmFreqWeightsParams: [Double]?
    var separated: Bool?
    var separatingColumn: String?

    static let directory = Bundle.module.url(forResource: "References", withExtension: nil)!

    static func load(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: directory.appendingPathComponent("\(name).json")))
    }

    var csvPath: String { Reference.directory.appendingPathComponent(csv).path }

    func read() throws -> TrainingData {
        try TrainingData.read(path: csvPath, spec: TableSpec(
            target: target, features: numeric + categorical, categorical: categorical,
            references: referenceLevel ?? [:], weight: weight))
    }
}

@Suite struct ConformanceTests {
    /// The bound on each quantity's relative error against statsmodels Logit: the next power of ten
    /// above the worst case achieved on these six data sets (measured 2026-12-01; the test prints it).
    /// Standard errors agree to 4e-12, AIC and BIC to 3e-15. The null log-likelihood, LR χ² and
    /// McFadden R² carry statsmodels' own fit of the constant-only model (its convergence, ~1e-10); the
    /// LR p-value is a far tail area (1e-20 and below), where relative errors grow as the value shrinks.
    static let statsmodelsBounds: [String: Double] = [
        "estimate": 1e-10, "std err": 1e-11, "z": 1e-10, "p-value": 1e-10, "CI lower": 1e-10, "CI upper": 1e-10,
        "log-likelihood": 1e-14, "null log-likelihood": 1e-9, "LR chi²": 1e-9, "LR p-value": 1e-6,
        "McFadden R²": 1e-9, "AIC": 1e-14, "BIC": 1e-14,
    ]

    /// Coefficients, standard errors, z, p-values, intervals, log-likelihoods, LR test, pseudo-R², AIC and
    /// BIC against statsmodels Logit, each within its bound in `statsmodelsBounds`.
    @Test(arguments: ["spector", "fair", "anes96", "ccard", "breast_cancer", "spector_weighted"])
    func matchesStatsmodelsLogit(_ name: String) throws {
        let ref = try Reference.load(name)
        let model = try LogisticRegression.model(try ref.read())
        let byTerm = Dictionary(uniqueKeysWithValues: model.coefficients.map { ($0.term, $0) })
        #expect(Set(byTerm.keys) == Set(ref.terms!))
        var worst: [String: (error: Double, at: String)] = [:]
        func compare(_ quantity: String, _ value: Double, _ reference: Double, _ place: String = "") {
            let e = relativeError(value, reference)
            if e >= (worst[quantity]?.error ?? -1) { worst[quantity] = (e, place) }
            let bound = Self.statsmodelsBounds[quantity]!
            #expect(e <= bound, "\(name) \(place) \(quantity): \(value) vs statsmodels \(reference), relative error \(e) > \(bound)")
        }
        for (k, term) in ref.terms!.enumerated() {
            let c = try #require(byTerm[term])
            compare("estimate", c.estimate, ref.params![k], term)
            compare("std err", c.stdError!, ref.bse![k], term)
            compare("z", c.z!, ref.tvalues![k], term)
            compare("p-value", c.pValue!, ref.pvalues![k], term)
            compare("CI lower", c.ciLower!, ref.ciLower![k], term)
            compare("CI upper", c.ciUpper!, ref.ciUpper![k], term)
        }
        let f = model.fit
        #expect(f.converged)
        compare("log-likelihood", f.logLikelihood, ref.llf!)
        compare("null log-likelihood", f.nullLogLikelihood, ref.llnull!)
        compare("LR chi²", f.likelihoodRatioChiSquare, ref.llr!)
        compare("LR p-value", f.likelihoodRatioPValue, ref.llrPvalue!)
        compare("McFadden R²", f.mcFaddenRSquared, ref.prsquared!)
        compare("AIC", f.aic, ref.aic!)
        compare("BIC", f.bic, ref.bic!)
        #expect(f.sumWeights == ref.nobs!)
        print("\(name) against statsmodels, worst relative errors: "
              + worst.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value.error))" }.joined(separator: ", "))
    }

    @Test func categoricalReferenceLevelIsHonoured() throws {
        let ref = try Reference.load("fair")
        #expect(ref.referenceLevel == ["occupation": "3"])
        let model = try LogisticRegression.model(try ref.read())
        #expect(!model.termNames.contains("occupation[T.3]"))
        #expect(model.termNames.contains("occupation[T.1]"))
        #expect(model.encoding.features.first { $0.name == "occupation" }?.reference == "3")
    }

    @Test func frequencyWeightsMatchGLMFreqWeights() throws {
        let ref = try Reference.load("spector_weighted")
        let model = try LogisticRegression.model(try ref.read())
        for (k, estimate) in model.estimates.enumerated() {
            #expect(relativeError(estimate, ref.glmFreqWeightsParams![k]) < 1e-8)
        }
    }

    /// L2 fits against scikit-learn newton-cholesky (C = 1/λ, intercept unpenalised), itself checked to
    /// a penalised gradient of ~1e-12 by the reference script.
    @Test(arguments: ["breast_cancer_l2_2", "breast_cancer_l2_50"])
    func l2MatchesTheExactPenalisedOptimum(_ name: String) throws {
        let ref = try Reference.load(name)
        let data = try ref.read()
        let model = try LogisticRegression.model(data, options: LogisticRegressionOptions(l2: ref.l2!))
        for (k, estimate) in model.estimates.enumerated() {
            #expect(relativeError(estimate, ref.params![k]) < 1e-7, "\(name) \(model.termNames[k]): \(estimate) vs \(ref.params![k])")
        }
        #expect(relativeError(model.fit.logLikelihood, ref.llf!) < 1e-9)
        // Our own optimality check: penalised gradient −Xᵀ(y−μ) + λβ (intercept excluded) vanishes.
        let score = naiveScore(data, model.estimates)
        for j in 0..<score.count {
            let g = -score[j] + (j > 0 ? ref.l2! * model.estimates[j] : 0)
            #expect(abs(g) < 1e-7)
        }
        #expect(model.coefficients.allSatisfy { $0.stdError == nil && $0.pValue == nil }, "no Wald inference on a penalised fit")
        #expect(model.covariance == nil)
        #expect(model.fit.penalty == Penalty(kind: "l2", lambda: ref.l2!))
        #expect(model.fit.covariance.hasPrefix("none: penalised fit"))
    }

    @Test func separationOnIrisIsReportedNotFitted() throws {
        let ref = try Reference.load("iris_setosa")
        #expect(ref.separated == true)
        do {
            _ = try LogisticRegression.model(try ref.read())
            Issue.record("a separated data set was fitted")
        } catch let FitError.separation(d) {
            #expect(d.kind == .complete)
            #expect(d.column == ref.separatingColumn)
            #expect(d.finding.contains("petal_length ≤ 1.9 has target 1"))
            #expect(d.finding.contains("petal_length ≥ 3 has target 0"))
            #expect(d.rowCount == 150)
        }
        // With the stabilising policy the fit is finite, penalised and carries a warning.
        let model = try LogisticRegression.model(try ref.read(), options: LogisticRegressionOptions(onSeparation: .stabilize(l2: 1)))
        #expect(model.fit.penalty.lambda == 1)
        #expect(model.warnings.first?.contains("complete separation") == true)
    }
}
