import COpenBLAS

/// Thin, dimension-checked wrappers over the CBLAS calls Ciblage uses.
///
/// All matrices are row-major `Matrix` values; each call passes them to BLAS as the column-major
/// transpose (leading dimension = `columns`), so the operation names below are phrased in terms of
/// the row-major matrices the caller holds.
///
/// The pointer forms are for hot loops that run inside `RowSegments.forEach`, which already holds
/// OpenBLAS at one thread; the `Matrix` forms hold it themselves, so that no result of Ciblage's
/// depends on the OpenBLAS thread count (see `OpenBLAS`).
public enum BLAS {
    /// Returns the upper triangle (column-major, p×p) of `alpha·XᵀX + beta·C` for a row-major n×p block
    /// starting at `x`. `c` must hold p·p values. Only the upper triangle (in column-major terms) is written.
    public static func gramUpper(
        _ x: UnsafePointer<Double>, rows n: Int, columns p: Int,
        into c: UnsafeMutablePointer<Double>, alpha: Double = 1, beta: Double = 0
    ) throws(LinearAlgebraError) {
        let n32 = try blasInt(n), p32 = try blasInt(p)
        guard n > 0, p > 0 else {
            if p > 0 && beta == 0 { c.update(repeating: 0, count: p * p) }
            return
        }
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, p32, n32, alpha, x, p32, beta, c, p32)
    }

    /// The same Gram matrix in single precision (`ssyrk`): half the bytes and twice the lanes, for
    /// a matrix that only has to be close (a Newton step's, never a covariance's).
    public static func gramUpper(
        _ x: UnsafePointer<Float>, rows n: Int, columns p: Int,
        into c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) throws(LinearAlgebraError) {
        let n32 = try blasInt(n), p32 = try blasInt(p)
        guard n > 0, p > 0 else {
            if p > 0 && beta == 0 { c.update(repeating: 0, count: p * p) }
            return
        }
        cblas_ssyrk(CblasColMajor, CblasUpper, CblasNoTrans, p32, n32, alpha, x, p32, beta, c, p32)
    }

    /// `out[i] = Σⱼ x[i,j]·v[j]` for a row-major n×p block (dgemv 'T' on the column-major transpose).
    public static func multiply(
        _ x: UnsafePointer<Double>, rows n: Int, columns p: Int,
        by v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>
    ) throws(LinearAlgebraError) {
        let n32 = try blasInt(n), p32 = try blasInt(p)
        guard n > 0 else { return }
        guard p > 0 else { out.update(repeating: 0, count: n); return }
        cblas_dgemv(CblasColMajor, CblasTrans, p32, n32, 1, x, p32, v, 1, 0, out, 1)
    }

    /// `out[j] = beta·out[j] + Σᵢ x[i,j]·v[i]` (Xᵀv) for a row-major n×p block.
    public static func multiplyTransposed(
        _ x: UnsafePointer<Double>, rows n: Int, columns p: Int,
        by v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, beta: Double = 0
    ) throws(LinearAlgebraError) {
        let n32 = try blasInt(n), p32 = try blasInt(p)
        guard p > 0 else { return }
        guard n > 0 else { if beta == 0 { out.update(repeating: 0, count: p) }; return }
        cblas_dgemv(CblasColMajor, CblasNoTrans, p32, n32, 1, x, p32, v, 1, beta, out, 1)
    }

    /// Row-major matrix product `a·b`.
    public static func multiply(_ a: Matrix, _ b: Matrix) throws(LinearAlgebraError) -> Matrix {
        guard a.columns == b.rows else {
            throw .shapeMismatch("\(a.rows)×\(a.columns) times \(b.rows)×\(b.columns)")
        }
        var c = Matrix(rows: a.rows, columns: b.columns)
        let m = try blasInt(a.rows), n = try blasInt(b.columns), k = try blasInt(a.columns)
        guard a.rows > 0, b.columns > 0, a.columns > 0 else { return c }
        // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ.
        a.storage.withUnsafeBufferPointer { ap in
            b.storage.withUnsafeBufferPointer { bp in
                c.storage.withUnsafeMutableBufferPointer { cp in
                    OpenBLAS.singleThreaded {
                        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, m, k, 1,
                                    bp.baseAddress, n, ap.baseAddress, k, 0, cp.baseAddress, n)
                    }
                }
            }
        }
        return c
    }

    /// Matrix–vector product `a·v` for a row-major matrix.
    public static func multiply(_ a: Matrix, _ v: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard a.columns == v.count else { throw .shapeMismatch("\(a.rows)×\(a.columns) times vector of \(v.count)") }
        var out = [Double](repeating: 0, count: a.rows)
        guard a.rows > 0, a.columns > 0 else { return out }
        try a.storage.withUnsafeBufferPointer { (ap) throws(LinearAlgebraError) in
            try v.withUnsafeBufferPointer { (vp) throws(LinearAlgebraError) in
                try out.withUnsafeMutableBufferPointer { (op) throws(LinearAlgebraError) in
                    try OpenBLAS.singleThreaded { () throws(LinearAlgebraError) in
                        try multiply(ap.baseAddress!, rows: a.rows, columns: a.columns, by: vp.baseAddress!, into: op.baseAddress!)
                    }
                }
            }
        }
        return out
    }
}
