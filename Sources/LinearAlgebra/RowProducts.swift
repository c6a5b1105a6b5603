/// xᵢᵀv for each row of a row-major n×p block: the linear predictors of a scorer and of a Newton pass.
///
/// Why not `dgemv`: on the blocks the hot loops use (a few hundred rows of a few dozen columns,
/// already in cache or streamed once) OpenBLAS's kernel pays a call and a shape dispatch per block
/// and reads each row in the order its own tiling wants, where two SIMD4 accumulators over the
/// columns run at the memory's speed. The reduction order is fixed per row ((acc0 + acc1), then its
/// lanes pairwise, then the columns past the last multiple of 8 in order), so a row's result is the
/// same bytes whatever block, chunk or thread it falls in.
public func rowProducts(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int, with v: UnsafePointer<Double>,
                        into out: UnsafeMutablePointer<Double>) {
    let b = UnsafeRawPointer(v)
    for i in 0..<n {
        let row = UnsafeRawPointer(x + i * p)
        var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
        var j = 0
        while j + 8 <= p {
            acc0 += row.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self) * b.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
            acc1 += row.loadUnaligned(fromByteOffset: (j + 4) * 8, as: SIMD4<Double>.self) * b.loadUnaligned(fromByteOffset: (j + 4) * 8, as: SIMD4<Double>.self)
            j += 8
        }
        let s4 = acc0 + acc1
        var s = (s4[0] + s4[1]) + (s4[2] + s4[3])
        while j < p { s += x[i * p + j] * v[j]; j += 1 }
        out[i] = s
    }
}
