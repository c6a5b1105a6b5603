import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// xᵢᵀv for each row of a row-major n×p block: the linear predictors of a scorer and of a Newton pass.
///
/// Why not `dgemv`: on the blocks the hot loops use (a few hundred rows of a few dozen columns,
/// already in cache or streamed once) OpenBLAS's kernel pays a call and a shape dispatch per block
/// and reads each row in the order its own tiling wants, where two 4-lane accumulators over the
/// columns run at the memory's speed. The reduction order is fixed per row ((acc0 + acc1), then its
/// lanes pairwise, then the columns past the last multiple of 8 in order), so a row's result is the
/// same bytes whatever block, chunk or thread it falls in, and whichever of the two loops below runs
/// (`RowKernels`).
public func rowProducts(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int, with v: UnsafePointer<Double>,
                        into out: UnsafeMutablePointer<Double>) {
    if RowKernels.useAVX2 { ck_row_products(x, n, p, v, out) } else { RowKernels.portableRowProducts(x, rows: n, columns: p, with: v, into: out) }
}

/// `g[j] += Σᵢ r[i]·x[i,j]` (Xᵀr added into g) for a row-major n×p block: the gradient of a Newton pass.
///
/// Each column's sum runs over the rows in order, so the result does not depend on how the columns
/// are cut into lanes. Replaces `dgemv` here for the reason `rowProducts` does: on one core of the
/// benchmark machine, 1,048,576 rows × 41 in blocks of 256, η and Xᵀr took 0.045 s with `dgemv`
/// against 0.023 s with the AVX2 loops (docs/BENCHMARKS.md, "Row kernels").
public func accumulateTransposed(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int, by r: UnsafePointer<Double>,
                                 into g: UnsafeMutablePointer<Double>) {
    if RowKernels.useAVX2 { ck_accumulate_transposed(x, n, p, r, g) } else { RowKernels.portableAccumulateTransposed(x, rows: n, columns: p, by: r, into: g) }
}

/// Which loop runs `rowProducts` and `accumulateTransposed`: the AVX2 kernels of `CKernels` where the
/// CPU has AVX2, the portable Swift loops below elsewhere. Both give the same bits (the same
/// operations in the same order, never fused; `RowKernelTests` compares them), so a model or a
/// scores file does not depend on the machine's vector unit.
public enum RowKernels {
    /// True when the AVX2 kernels run: the CPU has AVX2 and `CIBLAGE_PORTABLE_KERNELS` is not set
    /// (the benchmarks set it to measure the portable loops in the same run).
    public static let useAVX2: Bool = ck_avx2_available() != 0 && getenv("CIBLAGE_PORTABLE_KERNELS") == nil

    /// The portable `rowProducts`, in Swift's SIMD4 (two SSE2 registers each on the x86-64 baseline).
    public static func portableRowProducts(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int, with v: UnsafePointer<Double>,
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

    /// The portable `accumulateTransposed`: row by row, each column's product added to its sum.
    public static func portableAccumulateTransposed(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int, by r: UnsafePointer<Double>,
                                                    into g: UnsafeMutablePointer<Double>) {
        for i in 0..<n {
            let ri = r[i], row = x + i * p
            for j in 0..<p { g[j] += ri * row[j] }
        }
    }
}
