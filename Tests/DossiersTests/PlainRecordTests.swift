import CiblageSupport
import Foundation
import Testing
@testable import Dossiers
#if canImport(Glibc)
import Glibc
#endif

/// The plain-record path (`CSVReader.next(numbers:into:)`) converts numbers while it tokenises. It
/// must give, for every field, the value of the general path bit for bit, leave NaN exactly where the
/// general decoder refuses or needs a policy, and hand unusual records to the general tokenizer, so
/// that the records, lines and first error are those of the sequential reader.
@Suite struct PlainRecordTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "plain-\(UUID().uuidString).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A field drawn from the forms a numeric column meets: plain decimals of every length (up to 25
    /// digits, beyond the fast path's 19), signs, a leading or trailing decimal mark, exponents,
    /// spaces, missing markers, non-finite spellings and text.
    static func field(_ g: inout SplitMix64, decimalComma: Bool) -> String {
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(g.next() % 10)) }) }
        let mark = decimalComma && g.next() % 2 == 0 ? "," : "."
        let sign = ["", "", "-", "+"][Int(g.next() % 4)]
        switch g.next() % 16 {
        case 0: return ""
        case 1: return ["NA", "null", "nan", "-inf", "abc", "1.2.3", "--1", "1e", "+", "-", ".", "0x10"][Int(g.next() % 12)]
        case 2: return " " + digits(1 + Int(g.next() % 4)) + " "
        case 3: return sign + digits(1 + Int(g.next() % 3)) + mark + digits(Int(g.next() % 4)) + "e" + ["", "-", "+"][Int(g.next() % 3)] + digits(1 + Int(g.next() % 3))
        case 4: return sign + digits(10 + Int(g.next() % 16))                                           // around 19 digits and 2⁵³
        case 5: return sign + digits(Int(g.next() % 3)) + mark + digits(15 + Int(g.next() % 10))       // many decimals
        case 6: return sign + "9007199254740993"                                                        // 2⁵³ + 1
        case 7: return sign + mark + digits(1 + Int(g.next() % 5))
        case 8: return sign + digits(1 + Int(g.next() % 5)) + mark
        default: return sign + digits(1 + Int(g.next() % 6)) + mark + digits(Int(g.next() % 9))
        }
    }

    /// What the general path makes of every field of every record: the value, or the error.
    func general(_ path: String, format: CSVFormat) throws -> [[String]] {
        let r = try CSVReader(path: path, format: format)
        var out: [[String]] = []
        while try r.next() {
            out.append((0..<r.fieldCount).map { j in
                do { return "\(r.line):" + String(try r.number(j).bitPattern, radix: 16) } catch { return "\(r.line):\(error)" }
            })
        }
        return out
    }

    /// The same through the plain-record path, NaN decoded by the general code.
    func plain(_ path: String, format: CSVFormat, blockSize: Int, threads: Int) throws -> (records: [[String]], undecided: Int) {
        let r = try CSVBlockReader(path: path, format: format, blockSize: blockSize)
        let n = r.header.count
        let numbers = NumberColumns(fieldCount: n, destinations: Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, n - 1 - $0) }))
        var out: [[String]] = [], undecided = 0
        try r.forEachBlock(threads: threads, parse: { reader -> ([[String]], Int) in
            var part: [[String]] = [], nan = 0
            var values = [Double](repeating: 0, count: n)
            try values.withUnsafeMutableBufferPointer { v in
                while try reader.next(numbers: numbers, into: v.baseAddress!) {
                    part.append((0..<n).map { j in
                        let x = v[n - 1 - j]
                        if !x.isNaN { return "\(reader.line):" + String(x.bitPattern, radix: 16) }
                        nan += 1
                        do { return "\(reader.line):" + String(try reader.number(j).bitPattern, radix: 16) } catch { return "\(reader.line):\(error)" }
                    })
                }
            }
            return (part, nan)
        }) { out.append(contentsOf: $0.0); undecided += $0.1 }
        return (out, undecided)
    }

    @Test(arguments: [false, true])
    func everyFieldHasTheGeneralPathsValueOrError(decimalComma: Bool) throws {
        var g = SplitMix64(seed: decimalComma ? 11 : 7)
        let d = decimalComma ? ";" : ","
        var text = (1...6).map { "c\($0)" }.joined(separator: d) + "\n"
        var fields = 0
        for _ in 0..<4000 {
            text += (1...6).map { _ in Self.field(&g, decimalComma: decimalComma) }.joined(separator: d) + "\n"
            fields += 6
        }
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let format = CSVFormat(decimalComma: decimalComma)
        let expected = try general(path, format: format)
        #expect(expected.count == 4000)
        for (size, threads) in [(1 << 20, 1), (333, 2), (64, 3)] {
            let (records, undecided) = try plain(path, format: format, blockSize: size, threads: threads)
            #expect(records == expected, "block size \(size), \(threads) threads")
            // The fast conversion decides most fields; NaN is left only where the general code must speak.
            #expect(undecided > 0 && undecided < fields / 2)
        }
    }

    /// Every value the fast conversion gives is the one strtod gives (the general parser is checked
    /// against strtod elsewhere; this checks the fast one directly, without it).
    @Test func fastValuesAreStrtodsValues() throws {
        var g = SplitMix64(seed: 2026)
        var checked = 0
        for _ in 0..<200_000 {
            let text = Self.field(&g, decimalComma: false)
            let bytes = Array(text.utf8) + [0x0A] + [UInt8](repeating: 0, count: 16)
            var v = 0.0
            let stop = bytes.withUnsafeBufferPointer { NumberParsing.plainDecimal($0.baseAddress!, from: 0, mark: UInt8(ascii: "."), powers: NumberParsing.powersOfTen, value: &v) }
            guard let stop, stop == text.utf8.count else { continue }
            let reference = text.withCString { strtod($0, nil) }
            #expect(v.bitPattern == reference.bitPattern, "\(text)")
            checked += 1
        }
        #expect(checked > 100_000)
    }

    /// Blank lines, a ragged row, quotes and CRs in some blocks only, and no final line break: the
    /// records and the first error are those of the sequential reader.
    @Test func unusualRecordsGoToTheGeneralTokenizer() throws {
        var lines = ["a,b,c"]
        for i in 1...3000 {
            switch i % 500 {
            case 17: lines.append("")
            case 230: lines.append("\"\(i)\",2,3")
            case 231: lines.append("\(i),2,3\r")
            default: lines.append("\(i),\(Double(i) / 8),-\(i % 7)")
            }
        }
        let clean = try write(lines.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: clean) }
        let expected = try general(clean, format: CSVFormat())
        #expect(expected.count == 3000 - 6)
        for (size, threads) in [(1 << 20, 1), (200, 2), (64, 2)] {
            #expect(try plain(clean, format: CSVFormat(), blockSize: size, threads: threads).records == expected)
        }
        lines[2100] = "2100,1"   // line 2101: too few fields
        lines[2400] = "2400,1,2,3"
        let ragged = try write(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: ragged) }
        for (size, threads) in [(1 << 20, 1), (200, 2)] {
            #expect(throws: DataError.raggedRow(file: ragged, line: 2101, expected: 3, found: 2)) {
                _ = try plain(ragged, format: CSVFormat(), blockSize: size, threads: threads)
            }
        }
    }

    /// Booleans ride on the number conversion only when spelled "0" or "1": a field "1.0" is a
    /// number 1 but not a boolean, and must still be refused as the general decoder refuses it.
    @Test func booleansTakeTheFastPathOnlyAsZeroOrOne() throws {
        var text = "y,b,x\n"
        for i in 0..<3000 { text += "\(i % 2),\(["0", "1", "oui", "FAUX", "true"][i % 5]),\(i)\n" }
        let good = try write(text)
        defer { try? FileManager.default.removeItem(atPath: good) }
        let data = try TrainingData.read(path: good, spec: TableSpec(target: "y", boolean: ["b"]))
        let column = data.encoding.termNames.firstIndex(of: "b")!
        #expect((0..<3000).map { data.design[$0, column] } == (0..<3000).map { [0.0, 1, 1, 0, 1][$0 % 5] })
        let bad = try write(text + "1,1.0,5\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect(throws: DataError.notABoolean(file: bad, line: 3002, column: "b", value: "1.0")) {
            _ = try TrainingData.read(path: bad, spec: TableSpec(target: "y", boolean: ["b"]))
        }
    }
}
