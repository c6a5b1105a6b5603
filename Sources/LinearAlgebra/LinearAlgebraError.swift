/// Failures reported by BLAS/LAPACK wrappers, decoded from LAPACK's `info` or from dimension checks.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// LAPACK rejected argument number `position` (a programming error in the caller).
    case illegalArgument(position: Int)
    /// The leading minor of this order (1-based) is not positive definite: the matrix is singular or indefinite.
    case notPositiveDefinite(minor: Int)
    /// The Cholesky factor has a zero on its diagonal at this (1-based) position.
    case singular(position: Int)
    /// A dimension or stride does not fit in the 32-bit integers of Debian's OpenBLAS.
    case dimensionTooLarge(Int)
    /// Shapes of the operands do not agree.
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .illegalArgument(let p): "LAPACK rejected argument \(p)"
        case .notPositiveDefinite(let m): "matrix is not positive definite (leading minor of order \(m))"
        case .singular(let p): "matrix is singular (zero pivot at position \(p))"
        case .dimensionTooLarge(let d): "dimension \(d) exceeds the 32-bit BLAS integer range (2147483647)"
        case .shapeMismatch(let s): "shape mismatch: \(s)"
        }
    }
}

/// Converts a dimension to BLAS's `Int32`, refusing values that do not fit instead of truncating them.
@inline(__always)
public func blasInt(_ value: Int) throws(LinearAlgebraError) -> Int32 {
    guard value >= 0, value <= Int(Int32.max) else { throw .dimensionTooLarge(value) }
    return Int32(value)
}
