import Foundation
import Testing
@testable import Dossiers
import LinearAlgebra
@testable import RiskModel

@Suite struct DiagnosticsTests {
    func fit(_ csv: String, _ spec: TableSpec, _ options: LogisticRegressionOptions = LogisticRegressionOptions()) throws -> ModelArtifact {
        try LogisticRegression.model(try TrainingData.read(path: temporaryFile(csv), spec: spec), options: options)
    }

    /// A data set with a categorical `region` whose level B only ever has target 0.
    func regionData() -> String {
        var g = SplitMix(state: 11)
        var csv = "y,region,x\n"
        for i in 0..<120 {
            let region = ["A", "B", "C"][i % 3]
            let x = g.normal()
            let y = region == "B" ? 0 : (g.uniform() < 1 / (1 + exp(-x)) ? 1 : 0)
            csv += "\(y),\(region),\(x)\n"
        }
        return csv
    }

    @Test func quasiSeparationByALevelNamesLevelColumnAndRows() throws {
        do {
            _ = try fit(regionData(), TableSpec(target: "y", categorical: ["region"]))
            Issue.record("fitted despite separation")
        } catch let FitError.separation(d) {
            #expect(d.kind == .quasiComplete)
            #expect(d.finding == "all 40 rows with level 'B' of column region have target 0")
            #expect(d.column == "region" && d.level == "B")
            #expect(d.lines.prefix(3) == [3, 6, 9])
            #expect(d.description.contains("no model was written"))
        }
    }

    @Test func quasiSeparationByANumericThreshold() throws {
        let csv = "y,x,z\n0,1,0.3\n0,2,0.1\n0,3,0.7\n1,3,0.2\n1,4,0.9\n1,5,0.4\n0,2,0.5\n1,6,0.6\n"
        do {
            _ = try fit(csv, TableSpec(target: "y"))
            Issue.record("fitted despite separation")
        } catch let FitError.separation(d) {
            #expect(d.kind == .quasiComplete)
            #expect(d.finding.contains("every row with x < 3 has target 0, every row with x > 3 has target 1"))
        }
    }

    @Test func separationByACombinationIsFoundAfterTheFit() throws {
        // y = 1 exactly when x1 + x2 > 0: neither column separates alone.
        var g = SplitMix(state: 5)
        var csv = "y,x1,x2\n"
        for _ in 0..<200 {
            let a = g.normal(), b = g.normal()
            csv += "\(a + b > 0 ? 1 : 0),\(a),\(b)\n"
        }
        do {
            _ = try fit(csv, TableSpec(target: "y"))
            Issue.record("fitted despite separation")
        } catch let FitError.separation(d) {
            #expect(d.rowCount > 100)
            #expect(d.finding.contains("x1") && d.finding.contains("x2"))
        }
    }

    @Test func constantColumnIsNamed() throws {
        #expect(throws: FitError.constantColumn(term: "c", value: 7)) {
            try fit("y,x,c\n1,1,7\n0,2,7\n1,3,7\n0,4,7\n1,0,7\n", TableSpec(target: "y"))
        }
    }

    @Test func exactCollinearityNamesTheCombination() throws {
        var csv = "y,a,b,total\n"
        var g = SplitMix(state: 3)
        for _ in 0..<60 {
            let a = (g.normal() * 10).rounded(), b = (g.normal() * 10).rounded()
            csv += "\(g.uniform() < 0.5 ? 1 : 0),\(a),\(b),\(a + b)\n"
        }
        do {
            _ = try fit(csv, TableSpec(target: "y"))
            Issue.record("fitted despite collinearity")
        } catch let FitError.collinear(relations) {
            #expect(relations == ["total = 1·a + 1·b"])
        }
        // With an L2 penalty the fit is identified; the collinearity is still reported as a warning.
        let model = try fit(csv, TableSpec(target: "y"), LogisticRegressionOptions(l2: 1))
        #expect(model.warnings.first?.contains("total = 1·a + 1·b") == true)
    }

    @Test func constantTargetAndTooFewRows() throws {
        #expect(throws: FitError.constantTarget(column: "y", value: 0)) { try fit("y,x\n0,1\n0,2\n0,3\n", TableSpec(target: "y")) }
        #expect(throws: FitError.constantTarget(column: "y", value: 1)) { try fit("y,x\n1,1\n1,2\n1,3\n", TableSpec(target: "y")) }
        #expect(throws: FitError.tooFewRows(rows: 2, terms: 2)) { try fit("y,x\n0,1\n1,2\n", TableSpec(target: "y")) }
        #expect(throws: FitError.noRows) { try fit("y,x,w\n0,1,0\n1,2,0\n", TableSpec(target: "y", weight: "w")) }
    }

    @Test func noConvergenceIsAnErrorNotAModel() throws {
        let data = simulatedData(rows: 500, features: 3, seed: 1)
        let refusal22 = #expect(throws: FitError.self) { try LogisticRegression.model(data, options: LogisticRegressionOptions(maxIterations: 1)) }
        // The decrement after one step is compared to 15 digits: its last bits follow the order of
        // the solver's floating-point operations, which is not part of the message's contract.
        let message = refusal22?.description ?? ""
        #expect(message.hasPrefix("no convergence after 1 Newton iterations (max |gradient| 11.816125717549449, Newton decrement 1.59391160332046"))
        #expect(message.hasSuffix("); raise maxIterations, rescale extreme columns, or add l2"))
        do { _ = try LogisticRegression.model(data, options: LogisticRegressionOptions(maxIterations: 1)); Issue.record("converged in 1 iteration") } catch let FitError.noConvergence(it, _, _) {
            #expect(it == 1)
        }
    }

    @Test func invalidOptionsAreRefused() {
        let data = simulatedData(rows: 50, features: 1, seed: 2)
        let refusal23 = #expect(throws: FitError.self) { try LogisticRegression.model(data, options: LogisticRegressionOptions(l2: -1)) }
        #expect(refusal23?.description == "l2 must be a finite number ≥ 0, got -1.0")
        let refusal24 = #expect(throws: FitError.self) { try LogisticRegression.model(data, options: LogisticRegressionOptions(l2: .nan)) }
        #expect(refusal24?.description == "l2 must be a finite number ≥ 0, got nan")
        let refusal25 = #expect(throws: FitError.self) { try LogisticRegression.model(data, options: LogisticRegressionOptions(tolerance: 0)) }
        #expect(refusal25?.description == "tolerance must be in (0, 1), got 0.0")
        let refusal26 = #expect(throws: FitError.self) { try LogisticRegression.model(data, options: LogisticRegressionOptions(onSeparation: .stabilize(l2: 0))) }
        #expect(refusal26?.description == "the stabilising L2 penalty must be > 0, got 0.0")
    }

    @Test func distributionsAgreeWithKnownValues() {
        #expect(relativeError(Distributions.twoSidedNormalPValue(1.959963984540054), 0.05) < 1e-12)
        // χ² survival: P(χ²₁ > 3.841458820694124) = 0.05; P(χ²₁₀ > 18.307038053275146) = 0.05; scipy values.
        #expect(relativeError(Distributions.chiSquareSurvival(3.841458820694124, degreesOfFreedom: 1), 0.05) < 1e-10)
        #expect(relativeError(Distributions.chiSquareSurvival(18.307038053275146, degreesOfFreedom: 10), 0.05) < 1e-10)
        // Far tail, continued-fraction branch: scipy.stats.chi2.sf(200, 5) = 2.8406228986415534e-41.
        #expect(relativeError(Distributions.chiSquareSurvival(200, degreesOfFreedom: 5), 2.8406228986415534e-41) < 1e-9)
    }
}
