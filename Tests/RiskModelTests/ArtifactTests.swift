import CiblageSupport
import Foundation
import Testing
@testable import Dossiers
@testable import RiskModel

@Suite struct ArtifactTests {
    func model() throws -> ModelArtifact {
        try LogisticRegression.model(try Reference.load("fair").read())
    }

    @Test func roundTripKeepsEverythingAndTheContractKeys() throws {
        let m = try model()
        let path = temporaryDirectory().appendingPathComponent("m.json").path
        try m.write(to: path)
        var loaded = try ModelArtifact.load(from: path)
        #expect(loaded.checksum?.hasPrefix("sha256:") == true)
        loaded.checksum = nil
        #expect(loaded == m)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect(json["formatVersion"] as? Int == 1)
        let first = (json["coefficients"] as! [[String: Any]])[0]
        #expect(Set(first.keys).isSuperset(of: ["term", "estimate", "stdError", "z", "pValue"]))
        let fit = json["fit"] as! [String: Any]
        #expect(Set(fit.keys).isSuperset(of: ["logLikelihood", "iterations", "converged", "penalty"]))
        #expect((json["trainingData"] as! [String: Any])["sha256"] as? String == m.trainingData.sha256)
    }

    @Test func sameModelSameBytes() throws {
        #expect(try model().encoded() == model().encoded())
    }

    @Test func penalisedInferenceIsWrittenAsNull() throws {
        let data = try Reference.load("breast_cancer").read()
        let m = try LogisticRegression.model(data, options: LogisticRegressionOptions(l2: 2))
        let text = String(decoding: try m.encoded(), as: UTF8.self)
        #expect(text.contains("\"stdError\" : null"))
        #expect(text.contains("\"pValue\" : null"))
    }

    @Test func editedFileIsRefused() throws {
        let path = temporaryDirectory().appendingPathComponent("m.json").path
        try model().write(to: path)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let range = text.range(of: "\"estimate\" : ")!
        text.replaceSubrange(range, with: "\"estimate\" : 1")  // 0.38… becomes 10.38…
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ArtifactError.checksumMismatch(file: path)) { try ModelArtifact.load(from: path) }
    }

    @Test func truncatedFileIsRefused() throws {
        let path = temporaryDirectory().appendingPathComponent("m.json").path
        let bytes = try model().encoded()
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        do { _ = try ModelArtifact.load(from: path); Issue.record("loaded a truncated file") } catch let ArtifactError.notAModel(file, reason) {
            #expect(file == path && reason == "not valid JSON")
        }
    }

    @Test func newerFormatIsRefusedWithAnUpgradeHint() throws {
        let path = temporaryDirectory().appendingPathComponent("m.json").path
        var m = try model()
        m.formatVersion = 2
        try m.write(to: path)
        #expect(throws: ArtifactError.newerFormat(file: path, version: 2, supported: 1)) { try ModelArtifact.load(from: path) }
        #expect(ArtifactError.newerFormat(file: path, version: 2, supported: 1).description.contains("Upgrade Ciblage"))
    }

    @Test func missingFieldIsNamed() throws {
        let path = temporaryDirectory().appendingPathComponent("m.json").path
        try Data("{\"formatVersion\": 1, \"generator\": \"x\"}".utf8).write(to: URL(fileURLWithPath: path))
        do { _ = try ModelArtifact.load(from: path); Issue.record("loaded a model without its fields") } catch let ArtifactError.notAModel(_, reason) {
            #expect(reason.hasPrefix("missing field"))
        }
        let refusal21 = #expect(throws: ArtifactError.self) { try ModelArtifact.load(from: "/nonexistent/model.json") }
        #expect(refusal21?.description == "/nonexistent/model.json: cannot read the model file: No such file or directory")
    }

    @Test func summaryShowsTheTable() throws {
        let text = ModelSummary.text(try model())
        #expect(text.contains("Logistic Regression Results"))
        #expect(text.contains("occupation[T.5]"))
        #expect(text.contains("Log-Likelihood:"))
        #expect(text.contains("-3457.404"))
    }
}

