/// Finds columns that are (numerically) linear combinations of earlier columns, from their Gram matrix.
///
/// Method: an incremental Cholesky factorisation of the Gram matrix scaled to unit diagonal,
/// taking the columns in their given order. For column j, with A the columns already accepted and
/// LLᵀ = G_AA, solve L z = G_Aj; the squared residual norm of column j after projection on A is
/// r = G_jj − zᵀz (here relative, since G_jj = 1). If r ≤ tolerance, column j lies in the span of
/// A and its coefficients are c = G_AA⁻¹ G_Aj = L⁻ᵀ z (rescaled back to the original units); otherwise
/// j joins A with the new row [zᵀ, √r] of L. Cost O(p³/3) on a p×p matrix: negligible next to XᵀX.
///
/// Taking columns in order makes the report read naturally: "x3 = 1·x1 + 1·x2" names the later column.
public struct ColumnDependence: Sendable {
    public struct Dependency: Sendable, Equatable {
        /// The dependent column.
        public let column: Int
        /// Pairs (earlier independent column, coefficient) with |coefficient| above a display threshold.
        public let combination: [(column: Int, coefficient: Double)]
        public static func == (a: Dependency, b: Dependency) -> Bool {
            a.column == b.column && a.combination.elementsEqual(b.combination) { $0.column == $1.column && $0.coefficient == $1.coefficient }
        }
    }

    /// Columns with a zero diagonal entry in the Gram matrix (all-zero columns).
    public let zeroColumns: [Int]
    public let independent: [Int]
    public let dependencies: [Dependency]

    public init(gram: Matrix, tolerance: Double = 1e-10) {
        let p = gram.rows
        precondition(gram.columns == p)
        var scale = [Double](repeating: 0, count: p)
        var zero: [Int] = []
        for j in 0..<p {
            let d = gram[j, j]
            if d > 0 { scale[j] = 1 / d.squareRoot() } else { zero.append(j) }
        }
        var accepted: [Int] = []
        var lower: [[Double]] = []  // rows of L, row k has k+1 entries
        var deps: [Dependency] = []
        for j in 0..<p where scale[j] > 0 {
            let k = accepted.count
            var z = [Double](repeating: 0, count: k)
            for a in 0..<k {
                var s = gram[accepted[a], j] * scale[accepted[a]] * scale[j]
                for b in 0..<a { s -= lower[a][b] * z[b] }
                z[a] = s / lower[a][a]
            }
            var r = 1.0
            for a in 0..<k { r -= z[a] * z[a] }
            if r > tolerance {
                lower.append(z + [r.squareRoot()])
                accepted.append(j)
            } else {
                // c = L⁻ᵀ z in scaled units, then back to original units: x_j ≈ Σ c_a (s_a/s_j) x_a.
                var c = [Double](repeating: 0, count: k)
                for a in stride(from: k - 1, through: 0, by: -1) {
                    var s = z[a]
                    for b in (a + 1)..<max(a + 1, k) { s -= lower[b][a] * c[b] }
                    c[a] = s / lower[a][a]
                }
                let terms = (0..<k).compactMap { a -> (column: Int, coefficient: Double)? in
                    let coefficient = c[a] * scale[accepted[a]] / scale[j]
                    return abs(c[a]) > 1e-8 ? (accepted[a], coefficient) : nil
                }
                deps.append(Dependency(column: j, combination: terms))
            }
        }
        zeroColumns = zero
        independent = accepted
        dependencies = deps
    }
}
