import CiblageSupport
import Dispatch
import Foundation

/// A partition of n rows into a fixed number of contiguous segments, processed in parallel and
/// reduced in segment order.
///
/// Why: floating-point sums depend on their order. The number of segments depends on n only, never
/// on the thread count; each segment is reduced sequentially (OpenBLAS at one thread), and the
/// segment results are added in index order. The same input therefore gives the same bytes with
/// 1, 2 or 64 threads, while 2 cores still split the pass over X between them.
public struct RowSegments: Sendable {
    public let rowCount: Int
    public let count: Int

    public init(rowCount: Int, maximumSegments: Int = 64, minimumRowsPerSegment: Int = 8192) {
        self.rowCount = rowCount
        let wanted = (rowCount + minimumRowsPerSegment - 1) / minimumRowsPerSegment
        count = max(1, min(maximumSegments, wanted))
    }

    public func range(_ segment: Int) -> Range<Int> {
        let lo = rowCount * segment / count
        let hi = rowCount * (segment + 1) / count
        return lo..<hi
    }

    /// The number of workers `forEach` uses for `threads` threads.
    public func workerCount(threads: Int) -> Int { max(1, min(threads, count)) }

    /// Calls `body(worker, segment, rows)` for every segment, on up to `threads` threads, with OpenBLAS
    /// single-threaded. `worker` is in `0..<workerCount(threads:)`, so callers can keep per-worker scratch.
    public func forEach(threads: Int, _ body: (_ worker: Int, _ segment: Int, _ rows: Range<Int>) -> Void) {
        let workers = workerCount(threads: threads)
        OpenBLAS.singleThreaded {
            if workers == 1 {
                for s in 0..<count { body(0, s, range(s)) }
            } else {
                withoutActuallyEscaping(body) { body in
                    let box = UncheckedSendable(body)
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        var s = w
                        while s < count { box.value(w, s, range(s)); s += workers }
                    }
                }
            }
        }
    }
}
