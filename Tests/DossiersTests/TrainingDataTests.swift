import Foundation
import Testing
@testable import Dossiers
import LinearAlgebra

@Suite struct TrainingDataTests {
    @Test func categoricalLevelsAreSortedAndOneHotEncoded() throws {
        let path = temporaryFile("id,y,region,x\n10,1,B,0.5\n11,0,A,1.5\n12,1,C,2\n13,0,B,3\n")
        let data = try TrainingData.read(path: path, spec: TableSpec(target: "y", categorical: ["region"]))
        #expect(data.encoding.termNames == ["Intercept", "region[T.B]", "region[T.C]", "x"])
        #expect(data.design == Matrix([[1, 1, 0, 0.5], [1, 0, 0, 1.5], [1, 0, 1, 2], [1, 1, 0, 3]]))
        #expect(data.target == [1, 0, 1, 0])
        #expect(data.lines == [2, 3, 4, 5])
        #expect(data.fingerprint.rows == 4 && data.fingerprint.sha256.count == 64)
    }

    @Test func referenceLevelCanBeChosen() throws {
        let path = temporaryFile("y,region\n1,B\n0,A\n1,C\n")
        let data = try TrainingData.read(path: path, spec: TableSpec(target: "y", categorical: ["region"], references: ["region": "C"]))
        #expect(data.encoding.termNames == ["Intercept", "region[T.A]", "region[T.B]"])
        #expect(data.encoding.features[0].reference == "C")
        #expect(data.design.column(1) == [0, 1, 0])
    }

    @Test func numericLevelsSortNumerically() {
        #expect(sortedLevels(["10", "2", "1"]) == ["1", "2", "10"])
        #expect(sortedLevels(["b", "B", "a"]) == ["B", "a", "b"])
    }

    @Test func weightsBooleansAndExplicitFeatures() throws {
        let path = temporaryFile("y,w,flag,x,ignored\n1,2,oui,1,z\n0,0.5,non,2,z\n")
        let spec = TableSpec(target: "y", features: ["flag", "x"], boolean: ["flag"], weight: "w")
        let data = try TrainingData.read(path: path, spec: spec)
        #expect(data.weights == [2, 0.5])
        #expect(data.design == Matrix([[1, 1, 1], [1, 0, 2]]))
        #expect(data.encoding.features.map(\.kind) == [.boolean, .numeric])
    }

    @Test func sameFileSameFingerprint() throws {
        let path = temporaryFile("y,x\n1,1\n0,2\n")
        let a = try TrainingData.read(path: path, spec: TableSpec(target: "y"))
        let b = try TrainingData.read(path: path, spec: TableSpec(target: "y"))
        #expect(a.fingerprint == b.fingerprint)
    }
}
