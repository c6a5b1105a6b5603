import Foundation
import Testing
@testable import Dossiers
import LinearAlgebra

@Suite struct FeatureSpecTests {
    let yaml = """
        name: test
        columns:
          - {name: id, role: id}
          - {name: y, role: target, type: boolean}
          - name: age
            role: feature
            type: numeric
            bins: {quantiles: 4}
            label: Âge de l'allocataire
            source: Dossier
          - name: region
            role: feature
            type: categorical
            levels: [nord, sud, est]
            reference: sud
            missing: {level: inconnue}
          - {name: revenu, role: feature, missing: {value: 0}}
          - {name: depuis, role: feature, type: date}
          - {name: nationalite, role: sensitive, type: categorical}
          - {name: provenance, role: provenance}
          - {name: pi, role: inclusion}

        """

    func specFile() -> String { temporaryFile(yaml, name: "spec.yaml") }

    func dataFile() -> String {
        var csv = "id,y,age,region,revenu,depuis,nationalite,provenance,pi\n"
        let regions = ["nord", "sud", "est", ""]
        for i in 0..<40 {
            let y = (i * 7) % 3 == 0 ? 1 : 0
            csv += "D\(i),\(y),\(20 + i),\(regions[i % 4]),\(i % 5 == 0 ? "" : String(1000 + 37 * i)),2024-\(i % 9 + 1 < 10 ? "0" : "")\(i % 9 + 1)-15,\(i % 2 == 0 ? "FR" : "UE"),\(i % 10 == 9 ? "targeted" : "random"),\(i % 10 == 9 ? "0.25" : "0.01")\n"
        }
        return temporaryFile(csv)
    }

    @Test func aSpecDrivesTypesLevelsMissingValuesAndBins() throws {
        let spec = try FeatureSpec.load(path: specFile())
        #expect(spec.column("age")?.label == "Âge de l'allocataire")
        let data = try TrainingData.read(path: dataFile(), spec: try TableSpec(spec: spec))
        #expect(data.design.rows == 36, "targeted rows are left out by default")
        #expect(data.selection?.rowsExcluded == ["targeted": 4])
        let age = data.encoding.features.first { $0.name == "age" }!
        #expect(age.kind == .categorical && age.cuts?.count == 3)
        #expect(age.levels?.count == 4)
        let region = data.encoding.features.first { $0.name == "region" }!
        #expect(region.levels == ["nord", "sud", "est", "inconnue"] && region.reference == "sud")
        #expect(data.encoding.termNames.contains("region[T.inconnue]"))
        #expect(!data.encoding.termNames.contains { $0.hasPrefix("nationalite") }, "sensitive columns are not inputs")
        let depuis = data.encoding.features.first { $0.name == "depuis" }!
        #expect(depuis.valueType == .date)
        #expect(data.design[0, data.encoding.termNames.firstIndex(of: "depuis")!] == Double(daysFromCivil(year: 2024, month: 1, day: 15)))
        #expect(data.design[0, data.encoding.termNames.firstIndex(of: "revenu")!] == 0, "missing revenu filled with 0")
        #expect(data.featureSpec == spec)
    }

    /// Cut points, imputed values and the label's amount of 17 significant digits are written by
    /// `yaml()` so that they read back as the same Doubles (Yams alone kept 15 digits: a fuzzing
    /// finding, fuzz/regressions/spec/seventeen-digit-numbers.yaml).
    @Test func writtenSpecsReadBackWithEveryDigit() throws {
        let spec = FeatureSpec(name: "precision", targetDefinition: TargetDefinitionSpec(minimumAmount: 600.0000000000001), columns: [
            ColumnSpec(name: "y", role: .target),
            ColumnSpec(name: "x", role: .feature, type: .numeric, missing: .value(0.7777777777777772), bins: .cuts([1e-300, 0.1, 0.30000000000000004, 123456789.12345679])),
        ])
        let text = try spec.yaml()
        let again = try FeatureSpec.load(path: temporaryFile(text))
        #expect(again == spec, "\(text)")
    }

    @Test func theFrozenEncodingRebuildsTheSameDesignMatrixAtScoringTime() throws {
        let path = dataFile()
        let data = try TrainingData.read(path: path, spec: try TableSpec(spec: try FeatureSpec.load(path: specFile()), provenanceUse: [.random, .targeted]))
        // Round-trip the encoding through JSON, as the model artifact does.
        let encoding = try JSONDecoder().decode(DesignEncoding.self, from: JSONEncoder().encode(data.encoding))
        let reader = try CSVReader(path: path)
        let encoder = try DesignRowEncoder(encoding: encoding, reader: reader)
        var row = [Double](repeating: .nan, count: encoder.width)
        var i = 0
        while try reader.next() {
            try row.withUnsafeMutableBufferPointer { try encoder.encodeCurrentRecord(into: $0.baseAddress!) }
            #expect(row == Array(data.design.row(i)), "row \(i)")
            i += 1
        }
        #expect(i == data.design.rows)
    }

