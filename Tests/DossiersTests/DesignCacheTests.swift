import CiblageSupport
import Foundation
import Testing
@testable import Dossiers
import LinearAlgebra

/// The training cache: the same table as the CSV, refused under other settings, and a damaged or
/// truncated file named as such.
@Suite struct DesignCacheTests {
    static func table() -> (path: String, spec: TableSpec) {
        var g = SplitMix64(seed: 9)
        var text = "id,y,w,region,x,montant\n"
        for i in 0..<3000 {
            let y = g.next() % 2
            text += "D\(i),\(y),\(1 + g.next() % 3),\(["A", "B", "C"][Int(g.next() % 3)]),\(g.normal()),\(y == 1 ? 100 + Double(g.next() % 900) : 0)\n"
        }
        var spec = TableSpec(target: "y", categorical: ["region"], weight: "w")
        spec.amount = "montant"
        return (temporaryFile(text), spec)
    }

    @Test func theCacheGivesBackTheTableOfTheCSV() throws {
        let (path, spec) = Self.table()
        var csv = try TrainingData.read(path: path, spec: spec)
        csv.sensitiveSample = SensitiveSample(attributes: ["handicap"], rows: [0, 2], values: [["1"], ["0"]])
        let cache = path + ".cbl"
        try DesignCache.write(csv, signature: spec.signature, to: cache)
        #expect(DesignCache.isCache(cache) && !DesignCache.isCache(path))
        let back = try TrainingData.load(path: cache, spec: spec)
        #expect(back.design == csv.design && back.target == csv.target && back.weights == csv.weights && back.amounts == csv.amounts)
        #expect(back.lines == csv.lines && back.encoding == csv.encoding && back.fingerprint == csv.fingerprint)
        #expect(back.fingerprint.file == path, "a model trained from the cache records the CSV")
        #expect(back.sensitiveSample == csv.sensitiveSample && back.amountName == "montant" && back.weightName == "w")
        // The CSV path still reads the CSV.
        #expect(try TrainingData.load(path: path, spec: spec).design == csv.design)
    }

    @Test func otherSettingsADamagedOrATruncatedCacheAreRefused() throws {
        let (path, spec) = Self.table()
        let cache = path + ".cbl"
        try DesignCache.write(try TrainingData.read(path: path, spec: spec), signature: spec.signature, to: cache)
        var other = spec
        other.references = ["region": "B"]
        let settings = #expect(throws: DataError.self) { try TrainingData.load(path: cache, spec: other) }
        #expect("\(settings!)".contains("encoded with other settings") && "\(settings!)".contains(path))

        var bytes = try Data(contentsOf: URL(fileURLWithPath: cache))
        bytes[bytes.count - 100] ^= 0x10
        let damagedPath = path + ".damaged.cbl"
        try bytes.write(to: URL(fileURLWithPath: damagedPath))
        let damaged = #expect(throws: DataError.self) { try TrainingData.load(path: damagedPath, spec: spec) }
        #expect("\(damaged!)".contains("does not match its checksum"))

        let truncatedPath = path + ".truncated.cbl"
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: truncatedPath))
        let truncated = #expect(throws: DataError.self) { try TrainingData.load(path: truncatedPath, spec: spec) }
        #expect("\(truncated!)".contains("truncated"))
    }
}
