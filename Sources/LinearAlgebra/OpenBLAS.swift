import COpenBLAS

/// Process-wide controls of the OpenBLAS library.
///
/// Ciblage parallelises over row blocks itself and keeps OpenBLAS at one thread inside those
/// blocks: the reductions are then summed in a fixed order and the bytes out do not depend on the
/// thread count. OpenBLAS's own threading is only left on for calls whose result does not depend
/// on how the work is split.
public enum OpenBLAS {
    public static var configuration: String { String(cString: openblas_get_config()) }
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The number of threads OpenBLAS uses for one call. Setting it is process-wide.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, min(newValue, 256)))) }
    }

    /// Runs `body` with OpenBLAS set to one thread, restoring the previous count afterwards.
    public static func singleThreaded<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let previous = threadCount
        if previous != 1 { threadCount = 1 }
        defer { if previous != 1 { threadCount = previous } }
        return try body()
    }
}