    @Test func sensitiveColumnsNeedAnOverrideWithAReason() throws {
        let spec = try FeatureSpec.load(path: specFile())
        #expect(throws: DataError.sensitiveFeature(column: "nationalite")) { try TableSpec(spec: spec, allowSensitive: ["nationalite": " "]) }
        #expect(DataError.sensitiveFeature(column: "nationalite").description.contains("allowSensitive nationalite reason TEXT"))
        let refusal15 = #expect(throws: DataError.self) { try TableSpec(spec: spec, allowSensitive: ["region": "x"]) }
        #expect(refusal15?.description == "allowSensitive region: the column is not marked sensitive or agent (role feature)")
        let table = try TableSpec(spec: spec, allowSensitive: ["nationalite": "audit de calibration demandé par le DPO"])
        #expect(table.features!.contains("nationalite"))
        let data = try TrainingData.read(path: dataFile(), spec: table)
        #expect(data.encoding.termNames.contains("nationalite[T.UE]"))
        #expect(data.sensitiveOverrides == [SensitiveOverride(column: "nationalite", reason: "audit de calibration demandé par le DPO")])
    }

    @Test func inverseProbabilityWeightsAreOneOverPi() throws {
        let spec = try FeatureSpec.load(path: specFile())
        let data = try TrainingData.read(path: dataFile(), spec: try TableSpec(spec: spec, provenanceUse: [.random, .targeted], weighting: .inverseProbability))
        #expect(data.design.rows == 40)
        #expect(data.weights?[0] == 100 && data.weights?[9] == 4)
        #expect(data.selection?.note.contains("inverse-probability") == true)
        let biased = try TrainingData.read(path: dataFile(), spec: try TableSpec(spec: spec, provenanceUse: [.random, .targeted]))
        #expect(biased.weights == nil)
        #expect(biased.selection?.note.hasPrefix("WARNING") == true)
    }

    @Test func aSpecThatContradictsTheDataNamesColumnAndFirstBadRow() throws {
        let spec = try FeatureSpec.load(path: specFile())
        let unknownLevel = temporaryFile("id,y,age,region,revenu,depuis,nationalite,provenance,pi\nA,1,30,nord,1,2024-01-01,FR,random,0.1\nB,0,40,Corse,1,2024-01-01,FR,random,0.1\n")
        #expect(throws: DataError.undeclaredLevel(file: unknownLevel, line: 3, column: "region", level: "Corse", declared: ["nord", "sud", "est"])) {
            try TrainingData.read(path: unknownLevel, spec: try TableSpec(spec: spec))
        }
        let wrongType = temporaryFile("id,y,age,region,revenu,depuis,nationalite,provenance,pi\nA,1,trente,nord,1,2024-01-01,FR,random,0.1\n")
        #expect(throws: DataError.notANumber(file: wrongType, line: 2, column: "age", value: "trente")) {
            try TrainingData.read(path: wrongType, spec: try TableSpec(spec: spec))
        }
        let badDate = temporaryFile("id,y,age,region,revenu,depuis,nationalite,provenance,pi\nA,1,30,nord,1,15/01/2024,FR,random,0.1\n")
        #expect(throws: DataError.notADate(file: badDate, line: 2, column: "depuis", value: "15/01/2024")) {
            try TrainingData.read(path: badDate, spec: try TableSpec(spec: spec))
        }
        let missingColumn = temporaryFile("id,y,age,region,depuis,nationalite,provenance,pi\nA,1,30,nord,2024-01-01,FR,random,0.1\n")
        #expect(throws: DataError.unknownColumn(file: missingColumn, name: "revenu", available: ["id", "y", "age", "region", "depuis", "nationalite", "provenance", "pi"])) {
            try TrainingData.read(path: missingColumn, spec: try TableSpec(spec: spec))
        }
        let badProvenance = temporaryFile("id,y,age,region,revenu,depuis,nationalite,provenance,pi\nA,1,30,nord,1,2024-01-01,FR,survey,0.1\n")
        #expect(throws: DataError.invalidProvenance(file: badProvenance, line: 2, column: "provenance", value: "survey")) {
            try TrainingData.read(path: badProvenance, spec: try TableSpec(spec: spec))
        }
    }

    @Test(arguments: [
        ("columns:\n  - {name: a, role: feature}\n", "name"),
        ("name: x\ncolumns:\n  - {name: a, role: feature}\n  - {name: a, role: target}\n", "column 'a' is described twice"),
        ("name: x\ncolumns:\n  - {name: a, role: predictor}\n", "columns[0].role"),
        ("name: x\ncolumns:\n  - {name: a, role: feature, bins: {quantiles: 1}}\n", "between 2 and 100"),
        ("name: x\ncolumns:\n  - {name: a, role: feature, bins: {cuts: [3, 1]}}\n", "strictly increasing"),
        ("name: x\ncolumns:\n  - {name: a, role: feature, levels: [u, v]}\n", "only for categorical"),
        ("name: x\ncolumns:\n  - {name: a, role: feature, type: categorical, levels: [u, v], reference: w}\n", "reference 'w'"),
        ("name: x\ncolumns:\n  - {name: a, role: feature, missing: {level: z}}\n", "only for categorical"),
        ("name: x\ncolumns:\n  - {name: a, role: target}\n  - {name: b, role: target}\n", "more than one column has role target"),
        ("name: x\ncolumns:\n  - {name: a, role: feature, missing: sometimes}\n", "columns[0].missing"),
    ])
    func invalidSpecsAreRefusedNamingTheKey(yaml: String, mention: String) {
        let path = temporaryFile(yaml, name: "spec.yaml")
        do {
            _ = try FeatureSpec.load(path: path)
            Issue.record("accepted an invalid spec")
        } catch {
            #expect(error.description.hasPrefix("\(path): invalid feature spec"))
            #expect(error.description.contains(mention), "\(error.description)")
        }
    }
}
