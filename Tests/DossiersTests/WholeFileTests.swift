import CiblageSupport
import Foundation
import Testing

/// The loaders' file reading: every refusal in the C library's words or ours, and the empty file
/// (the input that made Foundation leak) read as no bytes.
@Suite struct WholeFileTests {
    @Test func readsBytesTextAndTheEmptyFile() throws {
        #expect(try WholeFile.bytes(temporaryFile("")) == [])
        #expect(try WholeFile.text(temporaryFile("é, 1\n")) == "é, 1\n")
        let large = String(repeating: "x", count: 300_000)
        #expect(try WholeFile.text(temporaryFile(large)) == large)
    }

    @Test func refusalsSayWhy() {
        #expect(throws: WholeFile.ReadError(reason: "No such file or directory")) { try WholeFile.bytes("/nonexistent/spec.yaml") }
        #expect(throws: WholeFile.ReadError(reason: "it is a directory")) { try WholeFile.bytes(NSTemporaryDirectory()) }
        #expect(throws: WholeFile.ReadError(reason: "it is not UTF-8 text")) { try WholeFile.text(temporaryFile(bytes: [0x61, 0xC3, 0x28])) }
        #expect(throws: WholeFile.ReadError(reason: "it is larger than 4 bytes")) { try WholeFile.bytes(temporaryFile("12345"), limit: 4) }
    }
}
