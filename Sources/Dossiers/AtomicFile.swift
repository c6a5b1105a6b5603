import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in the same
/// directory, which is renamed over the destination only when complete. If anything fails, or the
/// writer is dropped before `commit()`, the temporary file is removed and the destination is untouched.
public final class AtomicFile {
    public let path: String
    private let temporaryPath: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity = 1 << 20
    private var finished = false

    public init(path: String) throws(DataError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        temporaryPath = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(capacity)
    }

    deinit {
        if !finished { close(fd); unlink(temporaryPath) }
    }

    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(DataError) {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count > capacity { try writeAll(bytes) } else { buffer.append(contentsOf: bytes) }
    }

    public func write(_ string: String) throws(DataError) {
        try write(Array(string.utf8))
    }

    public func write(_ bytes: [UInt8]) throws(DataError) {
        if buffer.count + bytes.count > capacity { try flush() }
        buffer.append(contentsOf: bytes)
        if buffer.count > capacity { try flush() }
    }

    public func flush() throws(DataError) {
        guard !buffer.isEmpty else { return }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        try writeAll(pending)
    }

    private func writeAll(_ array: [UInt8]) throws(DataError) {
        var failure: DataError?
        array.withUnsafeBufferPointer { b in
            do throws(DataError) { try writeAll(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) throws(DataError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotOpen(file: path, reason: "write failed: " + String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// Flushes, closes and renames the temporary file over `path`.
    public func commit() throws(DataError) {
        try flush()
        finished = true
        close(fd)
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw .cannotOpen(file: path, reason: "cannot rename the finished file into place: \(reason)")
        }
    }

    /// Removes the temporary file now, leaving the destination untouched. For writers fed by
    /// worker threads: when one of them fails, the others may still hold this file for a moment
    /// after the error reaches the caller, so `deinit` alone would remove it late.
    public func discard() {
        guard !finished else { return }
        finished = true
        close(fd)
        unlink(temporaryPath)
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws(DataError) {
        let file = try AtomicFile(path: path)
        try file.write([UInt8](data))
        try file.commit()
    }
}
