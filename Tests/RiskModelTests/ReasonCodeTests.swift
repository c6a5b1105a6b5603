import Foundation
import Testing
@testable import Dossiers
import LinearAlgebra
@testable import RiskModel

@Suite struct ReasonCodeTests {
    func model() throws -> (ModelArtifact, TrainingData) {
        let ref = try Reference.load("fair")
        let data = try ref.read()
        return (try LogisticRegression.model(data), data)
    }

    @Test func contributionsSumToTheLogitDifferenceFromTheReference() throws {
        let (m, data) = try model()
        let codes = try ReasonCodes(model: m)
        for i in stride(from: 0, to: data.design.rows, by: 211) {
            let row = Array(data.design.row(i))
            let logit = zip(row, m.estimates).reduce(0) { $0 + $1.0 * $1.1 }
            let total = codes.contributions(row: row).reduce(0, +)
            #expect(abs(total - (logit - codes.referenceLogit)) < 1e-10)
        }
    }

    @Test func aCategoricalColumnIsOneReason() throws {
        let (m, data) = try model()
        let codes = try ReasonCodes(model: m)
        #expect(codes.columns.count == 7, "six numeric columns and one categorical block")
        #expect(codes.columns.filter { $0 == "occupation" }.count == 1)
        let row = Array(data.design.row(0))
        let reasons = row.withUnsafeBufferPointer { codes.top(10, row: $0.baseAddress!) }
        #expect(reasons.allSatisfy { $0.contribution > 0 })
        #expect(zip(reasons, reasons.dropFirst()).allSatisfy { $0.contribution >= $1.contribution })
        #expect(Set(reasons.map(\.column)).count == reasons.count)
    }

    /// `top(k)` selects; the definition is a sort of every positive contribution (largest first, ties
    /// to the earlier column) cut at k. Rows with ties made on purpose (values set to the mean give
    /// exact zeros, copies of a row's values give equal contributions under equal coefficients).
    @Test func theSelectionIsTheSortedPrefix() throws {
        let (m, data) = try model()
        let codes = try ReasonCodes(model: m)
        func sorted(_ row: [Double], _ k: Int) -> [String] {
            let c = codes.contributions(row: row)
            return c.indices.filter { c[$0] > 0 }.sorted { c[$0] != c[$1] ? c[$0] > c[$1] : $0 < $1 }.prefix(k).map { codes.columns[$0] }
        }
        var rows: [[Double]] = (0..<data.design.rows).filter { $0 % 97 == 0 }.map { Array(data.design.row($0)) }
        let means = try #require(m.termMeans)
        rows += rows.prefix(20).map { row in row.indices.map { $0 % 2 == 0 ? means[$0] : row[$0] } }
        for row in rows {
            for k in [0, 1, 3, 10] {
                let selected = row.withUnsafeBufferPointer { codes.top(k, row: $0.baseAddress!) }
                #expect(selected.map(\.column) == sorted(row, k))
                let c = codes.contributions(row: row)
                for r in selected { #expect(r.contribution == c[codes.columns.firstIndex(of: r.column)!]) }
            }
        }
    }

    @Test func tiesAreResolvedByColumnOrder() throws {
        // Two identical columns (different names) scaled so that their contributions tie exactly.
        let encoding = DesignEncoding(features: [FeatureEncoding(name: "b", kind: .numeric), FeatureEncoding(name: "a", kind: .numeric)])
        var m = try model().0
        m.encoding = encoding
        m.coefficients = Array(m.coefficients.prefix(3))
        m.coefficients[1].estimate = 0.5; m.coefficients[2].estimate = 0.5
        m.termMeans = [1, 0, 0]
        m.spec = nil
        let codes = try ReasonCodes(model: m)
        let reasons = [1.0, 2, 2].withUnsafeBufferPointer { codes.top(2, row: $0.baseAddress!) }
        #expect(reasons.map(\.column) == ["b", "a"])
        var withoutMeans = m
        withoutMeans.termMeans = nil
        let refusal28 = #expect(throws: FitError.self) { try ReasonCodes(model: withoutMeans) }
        #expect(refusal28?.description == "the model has no training means (termMeans), which reason codes are measured from: retrain it with this version of Ciblage")
    }

    @Test func scoreWithReasonsAddsLabelledColumns() throws {
        let (m, _) = try model()
        let ref = try Reference.load("fair")
        let out = temporaryDirectory().appendingPathComponent("scores.csv").path
        try Scorer.score(model: m, input: ref.csvPath, output: out, options: ScoringOptions(reasons: 2))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "row,score,raison_1,contribution_1,raison_2,contribution_2")
        #expect(lines[1].split(separator: ",", omittingEmptySubsequences: false).count == 6)
    }
}

