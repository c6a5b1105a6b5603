/// A dense matrix of `Double` stored row-major: row `i` occupies `storage[i*columns ..< (i+1)*columns]`.
///
/// Row-major because dossiers arrive as rows (CSV, database, streams): rows can be appended without
/// knowing their number, and any block of consecutive rows is itself a contiguous matrix, which is
/// what the blocked, deterministic Gram computation needs. BLAS sees these bytes as the column-major
/// matrix Xᵀ with leading dimension `columns` (see BLAS.md §3), so no call ever copies.
public struct Matrix: Equatable, Sendable {
    public private(set) var rows: Int
    public let columns: Int
    public var storage: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// Wraps `storage`, which must hold exactly `rows * columns` values in row-major order.
    public init(rows: Int, columns: Int, storage: [Double]) {
        precondition(storage.count == rows * columns, "storage holds \(storage.count) values, expected \(rows * columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Builds a matrix from nested rows; convenient in tests.
    public init(_ nestedRows: [[Double]]) {
        let columns = nestedRows.first?.count ?? 0
        precondition(nestedRows.allSatisfy { $0.count == columns }, "rows of unequal length")
        self.init(rows: nestedRows.count, columns: columns, storage: nestedRows.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Appends one row; `values.count` must equal `columns`.
    public mutating func appendRow<C: Collection>(_ values: C) where C.Element == Double {
        precondition(values.count == columns, "row has \(values.count) values, expected \(columns)")
        storage.append(contentsOf: values)
        rows += 1
    }

    /// Removes all rows but keeps the allocated capacity, so a chunk buffer can be reused without allocating.
    public mutating func removeAllRows() {
        storage.removeAll(keepingCapacity: true)
        rows = 0
    }

    public func row(_ i: Int) -> ArraySlice<Double> {
        storage[(i * columns)..<((i + 1) * columns)]
    }

    public func column(_ j: Int) -> [Double] {
        (0..<rows).map { self[$0, j] }
    }

    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }
}
