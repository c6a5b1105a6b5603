import Dossiers
import Foundation

/// Writes a model as PMML 4.4: a `RegressionModel` for classification with `logit` normalisation, so
/// that existing PMML engines compute exactly σ(β₀ + Σ βⱼxⱼ).
///
/// Numeric columns are `NumericPredictor`s; categorical levels are `CategoricalPredictor`s (the
/// reference level has none, so it scores 0, as in treatment coding); binned columns become a
/// `Discretize` derived field with the frozen cut points; missing-value policies become
/// `missingValueReplacement`. Boolean columns are exported as continuous 0/1 fields: a PMML engine
/// must receive 0 or 1, not the French spellings Ciblage also reads. Date columns have no PMML
/// counterpart here and are refused.
public enum PMMLExport {
    public static func document(_ m: ModelArtifact, modelName: String = "ciblage") throws -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func num(_ v: Double) -> String { v.description }
        for f in m.encoding.features where f.valueType == .date {
            throw FitError.invalidOption("PMML export: column '\(f.name)' is a date, which this exporter does not translate; bin it with numeric days or drop it")
        }
        let target = m.target.column
        var fields = ""
        var derived = ""
        var mining = ""
        var numericPredictors = ""      // the schema wants every NumericPredictor before any CategoricalPredictor
        var categoricalPredictors = ""
        let beta = m.estimates
        for (f, range) in zip(m.encoding.features, m.encoding.termRanges) {
            let term = range.lowerBound
            switch (f.kind, f.cuts) {
            case (.numeric, _), (.boolean, _):
                fields += "    <DataField name=\"\(esc(f.name))\" optype=\"continuous\" dataType=\"double\"/>\n"
                numericPredictors += "      <NumericPredictor name=\"\(esc(f.name))\" exponent=\"1\" coefficient=\"\(num(beta[term]))\"/>\n"
            case (.categorical, let cuts?):
                fields += "    <DataField name=\"\(esc(f.name))\" optype=\"continuous\" dataType=\"double\"/>\n"
                let labels = FeatureEncoding.binLabels(cuts: cuts)
                derived += "    <DerivedField name=\"\(esc(f.name))_bin\" optype=\"categorical\" dataType=\"string\">\n      <Discretize field=\"\(esc(f.name))\">\n"
                for (k, label) in labels.enumerated() {
                    let interval: String
                    if k == 0 { interval = "<Interval closure=\"openOpen\" rightMargin=\"\(num(cuts[0]))\"/>" }
                    else if k == labels.count - 1 { interval = "<Interval closure=\"closedOpen\" leftMargin=\"\(num(cuts[k - 1]))\"/>" }
                    else { interval = "<Interval closure=\"closedOpen\" leftMargin=\"\(num(cuts[k - 1]))\" rightMargin=\"\(num(cuts[k]))\"/>" }
                    derived += "        <DiscretizeBin binValue=\"\(esc(label))\">\(interval)</DiscretizeBin>\n"
                }
                derived += "      </Discretize>\n    </DerivedField>\n"
                for (t, level) in (f.levels ?? []).filter({ $0 != f.reference }).enumerated() {
                    categoricalPredictors += "      <CategoricalPredictor name=\"\(esc(f.name))_bin\" value=\"\(esc(level))\" coefficient=\"\(num(beta[term + t]))\"/>\n"
                }
            case (.categorical, nil):
                fields += "    <DataField name=\"\(esc(f.name))\" optype=\"categorical\" dataType=\"string\">\n"
                for level in f.levels ?? [] { fields += "      <Value value=\"\(esc(level))\"/>\n" }
                fields += "    </DataField>\n"
                for (t, level) in (f.levels ?? []).filter({ $0 != f.reference }).enumerated() {
                    categoricalPredictors += "      <CategoricalPredictor name=\"\(esc(f.name))\" value=\"\(esc(level))\" coefficient=\"\(num(beta[term + t]))\"/>\n"
                }
            }
            var replacement = ""
            switch f.missing {
            case .value(let v)?: replacement = " missingValueReplacement=\"\(num(v))\""
            case .level(let l)?: replacement = " missingValueReplacement=\"\(esc(l))\""
            default: break
            }
            mining += "      <MiningField name=\"\(esc(f.name))\" usageType=\"active\"\(replacement)/>\n"
        }
        let count = m.encoding.features.count + 1
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
              <Header description="Logistic risk score exported by Ciblage (\(esc(m.checksum ?? "")))">
                <Application name="Ciblage" version="\(esc(m.generator))"/>
              </Header>
              <DataDictionary numberOfFields="\(count)">
            \(fields)    <DataField name="\(esc(target))" optype="categorical" dataType="string">
                  <Value value="0"/>
                  <Value value="1"/>
                </DataField>
              </DataDictionary>
            \(derived.isEmpty ? "" : "  <TransformationDictionary>\n\(derived)  </TransformationDictionary>\n")  <RegressionModel modelName="\(esc(modelName))" functionName="classification" normalizationMethod="logit" targetFieldName="\(esc(target))">
                <MiningSchema>
            \(mining)      <MiningField name="\(esc(target))" usageType="target"/>
                </MiningSchema>
                <Output>
                  <OutputField name="probability_1" optype="continuous" dataType="double" feature="probability" value="1"/>
                </Output>
                <RegressionTable intercept="\(num(beta[0]))" targetCategory="1">
            \(numericPredictors)\(categoricalPredictors)    </RegressionTable>
                <RegressionTable intercept="0" targetCategory="0"/>
              </RegressionModel>
            </PMML>

            """
    }
}
