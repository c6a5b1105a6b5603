@testable import CiblageSupport
import Testing

/// The line the SIGBUS handler writes fits its buffer, allocated once: a path too long for it is
/// cut, and the line still ends in a line break (the handler only copies it out).
@Suite struct MappedFileFaultTests {
    @Test func aPathTooLongForTheBufferIsCutAndTheLineStillEnds() {
        let short = MappedFileFault.line(for: "/data/train.cbl")
        #expect(String(decoding: short, as: UTF8.self).hasPrefix("error: /data/train.cbl: a mapped cache file was truncated"))
        #expect(short.last == UInt8(ascii: "\n") && short.count < MappedFileFault.capacity)
        let long = MappedFileFault.line(for: "/" + String(repeating: "d", count: 6000))
        #expect(long.count == MappedFileFault.capacity)
        #expect(long.last == UInt8(ascii: "\n") && long.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
        let exact = MappedFileFault.line(for: "/" + String(repeating: "d", count: MappedFileFault.capacity - short.count + "/data/train.cbl".count - 1))
        #expect(exact.count == MappedFileFault.capacity && String(decoding: exact, as: UTF8.self).hasSuffix("renames it)\n"), "a line that just fits is not cut")
    }
}
