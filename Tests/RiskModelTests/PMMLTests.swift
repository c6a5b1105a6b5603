import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Dossiers
@testable import RiskModel

/// The PMML document is well-formed and carries the model exactly. Scoring by an independent PMML
/// engine (pmml4s) is checked by scripts/pmml/check_pmml.py, which needs Java and PyPI.
@Suite struct PMMLTests {
    func attr(_ e: XMLElement, _ name: String) -> String? {
        e.attributes?.first { $0.name == name || $0.localName == name }?.stringValue
    }

    @Test func categoricalModelExportsEveryCoefficient() throws {
        let model = try LogisticRegression.model(try Reference.load("fair").read())
        let xml = try XMLDocument(xmlString: try PMMLExport.document(model))
        let root = try #require(xml.rootElement())
        #expect(root.name == "PMML" && attr(root, "version") == "4.4")
        let tables = try xml.nodes(forXPath: "//*[local-name()='RegressionTable']") as! [XMLElement]
        #expect(tables.count == 2)
        #expect(Double(attr(tables[0], "intercept") ?? "") == model.estimates[0])
        let numeric = try xml.nodes(forXPath: "//*[local-name()='NumericPredictor']") as! [XMLElement]
        let categorical = try xml.nodes(forXPath: "//*[local-name()='CategoricalPredictor']") as! [XMLElement]
        #expect(numeric.count == 6 && categorical.count == 5, "occupation: six levels, reference 3 has no predictor")
        let level1 = try #require(categorical.first { attr($0, "value") == "1" })
        #expect(Double(attr(level1, "coefficient") ?? "") == model.coefficients.first { $0.term == "occupation[T.1]" }!.estimate)
        let regression = try #require((try xml.nodes(forXPath: "//*[local-name()='RegressionModel']") as! [XMLElement]).first)
        #expect(attr(regression, "normalizationMethod") == "logit")
    }

    @Test func binsAndMissingPoliciesBecomeTransformations() throws {
        var csv = "y,age,region\n"
        var g = SplitMix(state: 2)
        for i in 0..<300 { csv += "\(g.uniform() < 0.4 ? 1 : 0),\(20 + i % 50),\(["nord", "sud", ""][i % 3])\n" }
        var spec = TableSpec(target: "y", categorical: ["region"], missing: ["region": .level("inconnue")], bins: ["age": .quantiles(4)])
        spec.references = ["region": "nord"]
        let model = try LogisticRegression.model(try TrainingData.read(path: temporaryFile(csv), spec: spec))
        let text = try PMMLExport.document(model)
        let xml = try XMLDocument(xmlString: text)
        let bins = try xml.nodes(forXPath: "//*[local-name()='DiscretizeBin']")
        #expect(bins.count == 4)
        #expect(text.contains("missingValueReplacement=\"inconnue\""))
        let predictors = try xml.nodes(forXPath: "//*[local-name()='CategoricalPredictor']") as! [XMLElement]
        #expect(predictors.filter { attr($0, "name") == "age_bin" }.count == 3)
    }

    @Test func dateColumnsAreRefused() throws {
        var m = try LogisticRegression.model(try Reference.load("spector").read())
        m.encoding.features[0].valueType = .date
        let refusal27 = #expect(throws: FitError.self) { try PMMLExport.document(m) }
        #expect(refusal27?.description == "PMML export: column 'GPA' is a date, which this exporter does not translate; bin it with numeric days or drop it")
    }
}
