import Foundation

/// How many threads Ciblage's own parallel loops use: `CIBLAGE_THREADS` if set, else the active cores.
public enum Parallelism {
    public static var defaultThreads: Int {
        if let s = ProcessInfo.processInfo.environment["CIBLAGE_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
