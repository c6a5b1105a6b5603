import COpenBLAS
import Foundation
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
    /// The kernels in use (after `kernelChoice`).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The kernels OpenBLAS chose when it loaded, and the ones Ciblage runs with.
    ///
    /// Why: a DYNAMIC_ARCH OpenBLAS picks its kernels by CPU model, and a release older than the
    /// CPU does not know it. Debian 12's 0.3.21 on an Intel family 6 model 207 (Emerald Rapids)
    /// falls back to the Prescott kernels, SSE3 from 2004: the fit then ran 1.5 s where the Haswell
    /// kernels take 0.9 to 1.1 s (docs/BENCHMARKS.md, eleventh session). When OpenBLAS chose a core
    /// without AVX2 while the CPU reports AVX2 and FMA (Linux's /proc/cpuinfo flags, which are
    /// those the kernel enabled), Ciblage asks OpenBLAS to choose again with `OPENBLAS_CORETYPE` set
    /// to SkylakeX (the AVX-512 F, CD, BW, DQ and VL subset) or Haswell. An `OPENBLAS_CORETYPE` set
    /// by the user is left alone. Runs once, before the first BLAS or LAPACK call Ciblage makes
    /// (every one goes through `singleThreaded`); the CLI calls it first thing.
    public struct KernelChoice: Sendable, Equatable {
        public let detected: String
        public let inUse: String
    }
    public static let kernelChoice: KernelChoice = {
        let detected = coreName
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let wanted = betterCore(than: detected, cpuFlags: cpuFlags()),
              let choose = dynamicArchitectureHooks() else {
            return KernelChoice(detected: detected, inUse: detected)
        }
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        choose.quit()
        choose.initialise()
        unsetenv("OPENBLAS_CORETYPE")  // not passed on to child processes
        return KernelChoice(detected: detected, inUse: coreName)
    }()

    /// DYNAMIC_ARCH's kernel choice in driver/others/dynamic.c: `gotoblas_dynamic_quit` forgets the
    /// chosen core, `gotoblas_dynamic_init` chooses again, honouring `OPENBLAS_CORETYPE`. Looked up
    /// at run time, not linked: an OpenBLAS built for one CPU has neither, and must still link.
    private static func dynamicArchitectureHooks() -> (quit: @convention(c) () -> Void, initialise: @convention(c) () -> Void)? {
        guard configuration.contains("DYNAMIC_ARCH"), let process = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(process) }  // libopenblas stays loaded: the process links it
        guard let quit = dlsym(process, "gotoblas_dynamic_quit"), let initialise = dlsym(process, "gotoblas_dynamic_init") else { return nil }
        typealias Hook = @convention(c) () -> Void
        return (unsafeBitCast(quit, to: Hook.self), unsafeBitCast(initialise, to: Hook.self))
    }

    /// The cores OpenBLAS 0.3.x falls back to that have no AVX2 kernels.
    static let coresWithoutAVX2: Set<String> = [
        "unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
        "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "sandybridge",
        "bobcat", "bulldozer", "piledriver", "steamroller",
    ]

    /// The core to ask for instead of `detected`, or nil to keep it.
    static func betterCore(than detected: String, cpuFlags: Set<String>) -> String? {
        guard coresWithoutAVX2.contains(detected.lowercased()) else { return nil }
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx", "avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// The first processor's flags in /proc/cpuinfo (empty elsewhere than Linux, or unreadable).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

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
        _ = kernelChoice
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
