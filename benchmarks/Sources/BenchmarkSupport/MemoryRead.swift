import CiblageSupport
import Dispatch

/// Sums every value with two SIMD4 accumulators: the fastest plain read of a buffer, the baseline
/// that memory-bound kernels (scoring) are measured against.
public func memoryReadSum(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let base = x.baseAddress else { return 0 }
    let raw = UnsafeRawPointer(base)
    var a = SIMD4<Double>(), c = SIMD4<Double>()
    var k = 0
    while k + 8 <= x.count {
        a += raw.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
        c += raw.loadUnaligned(fromByteOffset: (k + 4) * 8, as: SIMD4<Double>.self)
        k += 8
    }
    var s = (a + c).sum()
    while k < x.count { s += x[k]; k += 1 }
    return s
}

/// The same read on `threads` workers over contiguous ranges (the machine's read rate with every
/// core reading, the limit of a parallel scoring kernel). Partial sums are added in range order.
public func memoryReadSum(_ x: UnsafeBufferPointer<Double>, threads: Int) -> Double {
    let workers = max(1, min(threads, x.count / 32_768))
    guard workers > 1 else { return memoryReadSum(x) }
    var partial = [Double](repeating: 0, count: workers)
    let box = UncheckedSendable(x)
    partial.withUnsafeMutableBufferPointer { out in
        let outBox = UncheckedSendable(out.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = box.value.count * w / workers, hi = box.value.count * (w + 1) / workers
            outBox.value[w] = memoryReadSum(UnsafeBufferPointer(rebasing: box.value[lo..<hi]))
        }
    }
    return partial.reduce(0, +)
}
