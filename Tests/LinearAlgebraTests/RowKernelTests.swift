import CKernels
import Testing
@testable import LinearAlgebra

/// The AVX2 row kernels give the bits of the portable Swift loops (`RowKernels`), so a model or a
/// scores file does not depend on the machine's vector unit. The data span 2⁻³⁰ to 2³⁰ with both
/// signs, so that a fused multiply-add, a different lane order or a dropped column changes the bits
/// of some of the thousands of sums compared.
@Suite struct RowKernelTests {
    static let shapes: [(rows: Int, columns: Int)] = [
        (0, 5), (1, 1), (3, 2), (7, 3), (5, 4), (9, 7), (256, 8), (257, 9), (100, 15), (64, 16), (33, 31),
        (256, 41), (300, 32), (31, 33), (20, 47), (17, 64), (12, 70), (5, 130),
    ]

    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var g = SplitMix(state: seed)
        return (0..<count).map { _ in
            let magnitude = Double(sign: .plus, exponent: Int(g.next() % 61) - 30, significand: 1 + g.uniform())
            return g.next() & 1 == 0 ? magnitude : -magnitude
        }
    }

    @Test(.enabled(if: ck_avx2_available() != 0, "this CPU has no AVX2: only the portable loops run"))
    func theAVX2RowProductsAreThePortableOnesBitForBit() {
        for (k, shape) in Self.shapes.enumerated() {
            let x = Self.values(shape.rows * shape.columns, seed: UInt64(k)), v = Self.values(shape.columns, seed: 1000 + UInt64(k))
            var fast = [Double](repeating: .nan, count: shape.rows), portable = fast
            ck_row_products(x, shape.rows, shape.columns, v, &fast)
            RowKernels.portableRowProducts(x, rows: shape.rows, columns: shape.columns, with: v, into: &portable)
            #expect(fast.map(\.bitPattern) == portable.map(\.bitPattern), "\(shape.rows)×\(shape.columns)")
        }
    }

    @Test(.enabled(if: ck_avx2_available() != 0, "this CPU has no AVX2: only the portable loops run"))
    func theAVX2TransposedProductIsThePortableOneBitForBit() {
        for (k, shape) in Self.shapes.enumerated() {
            let x = Self.values(shape.rows * shape.columns, seed: 2000 + UInt64(k)), r = Self.values(shape.rows, seed: 3000 + UInt64(k))
            let start = Self.values(shape.columns, seed: 4000 + UInt64(k))  // the sums are added into g
            var fast = start, portable = start
            ck_accumulate_transposed(x, shape.rows, shape.columns, r, &fast)
            RowKernels.portableAccumulateTransposed(x, rows: shape.rows, columns: shape.columns, by: r, into: &portable)
            #expect(fast.map(\.bitPattern) == portable.map(\.bitPattern), "\(shape.rows)×\(shape.columns)")
        }
    }

    /// The portable loops against the definitions, summed in the order they promise: each column's
    /// sum row by row, and each row's product in 8-column groups then the tail.
    @Test func thePortableLoopsComputeTheProductsInTheirStatedOrder() {
        let n = 37, p = 29
        let x = Self.values(n * p, seed: 5), v = Self.values(p, seed: 6), r = Self.values(n, seed: 7)
        var g = [Double](repeating: 0, count: p)
        RowKernels.portableAccumulateTransposed(x, rows: n, columns: p, by: r, into: &g)
        for j in 0..<p {
            var s = 0.0
            for i in 0..<n { s += r[i] * x[i * p + j] }
            #expect(g[j].bitPattern == s.bitPattern, "column \(j)")
        }
        var eta = [Double](repeating: 0, count: n)
        RowKernels.portableRowProducts(x, rows: n, columns: p, with: v, into: &eta)
        for i in 0..<n {
            var lanes = [Double](repeating: 0, count: 8)
            for j in 0..<(p - p % 8) { lanes[j % 8] += x[i * p + j] * v[j] }
            var s = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
            for j in (p - p % 8)..<p { s += x[i * p + j] * v[j] }
            #expect(eta[i].bitPattern == s.bitPattern, "row \(i)")
        }
    }
}
