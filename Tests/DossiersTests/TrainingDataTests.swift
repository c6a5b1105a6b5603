import CiblageSupport
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

    /// The fingerprint is the SHA-256 of every byte of the file (as `sha256sum` computes it), with the
    /// header's bytes (a BOM, a quoted name over two lines) and the file's end (no final line break)
    /// whatever the blocks: the hash is fed by the merging thread, block by block, in file order.
    @Test func theFingerprintIsTheSHA256OfTheWholeFile() throws {
        var g = SplitMix64(seed: 4)
        var text = "\u{FEFF}id,y,\"x\nlong\"\r\n"
        for i in 0..<3000 { text += "D\(i),\(g.next() % 2),\(g.normal())" + (i % 11 == 0 ? "\r\n" : "\n") }
        text += "D3000,1,0.5"
        let path = temporaryFile(text)
        let sum = Process()
        sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sum.arguments = [path]
        let out = Pipe()
        sum.standardOutput = out
        try sum.run()
        sum.waitUntilExit()
        let expected = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        for (threads, block) in [(1, 1 << 20), (3, 256)] {
            var spec = TableSpec(target: "y")
            spec.threads = threads
            spec.blockBytes = block
            let data = try TrainingData.read(path: path, spec: spec)
            #expect(data.fingerprint.sha256 == String(expected), "threads \(threads), blocks of \(block) bytes")
            #expect(data.fingerprint.rows == 3001 && data.fingerprint.bytes == text.utf8.count)
        }
    }

    /// Rows are written straight into the matrix at "lines before the block" and moved down when blank
    /// lines or records over several lines leave a gap; rows past the capacity estimated from the
    /// file's start go through the blocks' own arrays. Either way the matrix is the one of the same
    /// rows written plainly.
    @Test func rowsPlacedInTheMatrixAreThoseOfThePlainFile() throws {
        var g = SplitMix64(seed: 9)
        var plain = "id,y,x1,x2\n", awkward = "id,y,x1,x2\n"
        for i in 0..<20_000 {
            let row = "\(g.next() % 2),\(g.normal()),\(Int(g.next() % 100) - 50)\n"
            plain += "D\(i)," + row
            // The first rows are long (a capacity estimated too low), then blank lines and quoted
            // identifiers over two lines (gaps between the blocks' bounds and their rows).
            let id = i < 2000 ? "D\(i)" + String(repeating: "x", count: 200) : i % 37 == 0 ? "\"D\(i)\nbis\"" : "D\(i)"
            awkward += id + "," + row + (i % 53 == 0 ? "\n\n" : "")
        }
        let spec = TableSpec(target: "y", features: ["x1", "x2"])
        let expected = try TrainingData.read(path: temporaryFile(plain), spec: spec)
        for (threads, block) in [(1, 1 << 20), (2, 4096), (3, 700)] {
            var s = spec
            s.threads = threads; s.blockBytes = block
            let data = try TrainingData.read(path: temporaryFile(awkward), spec: s)
            #expect(data.design == expected.design, "\(threads) threads, blocks of \(block)")
            #expect(data.target == expected.target)
        }
    }

    /// Blocks parsed in parallel give the same table as one sequential pass: rows, lines, weights,
    /// levels first seen in different blocks, binned columns, and the fingerprint.
    @Test func theTableIsTheSameForAnyThreadCountAndBlockSize() throws {
        var g = SplitMix64(seed: 5)
        var text = "id,y,w,region,x,age\n"
        for i in 0..<5000 {
            let region = i < 3000 ? ["B", "A"][Int(g.next() % 2)] : ["C", "A", "D", "B"][Int(g.next() % 4)]  // C, D appear late
            text += "D\(i),\(g.next() % 2),\(1 + g.next() % 3),\(region),\(g.normal()),\(20 + g.next() % 50)\n"
        }
        let path = temporaryFile(text)
        var spec = TableSpec(target: "y", categorical: ["region"], weight: "w", bins: ["age": .quantiles(4)])
        spec.threads = 1
        let one = try TrainingData.read(path: path, spec: spec)
        for (threads, block) in [(2, 1000), (3, 4096), (2, 64)] {
            spec.threads = threads; spec.blockBytes = block
            let other = try TrainingData.read(path: path, spec: spec)
            #expect(other.design == one.design && other.target == one.target && other.weights == one.weights)
            #expect(other.lines == one.lines && other.encoding == one.encoding && other.fingerprint == one.fingerprint)
        }
        #expect(one.encoding.features.first { $0.name == "region" }?.levels == ["A", "B", "C", "D"])
        #expect(one.lines.last == 5001)
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