@Suite struct ScorerTests {
    @Test func scoresEqualTheLogisticOfTheLinearPredictor() throws {
        let ref = try Reference.load("fair")
        let data = try ref.read()
        let model = try LogisticRegression.model(data)
        let out = temporaryDirectory().appendingPathComponent("scores.csv").path
        let summary = try Scorer.score(model: model, input: ref.csvPath, output: out)
        #expect(summary.rows == 6366 && summary.idColumn == nil)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "row,score")
        #expect(lines.count == 6367)
        for i in stride(from: 0, to: 6366, by: 97) {
            var eta = 0.0
            for j in 0..<model.estimates.count { eta += data.design[i, j] * model.estimates[j] }
            let fields = lines[i + 1].split(separator: ",")
            #expect(fields[0] == Substring(String(i + 1)))
            #expect(relativeError(Double(fields[1])!, 1 / (1 + exp(-eta))) < 1e-14)
        }
    }

    /// The scorer numbers its lines with `ByteBuffer.append(_: Int)`.
    @Test func rowNumbersAreSpelledAsStringSpellsThem() {
        for n in [0, 1, 9, 10, 99, 100, 6366, 1_999_999, 2_000_000, Int.max] {
            var line = ByteBuffer()
            line.append(UInt8(0x41))
            line.append(n)
            #expect(line.bytes == [0x41] + Array(String(n).utf8))
        }
    }

    /// The scorer writes scores, amounts and contributions with `appendDescription(of:)`: the
    /// bytes of `description`, for random bit patterns (every magnitude), probabilities, and the
    /// special values.
    @Test func scoresAreSpelledAsDescriptionSpellsThem() {
        var g = SplitMix64(seed: 12)
        let specials: [Double] = [0, -0.0, 1, 0.1, 1e-20, 1e16, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan, -.nan]
        for k in 0..<200_000 {
            let x = k < specials.count ? specials[k] : k % 2 == 0 ? Double(bitPattern: g.next()) : Double(g.next() >> 11) / 9007199254740992
            var line: [UInt8] = [0x41]
            line.appendDescription(of: x)
            #expect(line == [0x41] + Array(x.description.utf8), "\(x)")
            if line != [0x41] + Array(x.description.utf8) { return }
        }
    }

    func trainedRegionModel() throws -> ModelArtifact {
        let path = temporaryFile("id,y,region,x\n1,1,A,0.5\n2,0,B,1\n3,1,B,-1\n4,0,A,2\n5,1,C,0\n6,0,C,1.5\n7,1,A,-0.5\n8,0,B,0.2\n9,0,C,0.7\n")
        return try LogisticRegression.model(try TrainingData.read(path: path, spec: TableSpec(target: "y", categorical: ["region"])),
                                          options: LogisticRegressionOptions(l2: 0.1))
    }

    @Test func unseenLevelNamesTheRowAndNoOutputIsLeft() throws {
        let model = try trainedRegionModel()
        let dir = temporaryDirectory()
        let input = dir.appendingPathComponent("in.csv").path
        FileManager.default.createFile(atPath: input, contents: Data("id,region,x\nA1,A,1\nZ9,Corse,2\n".utf8))
        let out = dir.appendingPathComponent("scores.csv").path
        #expect(throws: DataError.unseenLevel(file: input, line: 3, column: "region", level: "Corse", known: ["A", "B", "C"])) {
            try Scorer.score(model: model, input: input, output: out)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["in.csv"], "no output and no temporary file left")
    }

    @Test func missingColumnIsNamed() throws {
        let model = try trainedRegionModel()
        let input = temporaryFile("id,x\n1,2\n")
        #expect(throws: DataError.missingColumn(file: input, name: "region")) {
            try Scorer.score(model: model, input: input, output: input + ".out")
        }
    }

    @Test func idColumnIsCopiedAndQuotedWhenNeeded() throws {
        let model = try trainedRegionModel()
        let input = temporaryFile("dossier;region;x\n\"CAF 44; n°1\";A;1\nX2;B;2\n")
        let out = input + ".scores.csv"
        let summary = try Scorer.score(model: model, input: input, output: out, options: ScoringOptions(idColumn: "dossier"))
        #expect(summary.rows == 2)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("dossier,score\n\"CAF 44; n°1\",0."))
        #expect(text.contains("\nX2,0."))
    }

    @Test func existingOutputIsKeptWhenScoringFails() throws {
        let model = try trainedRegionModel()
        let input = temporaryFile("id,region,x\n1,A,oops\n")
        let out = input + ".scores.csv"
        try Data("previous scores\n".utf8).write(to: URL(fileURLWithPath: out))
        #expect(throws: DataError.notANumber(file: input, line: 2, column: "x", value: "oops")) {
            try Scorer.score(model: model, input: input, output: out)
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous scores\n")
    }
}
