#if canImport(Glibc)
import Glibc
#endif

/// What the process says if the pages of a mapped file vanish under it.
///
/// Why: a training cache's design is mapped from its file (`DesignCache.mapSection`). If another
/// process truncates that file while a command reads it (`cp` over it, a shell's `>`), the kernel
/// takes the pages away and the next read of one raises SIGBUS, which would end the process with
/// no word at all. The handler installed here writes one line naming the file and what to do,
/// then exits with status 74 (EX_IOERR). Outputs are untouched: they are written to temporary
/// files and renamed only at the end (`AtomicFile`), which this exit never reaches.
///
/// A signal handler may only call async-signal-safe functions: the message is built beforehand, in
/// one buffer allocated once and never freed, and the handler calls `write` and `_exit`. A later
/// `watch` rewrites that buffer in place (the length is cleared first and set last), so a fault on
/// another thread during the rewrite prints a shorter or mixed line, never reads freed memory; the
/// commands that map a cache read one at a time, so that does not happen in practice.
///
/// The commands that map a cache (`train`, `select`, `evaluate` on a `.cbl`) write their outputs
/// after the last read of the design, so this exit never leaves an output's temporary file behind.
public enum MappedFileFault {
    /// Room for a path of PATH_MAX bytes and the sentence around it; a longer path is cut.
    static let capacity = 4096 + 512
    nonisolated(unsafe) private static let message = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var length = 0

    /// The exit status after a mapped file's pages vanished (EX_IOERR).
    public static let exitStatus: Int32 = 74

    /// The line the handler writes for a fault on `path`'s pages, cut to `capacity` bytes (still
    /// ending in a line break) for a path too long for the buffer.
    static func line(for path: String) -> [UInt8] {
        let text = Array("error: \(path): a mapped cache file was truncated or rewritten while it was read (bus error); run the command again, and do not write over a cache in use ('ciblage convert' writes a new file and renames it)\n".utf8)
        return text.count <= capacity ? text : Array(text.prefix(capacity - 1)) + [UInt8(ascii: "\n")]
    }

    /// Names `path` in the message of a fault, and installs the handler (once per process). Call it
    /// before the file's pages are first read; a later call names the later file.
    public static func watch(_ path: String) {
        #if os(Linux)
        let bytes = line(for: path)
        length = 0
        bytes.withUnsafeBufferPointer { message.update(from: $0.baseAddress!, count: $0.count) }
        length = bytes.count
        _ = installed
        #endif
    }

    #if os(Linux)
    /// Installs the handler the first time it is read (a lazy static is initialised exactly once).
    private static let installed: Void = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            if MappedFileFault.length > 0 { _ = write(2, MappedFileFault.message, MappedFileFault.length) }
            _exit(MappedFileFault.exitStatus)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGBUS, &action, nil)
    }()
    #endif
}
