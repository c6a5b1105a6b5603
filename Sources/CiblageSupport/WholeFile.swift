#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file with `open`/`read`, for the loaders of the files people give (specs,
/// campaigns, archetypes, models, reports, keys).
///
/// Not `String(contentsOfFile:)` or `Data(contentsOf:)`: fuzzing found that swift-foundation's
/// `readBytesFromFile` leaks a 4 KiB buffer on every empty file (LeakSanitizer, the `campaign`
/// target; fuzz/regressions/ keeps the input), and a loader may be handed many files in a server.
public enum WholeFile {
    /// Why a file could not be read, in the words of the C library ("No such file or directory").
    public struct ReadError: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
        public init(reason: String) { self.reason = reason }
    }

    /// The file's bytes. A directory, or a file larger than `limit` bytes, is refused.
    public static func bytes(_ path: String, limit: Int = 1 << 30) throws(ReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ReadError(reason: String(cString: strerror(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw ReadError(reason: "it is a directory") }
        guard Int(st.st_size) <= limit else { throw ReadError(reason: "it is larger than \(limit) bytes") }
        // The size is a hint only (the file may grow, or be a pipe): read until the end.
        var out = [UInt8](repeating: 0, count: max(Int(st.st_size), 0) + 1)
        var count = 0
        while true {
            if count == out.count { out.append(contentsOf: repeatElement(0, count: out.count)) }
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            count += n
            guard count <= limit else { throw ReadError(reason: "it is larger than \(limit) bytes") }
        }
        out.removeSubrange(count...)
        return out
    }

    /// The file as UTF-8 text; invalid UTF-8 is refused rather than replaced.
    public static func text(_ path: String, limit: Int = 1 << 30) throws(ReadError) -> String {
        let data = try bytes(path, limit: limit)
        guard let text = String(validating: data, as: UTF8.self) else { throw ReadError(reason: "it is not UTF-8 text") }
        return text
    }
}
