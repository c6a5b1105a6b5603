import COpenBLAS

/// The Cholesky factorisation A = UᵀU of a symmetric positive definite matrix, by LAPACK `dpotrf`.
///
/// Used for the Newton step (solve H·d = −g) and for the covariance of the estimates (H⁻¹ by `dpotri`).
/// LAPACK runs with OpenBLAS at one thread (`OpenBLAS.singleThreaded`): its blocked routines split
/// the work by the thread count, and the covariance's last bits would follow it.
/// A failure carries LAPACK's `info` as a typed error so that callers can say which pivot failed.
public struct Cholesky: Sendable {
    public let order: Int
    /// Column-major; the upper triangle holds U, the strict lower triangle is ignored.
    private var factor: [Double]

    /// Factors the symmetric matrix `a`; only its upper triangle is read.
    public init(_ a: Matrix) throws(LinearAlgebraError) {
        guard a.rows == a.columns else { throw .shapeMismatch("Cholesky of a \(a.rows)×\(a.columns) matrix") }
        order = a.rows
        factor = a.storage  // symmetric: row-major bytes = column-major bytes
        guard order > 0 else { return }
        var n = try blasInt(order), lda = n, info: Int32 = 0
        OpenBLAS.singleThreaded { dpotrf_("U", &n, &factor, &lda, &info, 1) }
        if info < 0 { throw .illegalArgument(position: Int(-info)) }
        if info > 0 { throw .notPositiveDefinite(minor: Int(info)) }
    }

    /// Solves A·x = b.
    public func solve(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == order else { throw .shapeMismatch("right-hand side of \(b.count) for order \(order)") }
        var x = b
        guard order > 0 else { return x }
        var n = try blasInt(order), nrhs: Int32 = 1, lda = n, ldb = n, info: Int32 = 0
        OpenBLAS.singleThreaded { dpotrs_("U", &n, &nrhs, factor, &lda, &x, &ldb, &info, 1) }
        if info < 0 { throw .illegalArgument(position: Int(-info)) }
        return x
    }

    /// A⁻¹ as a full symmetric matrix (`dpotri` fills one triangle; the other is mirrored here).
    public func inverse() throws(LinearAlgebraError) -> Matrix {
        var inv = factor
        guard order > 0 else { return Matrix(rows: 0, columns: 0) }
        var n = try blasInt(order), lda = n, info: Int32 = 0
        OpenBLAS.singleThreaded { dpotri_("U", &n, &inv, &lda, &info, 1) }
        if info < 0 { throw .illegalArgument(position: Int(-info)) }
        if info > 0 { throw .singular(position: Int(info)) }
        symmetrizeFromUpper(&inv, order: order)
        return Matrix(rows: order, columns: order, storage: inv)
    }

    /// log det A = 2 Σ log Uᵢᵢ.
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<order { s += 2 * _log(factor[i + i * order]) }
        return s
    }
}

/// Copies the upper triangle of a column-major p×p matrix onto its lower triangle.
public func symmetrizeFromUpper(_ a: inout [Double], order p: Int) {
    for j in 0..<p {
        for i in (j + 1)..<max(j + 1, p) { a[i + j * p] = a[j + i * p] }
    }
}

@inline(__always) func _log(_ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.log(x)
    #else
    return Foundation.log(x)
    #endif
}
#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

extension Cholesky {
    /// Factors the symmetric positive definite p×p matrix at `a` in place (upper triangle, column-major;
    /// a symmetric matrix has the same bytes either way). For hot loops that must not allocate.
    public static func factorInPlace(_ a: UnsafeMutablePointer<Double>, order: Int) throws(LinearAlgebraError) {
        guard order > 0 else { return }
        var n = try blasInt(order), lda = n, info: Int32 = 0
        OpenBLAS.singleThreaded { dpotrf_("U", &n, a, &lda, &info, 1) }
        if info < 0 { throw .illegalArgument(position: Int(-info)) }
        if info > 0 { throw .notPositiveDefinite(minor: Int(info)) }
    }

    /// Solves A·x = b in place (`b` becomes x), with `factor` from `factorInPlace`.
    public static func solveInPlace(factor: UnsafePointer<Double>, order: Int, rhs b: UnsafeMutablePointer<Double>) throws(LinearAlgebraError) {
        guard order > 0 else { return }
        var n = try blasInt(order), nrhs: Int32 = 1, lda = n, ldb = n, info: Int32 = 0
        OpenBLAS.singleThreaded { dpotrs_("U", &n, &nrhs, factor, &lda, b, &ldb, &info, 1) }
        if info < 0 { throw .illegalArgument(position: Int(-info)) }
    }
}