@Suite struct SelectionTests {
    /// Stepwise on the simulated PBDF sample with 200 candidates: the strong variables of the generating
    /// process enter, and pure-noise candidates enter at about the stated level.
    @Test func stepwiseRecoversTheGeneratingVariables() throws {
        let dir = temporaryDirectory()
        let sample = dir.appendingPathComponent("pbdf.csv").path
        _ = try PopulationSimulator.run(SimulationOptions(dossiers: 60_000, seed: 21, candidates: 200, randomSample: 7000),
                                        outputs: SimulationOutputs(randomSample: sample))
        let spec = PopulationSimulator.featureSpec(candidates: 200)
        let data = try TrainingData.read(path: sample, spec: try TableSpec(spec: spec))
        #expect(data.encoding.features.count == 219)
        let level = 0.01
        let result = try VariableSelection.run(data, options: .init(method: .stepwise, entryLevel: level, stayLevel: level))
        print(VariableSelection.historyTable(result.history, method: .stepwise))
        for strong in ["enfant_19_plus", "nb_changements_loyer_18m", "moyenne_rsa_12m", "revenu_rapport_smic"] {
            #expect(result.selected.contains(strong), "\(strong) should be selected")
        }
        let noise = (1...200).filter { $0 % 10 != 0 }.map { "c" + String(repeating: "0", count: 3 - String($0).count) + String($0) }
        let falsePositives = result.selected.filter(noise.contains)
        // 180 noise candidates at level 0.01: about 1.8 expected by chance.
        #expect(falsePositives.count <= 6, "noise selected: \(falsePositives)")
        #expect(result.history.first?.test == "score")
        #expect(result.model.termNames.count > 5)
        // Every step's p-value respects the levels.
        #expect(result.history.allSatisfy { $0.entered == nil || $0.pValue < level })
        #expect(result.history.allSatisfy { $0.removed == nil || $0.pValue > level })
    }

    /// The entry test's χ², computed here the long way for every candidate: U and I = XᵀHX by plain
    /// loops at the current fit, then S = U_Sᵀ (I_SS)⁻¹ U_S over the model's terms and the
    /// candidate's (no Schur complement, no solver pass). The selection must pick the candidate with
    /// the largest χ² per degree of freedom's p-value and report its χ².
    @Test func theEntryChiSquareIsTheScoreStatisticComputedTheLongWay() throws {
        let data = try Reference.load("fair").read()
        let features = data.encoding.features
        let current = [0, 2].filter { $0 < features.count }
        let model = try LogisticRegression.model(data.selecting(features: current))
        let columns = VariableSelection.termColumns(data.encoding)
        let inModel = [0] + current.flatMap { columns[$0] }
        let x = data.design, n = x.rows, p = x.columns
        var beta = [Double](repeating: 0, count: p)
        for (k, c) in inModel.enumerated() { beta[c] = model.estimates[k] }
        var u = [Double](repeating: 0, count: p)
        var information = Matrix(rows: p, columns: p)
        for i in 0..<n {
            var eta = 0.0
            for j in 0..<p { eta += x[i, j] * beta[j] }
            let mu = 1 / (1 + exp(-eta)), w = data.weights?[i] ?? 1
            for j in 0..<p {
                u[j] += w * (data.target[i] - mu) * x[i, j]
                for k in 0..<p { information[j, k] += w * mu * (1 - mu) * x[i, j] * x[i, k] }
            }
        }
        let candidates = features.indices.filter { !current.contains($0) }
        var expected: [Int: Double] = [:]
        for c in candidates {
            let set = inModel + columns[c]
            let sub = Matrix(rows: set.count, columns: set.count, storage: set.flatMap { a in set.map { information[a, $0] } })
            let us = set.map { u[$0] }
            let solved = try Cholesky(sub).solve(us)
            expected[c] = zip(us, solved).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let solver = try NewtonSolver(x: data.design, y: data.target, w: data.weights, threads: 2)
        let best = try #require(try VariableSelection.bestEntry(data, solver: solver, model: model, current: current, candidates: candidates))
        let pValue = { (c: Int) in Distributions.chiSquareSurvival(expected[c]!, degreesOfFreedom: Double(columns[c].count)) }
        let smallest = candidates.min { pValue($0) < pValue($1) }!
        #expect(best.feature == smallest)
        #expect(abs(best.chiSquare - expected[smallest]!) <= 1e-8 * expected[smallest]!)
    }

    @Test func forwardAndBackwardAgreeOnAClearCase() throws {
        let ref = try Reference.load("fair")
        let data = try ref.read()
        let forward = try VariableSelection.run(data, options: .init(method: .forward))
        let backward = try VariableSelection.run(data, options: .init(method: .backward))
        #expect(Set(forward.selected) == Set(backward.selected))
        #expect(!forward.selected.contains("educ") && !forward.selected.contains("children"), "p = 0.88 and 0.62 in the full model")
        #expect(forward.selected.contains("occupation"), "the categorical block enters as one effect")
        #expect(backward.history.allSatisfy { $0.removed != nil && $0.test == "wald" })
    }

    @Test func screeningRanksByInformationValue() throws {
        let data = try Reference.load("fair").read()
        let screen = Screening.run(data)
        #expect(screen.first?.name == "rate_marriage")
        #expect(zip(screen, screen.dropFirst()).allSatisfy { $0.informationValue >= $1.informationValue })
        let occupation = screen.first { $0.name == "occupation" }!
        #expect(occupation.bins.count == 6)
    }
}
