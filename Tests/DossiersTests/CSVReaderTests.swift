import Foundation
import Testing
@testable import Dossiers

@Suite struct CSVReaderTests {
    @Test func quotedFieldsEscapedQuotesAndEmbeddedNewlines() throws {
        let path = temporaryFile("id,comment,x\r\n1,\"a, b\",2\r\n2,\"say \"\"hi\"\"\",3\r\n3,\"two\nlines\",4\r\n4,,5\r\n")
        let (header, rows, lines) = try records(path)
        #expect(header == ["id", "comment", "x"])
        #expect(rows == [["1", "a, b", "2"], ["2", "say \"hi\"", "3"], ["3", "two\nlines", "4"], ["4", "", "5"]])
        #expect(lines == [2, 3, 4, 6], "a record with an embedded newline counts two physical lines")
    }

    @Test func byteOrderMarkIsSkippedAndLastLineNeedsNoNewline() throws {
        let path = temporaryFile(bytes: [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n3,4".utf8))
        let (header, rows, _) = try records(path)
        #expect(header == ["a", "b"])
        #expect(rows == [["1", "2"], ["3", "4"]])
    }

    @Test(arguments: [(";", UInt8(ascii: ";")), ("\t", UInt8(ascii: "\t")), (",", UInt8(ascii: ","))])
    func delimiterIsDetected(sep: String, byte: UInt8) throws {
        let path = temporaryFile(["a", "b", "c"].joined(separator: sep) + "\n" + ["1", "2", "3"].joined(separator: sep) + "\n")
        let reader = try CSVReader(path: path)
        #expect(reader.delimiter == byte)
        #expect(try reader.next())
        #expect(reader.fieldCount == 3)
    }

    @Test func decimalCommaWithSemicolons() throws {
        let path = temporaryFile("y;x;z\n1;3,25;-1,5e2\n")
        let reader = try CSVReader(path: path, format: CSVFormat(decimalComma: true))
        #expect(reader.delimiter == UInt8(ascii: ";"))
        #expect(try reader.next())
        #expect(try reader.number(1) == 3.25)
        #expect(try reader.number(2) == -150)
    }

    @Test func blankLinesAreSkipped() throws {
        let (_, rows, lines) = try records(temporaryFile("a,b\n\n1,2\n\r\n3,4\n\n"))
        #expect(rows == [["1", "2"], ["3", "4"]])
        #expect(lines == [3, 5])
    }

    @Test func recordsSpanningReadChunksAreIntact() throws {
        // About 3 MiB, so 1 MiB chunk boundaries fall inside quoted fields and numbers.
        var text = "id,note,x\n"
        for i in 0..<60_000 { text += "\(i),\"note \"\"\(i)\"\"\nsecond line, with comma\",\(Double(i) * 0.125)\n" }
        let reader = try CSVReader(path: temporaryFile(text))
        var count = 0
        while try reader.next() {
            #expect(try reader.string(1) == "note \"\(count)\"\nsecond line, with comma")
            #expect(try reader.number(2) == Double(count) * 0.125)
            count += 1
        }
        #expect(count == 60_000)
        #expect(reader.bytesRead == text.utf8.count)
    }

    @Test func numbersParseExactly() throws {
        let samples = ["0", "-0", "1", "3.14159", "-2.5e-3", "1e22", "1e23", "123456789012345678", "0.1", "2.2250738585072014e-308",
                       "4.9e-324", "1.7976931348623157e308", "  42  ", "+7", ".5", "5.", "9007199254740993", "0.30000000000000004"]
        let path = temporaryFile("x\n" + samples.map { "\"\($0)\"" }.joined(separator: "\n") + "\n")
        let reader = try CSVReader(path: path)
        for s in samples {
            #expect(try reader.next())
            let expected = Double(s.trimmingCharacters(in: .whitespaces))!
            #expect(try reader.number(0).bitPattern == expected.bitPattern, "\(s)")
        }
    }

    @Test func booleanSpellings() throws {
        let path = temporaryFile("b\n1\n0\ntrue\nFALSE\noui\nNon\nvrai\nfaux\nyes\nno\n")
        let reader = try CSVReader(path: path)
        var values: [Double] = []
        while try reader.next() { values.append(try reader.boolean(0)) }
        #expect(values == [1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    }
}
