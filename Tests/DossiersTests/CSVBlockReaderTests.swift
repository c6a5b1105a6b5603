import CiblageSupport
import Foundation
import Testing
@testable import Dossiers

/// The parallel block reader sees exactly the records, fields and line numbers of the sequential
/// reader, whatever the block size and the thread count, and reports the same first error.
@Suite struct CSVBlockReaderTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "blocks-\(UUID().uuidString).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func sequential(_ path: String) throws -> [String] {
        let r = try CSVReader(path: path)
        var out: [String] = []
        while try r.next() { out.append("\(r.line):" + (0..<r.fieldCount).map { try! r.string($0) }.joined(separator: "|")) }
        return out
    }

    func blocks(_ path: String, size: Int, threads: Int) throws -> [String] {
        let r = try CSVBlockReader(path: path, blockSize: size)
        var out: [String] = []
        try r.forEachBlock(threads: threads, parse: { reader -> [String] in
            var part: [String] = []
            while try reader.next() { part.append("\(reader.line):" + (0..<reader.fieldCount).map { try! reader.string($0) }.joined(separator: "|")) }
            return part
        }) { out.append(contentsOf: $0) }
        #expect(r.recordCount == out.count)
        return out
    }

    /// A file with every hard case: quoted delimiters, doubled quotes, line breaks inside quotes
    /// (LF, CRLF and CR), CRLF and CR line ends, blank lines, a BOM and no final line break.
    static func tricky(rows: Int, seed: UInt64) -> String {
        var g = SplitMix64(seed: seed)
        var text = "\u{FEFF}id,texte,valeur\r\n"
        for i in 0..<rows {
            let field: String
            switch g.next() % 7 {
            case 0: field = "\"a,b\""
            case 1: field = "\"dit \"\"oui\"\"\""
            case 2: field = "\"ligne\nsuivante\""
            case 3: field = "\"ligne\r\nsuivante\""
            case 4: field = "\"cr\rseul\""
            case 5: field = ""
            default: field = "simple\(i)"
            }
            let end = ["\n", "\r\n", "\n\n", "\r\n\r\n"][Int(g.next() % 4)]
            text += "D\(i),\(field),\(Double(i) * 0.5)" + (i == rows - 1 ? "" : end)
        }
        return text
    }

    @Test(arguments: [64, 97, 1000, 1 << 20])
    func sameRecordsAsTheSequentialReader(blockSize: Int) throws {
        let path = try write(Self.tricky(rows: 3000, seed: UInt64(blockSize)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try sequential(path)
        #expect(expected.count == 3000)
        for threads in [1, 2, 3] {
            #expect(try blocks(path, size: blockSize, threads: threads) == expected, "block size \(blockSize), \(threads) threads")
        }
    }

    /// A record longer than the block: the splitter grows the block until the record ends.
    @Test func recordsLongerThanABlockAreKeptWhole() throws {
        let long = "\"" + String(repeating: "x,\n", count: 200) + "\""
        let path = try write("a,b\n" + (0..<50).map { "\($0),\($0 % 7 == 0 ? long : "court")" }.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = try sequential(path)
        #expect(expected.count == 50 && expected[0].count > 600)
        #expect(try blocks(path, size: 64, threads: 2) == expected)
    }

    @Test func crOnlyLineEndsAreSplitToo() throws {
        let path = try write("a,b\r" + (0..<500).map { "\($0),x\($0)" }.joined(separator: "\r") + "\r")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try blocks(path, size: 64, threads: 2) == sequential(path))
    }

    @Test func theFirstErrorInTheFileIsTheOneReported() throws {
        var lines = ["a,b"] + (1...2000).map { "\($0),\($0)" }
        lines[700] = "700"          // ragged row, line 701
        lines[1500] = "1500,\"x"    // unclosed quote later on
        let path = try write(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var sequentialError: DataError?
        do { _ = try sequential(path) } catch let e as DataError { sequentialError = e }
        #expect(sequentialError == .raggedRow(file: path, line: 701, expected: 2, found: 1))
        for threads in [1, 2] {
            #expect(throws: sequentialError!) { _ = try blocks(path, size: 128, threads: threads) }
        }
    }

    @Test func everyByteReachesTheFingerprint() throws {
        let text = Self.tricky(rows: 500, seed: 3)
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var seen = 0
        let r = try CSVBlockReader(path: path, blockSize: 100) { seen += $0.count }
        try r.forEachBlock(threads: 2, parse: { reader in while try reader.next() {} }) { _ in }
        #expect(seen == text.utf8.count && r.bytesRead == seen)
    }

    /// The fingerprint reads the header's bytes again when the pass starts: a file cut short since it
    /// was opened is an error naming it, and no byte reaches the fingerprint.
    @Test func aHeaderThatCannotBeReadAgainIsAnErrorNamingTheFile() throws {
        let path = try write("id,y,x\n1,0,0.5\n2,1,1.5\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var seen = 0
        let r = try CSVBlockReader(path: path) { seen += $0.count }
        try Data("id,".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: DataError.self) { try r.forEachBlock(threads: 2, parse: { reader in while try reader.next() {} }) { _ in } }
        #expect(error == .cannotOpen(file: path, reason: "the header's 7 bytes could not be read again"))
        #expect(seen == 0)
    }

    /// A read that fails once the pass has started (here the path became a directory since the
    /// header was read: `read` answers EISDIR) is an error naming the file, reported by the merging
    /// thread, and the call returns with no thread left waiting, for any number of workers.
    @Test func aReadThatFailsDuringThePassIsAnErrorNamingTheFile() throws {
        let path = try write("id,y,x\n" + (1...5_000).map { "\($0),\($0 % 2),0.5" }.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CSVBlockReader(path: path, blockSize: 256)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        for threads in [1, 2, 4] {
            var merged = 0
            let error = #expect(throws: DataError.self) {
                try r.forEachBlock(threads: threads, parse: { reader in while try reader.next() {} }) { _ in merged += 1 }
            }
            #expect(error == .cannotOpen(file: path, reason: String(cString: strerror(EISDIR))), "threads \(threads)")
            #expect(merged == 0)
        }
    }

    /// A merge that throws stops the pipeline: the error is the caller's, the blocks after it are
    /// never merged, the call returns (no thread left waiting), and the reader reads again from the
    /// start. While it runs, blocks parsed and not yet merged never exceed the 4 × threads + 2 in
    /// flight.
    @Test func aThrowingMergeStopsThePipelineAndBlocksInFlightAreBounded() throws {
        struct Stop: Error, Equatable { var block: Int }
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var parsed = 0
            func parse() { lock.lock(); parsed += 1; lock.unlock() }
            var value: Int { lock.lock(); defer { lock.unlock() }; return parsed }
        }
        let lines = ["a,b"] + (1...20_000).map { "\($0),\($0 % 13)" }
        let path = try write(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for threads in [1, 2, 4] {
            let r = try CSVBlockReader(path: path, blockSize: 256)
            let counter = Counter()
            var merged = 0, worst = 0
            #expect(throws: Stop(block: 40)) {
                try r.forEachBlock(threads: threads, parse: { reader -> Int in
                    counter.parse()
                    var n = 0
                    while try reader.next() { n += 1 }
                    return n
                }) { _ in
                    usleep(300)  // a slow merge: the reader and the workers run ahead as far as they may
                    worst = max(worst, counter.value - merged)
                    if merged == 40 { throw Stop(block: 40) }
                    merged += 1
                }
            }
            #expect(merged == 40)
            #expect(worst <= 4 * threads + 2, "\(worst) blocks parsed and not merged with \(threads) threads")
            var records = 0
            try r.forEachBlock(threads: threads, parse: { reader -> Int in
                var n = 0
                while try reader.next() { n += 1 }
                return n
            }) { records += $0 }
            #expect(records == 20_000)
        }
    }
}
