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
/// files and renamed only at the end (`AtomicFile`), which this exit never reaches; the temporary
/// file of the output being written may stay behind (`.NAME.tmp-PID-…`).
///
/// A signal handler may only call async-signal-safe functions: the message is built beforehand, in
/// memory that is never freed while the handler can run, and the handler calls `write` and `_exit`.
public enum MappedFileFault {
    nonisolated(unsafe) private static var message: UnsafeMutablePointer<UInt8>?
    nonisolated(unsafe) private static var length = 0

    /// The exit status after a mapped file's pages vanished (EX_IOERR).
    public static let exitStatus: Int32 = 74

    /// Names `path` in the message of a fault, and installs the handler (once per process). Call it
    /// before the file's pages are first read; a later call names the later file.
    public static func watch(_ path: String) {
        #if os(Linux)
        let text = Array("error: \(path): a mapped cache file was truncated or rewritten while it was read (bus error); run the command again, and do not write over a cache in use ('ciblage convert' writes a new file and renames it)\n".utf8)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: text.count)
        bytes.initialize(from: text, count: text.count)
        // The old message is kept, never freed: the handler may be reading it right now.
        length = 0
        message = bytes
        length = text.count
        _ = installed
        #endif
    }

    #if os(Linux)
    /// Installs the handler the first time it is read (a lazy static is initialised exactly once).
    private static let installed: Void = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            if let m = MappedFileFault.message, MappedFileFault.length > 0 { _ = write(2, m, MappedFileFault.length) }
            _exit(MappedFileFault.exitStatus)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGBUS, &action, nil)
    }()
    #endif
}
