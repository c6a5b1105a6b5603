import COpenBLAS
import Synchronization

/// Process-wide controls of the OpenBLAS library.
///
/// Ciblage parallelises over row blocks itself and keeps OpenBLAS at one thread inside those
/// blocks: the reductions are then summed in a fixed order and the bytes out do not depend on the
/// thread count. Every BLAS and LAPACK call Ciblage makes runs inside a `singleThreaded` section:
/// even LAPACK's inverse of a 9×9 information matrix changes in its last bits with the OpenBLAS
/// thread count (DeterminismTests). The count set here only matters to other code in the process.
public enum OpenBLAS {
    public static var configuration: String { String(cString: openblas_get_config()) }
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The thread count OpenBLAS was asked for, and how many single-threaded sections are running.
    ///
    /// Why a count and a lock: the count is process-wide and several fits may run at once (a server,
    /// parallel test suites). If each section saved and restored the count by itself, the first to
    /// finish would give OpenBLAS its threads back while another was still mid-pass, and that pass
    /// would no longer be summed in a fixed order.
    private struct ThreadControl {
        var wanted: Int32 = 1
        var sections = 0
    }
    private static let control = Mutex(ThreadControl())

    /// The number of threads an OpenBLAS call made now uses (1 inside a single-threaded section).
    ///
    /// Setting it is process-wide; while single-threaded sections are running the new count is
    /// kept and applied when the last of them ends.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            let n = Int32(max(1, min(newValue, 256)))
            control.withLock { c in
                c.wanted = n
                if c.sections == 0 { openblas_set_num_threads(n) }
            }
        }
    }

    /// Runs `body` with OpenBLAS at one thread; the count asked for applies again once no
    /// single-threaded section is running (sections may overlap across threads and nest).
    public static func singleThreaded<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        control.withLock { c in
            if c.sections == 0 {
                c.wanted = openblas_get_num_threads()
                if c.wanted != 1 { openblas_set_num_threads(1) }
            }
            c.sections += 1
        }
        defer {
            control.withLock { c in
                c.sections -= 1
                if c.sections == 0, c.wanted != 1 { openblas_set_num_threads(c.wanted) }
            }
        }
        return try body()
    }
}
