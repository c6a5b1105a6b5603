import Foundation
import Testing
@testable import Dossiers

/// The malformed-input suite: each case asserts the exact error (class and place) and that the
/// message a user reads names that place.
@Suite struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let csv: [UInt8]
        let spec: TableSpec
        let expected: @Sendable (String) -> DataError
        let mentions: [String]
        var testDescription: String { name }

        init(_ name: String, _ csv: String, spec: TableSpec = TableSpec(target: "y"), mentions: [String] = [],
             _ expected: @escaping @Sendable (String) -> DataError) {
            self.init(name, bytes: Array(csv.utf8), spec: spec, mentions: mentions, expected)
        }

        init(_ name: String, bytes: [UInt8], spec: TableSpec = TableSpec(target: "y"), mentions: [String] = [],
             _ expected: @escaping @Sendable (String) -> DataError) {
            self.name = name; self.csv = bytes; self.spec = spec; self.expected = expected; self.mentions = mentions
        }
    }

    static let cases: [Case] = [
        Case("ragged row, too few fields", "y,x,z\n1,2,3\n0,4\n", mentions: ["line 3", "2 fields", "expected 3"]) {
            .raggedRow(file: $0, line: 3, expected: 3, found: 2) },
        Case("ragged row, too many fields", "y,x\n1,2\n0,4,5\n", mentions: ["line 3", "3 fields"]) {
            .raggedRow(file: $0, line: 3, expected: 2, found: 3) },
        Case("unclosed quote", "y,x\n1,2\n0,\"4\n1,5\n", mentions: ["line 3", "never closed"]) {
            .unclosedQuote(file: $0, line: 3) },
        Case("stray quote in an unquoted field", "y,x\n1,2\"3\n", mentions: ["line 2", "'x'"]) {
            .strayQuote(file: $0, line: 2, column: "x") },
        Case("text after a closing quote", "y,x\n1,\"2\"3\n", mentions: ["line 2", "'x'"]) {
            .textAfterClosingQuote(file: $0, line: 2, column: "x") },
        Case("invalid UTF-8 in a categorical column", bytes: Array("y,region\n1,A\n0,".utf8) + [0xC3, 0x28] + Array("\n".utf8),
             spec: TableSpec(target: "y", categorical: ["region"]), mentions: ["line 3", "'region'", "UTF-8"]) {
            .invalidUTF8(file: $0, line: 3, column: "region") },
        Case("invalid UTF-8 in the header", bytes: Array("y,r".utf8) + [0xFF] + Array("\n1,2\n".utf8), mentions: ["line 1"]) {
            .invalidUTF8(file: $0, line: 1, column: "#2") },
        Case("text in a numeric column", "y,x\n1,2\n0,abc\n", mentions: ["line 3", "'x'", "'abc'"]) {
            .notANumber(file: $0, line: 3, column: "x", value: "abc") },
        Case("NaN", "y,x\n1,NaN\n", mentions: ["line 2", "'x'", "NaN"]) {
            .nonFinite(file: $0, line: 2, column: "x", value: "NaN") },
        Case("infinity", "y,x\n1,2\n0,-inf\n", mentions: ["line 3", "'x'"]) {
            .nonFinite(file: $0, line: 3, column: "x", value: "-inf") },
        Case("overflowing number", "y,x\n1,1e400\n", mentions: ["line 2"]) {
            .nonFinite(file: $0, line: 2, column: "x", value: "1e400") },
        Case("empty numeric field", "y,x\n1,\n", mentions: ["line 2", "'x'", "missing"]) {
            .missingValue(file: $0, line: 2, column: "x") },
        Case("NA marker", "y,x\n1,3\n0,NA\n", mentions: ["line 3", "'x'"]) {
            .missingValue(file: $0, line: 3, column: "x") },
        Case("missing target", "y,x\n,3\n", mentions: ["line 2", "'y'"]) {
            .missingValue(file: $0, line: 2, column: "y") },
        Case("empty file", "") { .emptyFile(file: $0) },
        Case("only blank lines", "\n\n\r\n") { .emptyFile(file: $0) },
        Case("header only", "y,x\n", mentions: ["no data rows"]) { .headerOnly(file: $0) },
        Case("duplicate column names", "y,x,x\n1,2,3\n", mentions: ["'x'", "more than once"]) {
            .duplicateColumn(file: $0, name: "x") },
        Case("empty column name", "y,,x\n1,2,3\n", mentions: ["column 2"]) { .emptyColumnName(file: $0, position: 2) },
        Case("target not 0/1", "y,x\n1,2\n2,3\n", mentions: ["line 3", "'2'"]) {
            .targetNotBinary(file: $0, line: 3, column: "y", value: "2") },
        Case("target as text", "y,x\n1,2\nfraud,3\n", mentions: ["line 3", "'fraud'"]) {
            .targetNotBinary(file: $0, line: 3, column: "y", value: "fraud") },
        Case("unknown target column", "outcome,x\n1,2\n", mentions: ["'y'", "outcome, x"]) {
            .unknownColumn(file: $0, name: "y", available: ["outcome", "x"]) },
        Case("unknown feature column", "y,x\n1,2\n", spec: TableSpec(target: "y", features: ["x", "age"]), mentions: ["'age'"]) {
            .unknownColumn(file: $0, name: "age", available: ["y", "x"]) },
        Case("negative weight", "y,x,w\n1,2,1\n0,3,-1\n", spec: TableSpec(target: "y", weight: "w"), mentions: ["line 3", "'w'"]) {
            .invalidWeight(file: $0, line: 3, column: "w", value: "-1") },
        Case("unknown reference level", "y,r\n1,A\n0,B\n", spec: TableSpec(target: "y", categorical: ["r"], references: ["r": "Z"]),
             mentions: ["'Z'", "A, B"]) { _ in .unknownReferenceLevel(column: "r", level: "Z", known: ["A", "B"]) },
        Case("reference for a numeric column", "y,x\n1,2\n", spec: TableSpec(target: "y", references: ["x": "2"]), mentions: ["'x'"]) {
            _ in .referenceForNonCategorical(column: "x") },
        Case("decimal comma without --decimal-comma", "y,x\n1,\"1,5\"\n", mentions: ["'1,5'"]) {
            .notANumber(file: $0, line: 2, column: "x", value: "1,5") },
        Case("not a boolean", "y,b\n1,maybe\n", spec: TableSpec(target: "y", boolean: ["b"]), mentions: ["'maybe'", "'b'"]) {
            .notABoolean(file: $0, line: 2, column: "b", value: "maybe") },
        Case("target also listed as a feature", "y,x\n1,2\n", spec: TableSpec(target: "y", features: ["x", "y"])) {
            _ in .conflictingRoles(column: "y", roles: "target and feature") },
    ]

    @Test(arguments: cases)
    func malformedInputIsRefusedWithThePlaceNamed(_ c: Case) throws {
        let path = temporaryFile(bytes: c.csv)
        do {
            _ = try TrainingData.read(path: path, spec: c.spec)
            Issue.record("\(c.name): no error")
        } catch {
            #expect(error == c.expected(path))
            let message = error.description
            for m in c.mentions { #expect(message.contains(m), "\(c.name): '\(message)' should mention \(m)") }
        }
    }

    @Test func missingFileAndDirectory() {
        let refusal14 = #expect(throws: DataError.self) { try CSVReader(path: "/nonexistent/dossiers.csv") }
        #expect(refusal14?.description == "/nonexistent/dossiers.csv: cannot open: No such file or directory")
        do { _ = try CSVReader(path: "/nonexistent/dossiers.csv"); Issue.record("opened a missing file") } catch {
            #expect(error.description.hasPrefix("/nonexistent/dossiers.csv: cannot open"))
        }
        do { _ = try CSVReader(path: NSTemporaryDirectory()); Issue.record("opened a directory") } catch {
            #expect(error == .cannotOpen(file: NSTemporaryDirectory(), reason: "it is a directory"))
        }
    }
}

extension DataError: CustomTestStringConvertible {
    public var testDescription: String { description }
}
