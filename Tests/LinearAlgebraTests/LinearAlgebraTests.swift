import CiblageSupport
import Foundation
import Testing
@testable import LinearAlgebra

/// Deterministic pseudo-random numbers for test data (SplitMix64).
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

func randomMatrix(rows: Int, columns: Int, seed: UInt64) -> Matrix {
    var g = SplitMix(state: seed)
    return Matrix(rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in g.uniform() * 2 - 1 })
}

func naiveWeightedGram(_ x: Matrix, _ w: [Double]?) -> Matrix {
    var g = Matrix(rows: x.columns, columns: x.columns)
    for i in 0..<x.rows {
        let wi = w?[i] ?? 1
        for a in 0..<x.columns { for b in 0..<x.columns { g[a, b] += wi * x[i, a] * x[i, b] } }
    }
    return g
}

func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}

@Suite struct GramTests {
    @Test func weightedGramMatchesNaiveSum() throws {
        let x = randomMatrix(rows: 3001, columns: 7, seed: 1)
        var g = SplitMix(state: 9)
        let w = (0..<3001).map { _ in g.uniform() * 3 }
        let fast = try weightedGram(x, weights: w, threads: 2)
        let slow = naiveWeightedGram(x, w)
        #expect(maxRelativeError(fast.storage, slow.storage) < 1e-12)
        #expect(fast == fast.transposed, "the Gram matrix is returned symmetric")
        let unweighted = try weightedGram(x, threads: 1)
        #expect(maxRelativeError(unweighted.storage, naiveWeightedGram(x, nil).storage) < 1e-12)
    }

    @Test func gramIsBitwiseIdenticalForOneAndTwoThreads() throws {
        // Enough rows for many segments, so the two runs really split the work differently.
        let x = randomMatrix(rows: 200_003, columns: 13, seed: 2)
        var g = SplitMix(state: 3)
        let w = (0..<x.rows).map { _ in g.uniform() }
        #expect(RowSegments(rowCount: x.rows).count > 2)
        let one = try weightedGram(x, weights: w, threads: 1)
        let two = try weightedGram(x, weights: w, threads: 2)
        let eight = try weightedGram(x, weights: w, threads: 8)
        #expect(one.storage.map(\.bitPattern) == two.storage.map(\.bitPattern))
        #expect(one.storage.map(\.bitPattern) == eight.storage.map(\.bitPattern))
    }

    @Test func emptyAndMismatchedInputs() throws {
        let x = Matrix(rows: 0, columns: 3)
        #expect(try weightedGram(x).storage == [Double](repeating: 0, count: 9))
        #expect(throws: LinearAlgebraError.shapeMismatch("2 weights for 0 rows")) { try weightedGram(x, weights: [1, 2]) }
    }

    @Test func segmentsCoverEveryRowOnce() {
        for n in [0, 1, 8191, 8192, 100_000, 2_000_001] {
            let s = RowSegments(rowCount: n)
            var covered = 0
            var next = 0
            for k in 0..<s.count { let r = s.range(k); #expect(r.lowerBound == next); next = r.upperBound; covered += r.count }
            #expect(covered == n)
        }
    }
}

@Suite struct BLASWrapperTests {
    @Test func matrixVectorProductsMatchLoops() throws {
        let a = randomMatrix(rows: 50, columns: 9, seed: 4)
        let v = (0..<9).map { Double($0) - 4 }
        let av = try BLAS.multiply(a, v)
        for i in 0..<50 {
            let expected = (0..<9).reduce(0.0) { $0 + a[i, $1] * v[$1] }
            #expect(abs(av[i] - expected) < 1e-12)
        }
        let b = randomMatrix(rows: 9, columns: 4, seed: 5)
        let ab = try BLAS.multiply(a, b)
        #expect(abs(ab[3, 2] - (0..<9).reduce(0.0) { $0 + a[3, $1] * b[$1, 2] }) < 1e-12)
        let refusal20 = #expect(throws: LinearAlgebraError.self) { try BLAS.multiply(a, a) }
        #expect(refusal20?.description == "shape mismatch: 50×9 times 50×9")
    }

    @Test func dimensionsBeyondInt32AreRefused() {
        #expect(throws: LinearAlgebraError.dimensionTooLarge(Int(Int32.max) + 1)) { try blasInt(Int(Int32.max) + 1) }
        #expect(throws: LinearAlgebraError.dimensionTooLarge(-1)) { try blasInt(-1) }
        #expect((try? blasInt(5)) == 5)
    }

    @Test func aCoreWithoutAVX2IsReplacedOnlyWhenTheCPUHasBetter() {
        let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]
        let avx512 = avx2.union(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])
        #expect(OpenBLAS.betterCore(than: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(OpenBLAS.betterCore(than: "Prescott", cpuFlags: avx2) == "Haswell")
        #expect(OpenBLAS.betterCore(than: "Sandybridge", cpuFlags: avx2.union(["avx512f"])) == "Haswell")
        #expect(OpenBLAS.betterCore(than: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(OpenBLAS.betterCore(than: "Zen", cpuFlags: avx512) == nil)
        #expect(OpenBLAS.betterCore(than: "Haswell", cpuFlags: avx512) == nil)
        // Whatever this machine is, the choice made is the one in use, and never a core without AVX2
        // on a CPU with it.
        let choice = OpenBLAS.kernelChoice
        #expect(choice.inUse == OpenBLAS.coreName)
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(OpenBLAS.betterCore(than: choice.inUse, cpuFlags: OpenBLAS.cpuFlags()) == nil)
        }
    }

    @Test func threadCountIsControllable() {
        let before = OpenBLAS.threadCount
        OpenBLAS.threadCount = 1
        #expect(OpenBLAS.threadCount == 1)
        OpenBLAS.singleThreaded { #expect(OpenBLAS.threadCount == 1) }
        // A count set inside a section, or after a nested one ends, waits for the last section to
        // end. (When it then applies is not asserted: other suites run sections in parallel.)
        OpenBLAS.singleThreaded {
            OpenBLAS.threadCount = 2
            #expect(OpenBLAS.threadCount == 1)
            OpenBLAS.singleThreaded { #expect(OpenBLAS.threadCount == 1) }
            #expect(OpenBLAS.threadCount == 1)
        }
        OpenBLAS.threadCount = before
        #expect(OpenBLAS.configuration.contains("OpenBLAS"))
    }
}

@Suite struct CholeskyTests {
    @Test func solveAndInverse() throws {
        let x = randomMatrix(rows: 40, columns: 6, seed: 6)
        let a = naiveWeightedGram(x, nil)
        let chol = try Cholesky(a)
        let b = [1.0, -2, 3, 0.5, 0, 7]
        let sol = try chol.solve(b)
        let back = try BLAS.multiply(a, sol)
        #expect(maxRelativeError(back, b) < 1e-10)
        let inv = try chol.inverse()
        let identity = try BLAS.multiply(a, inv)
        #expect(maxRelativeError(identity.storage, Matrix.identity(6).storage) < 1e-10)
        #expect(inv == inv.transposed)
    }

    @Test func indefiniteMatrixNamesTheFailingMinor() {
        let a = Matrix([[4, 2, 0], [2, 1, 0], [0, 0, 3]])  // rank-deficient leading 2×2 block
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) { try Cholesky(a) }
        #expect(throws: LinearAlgebraError.shapeMismatch("Cholesky of a 2×3 matrix")) { try Cholesky(Matrix(rows: 2, columns: 3)) }
    }
}

@Suite struct ColumnDependenceTests {
    @Test func namesTheDependentColumnAndItsCombination() {
        var x = randomMatrix(rows: 100, columns: 4, seed: 7)
        for i in 0..<100 { x[i, 0] = 1; x[i, 3] = 2 * x[i, 1] - 0.5 * x[i, 2] + 3 }
        let d = ColumnDependence(gram: naiveWeightedGram(x, nil))
        #expect(d.independent == [0, 1, 2])
        #expect(d.dependencies.count == 1)
        let dep = d.dependencies[0]
        #expect(dep.column == 3)
        let coefficients = Dictionary(uniqueKeysWithValues: dep.combination.map { ($0.column, $0.coefficient) })
        #expect(abs(coefficients[0]! - 3) < 1e-8)
        #expect(abs(coefficients[1]! - 2) < 1e-8)
        #expect(abs(coefficients[2]! + 0.5) < 1e-8)
    }

    @Test func independentColumnsPass() {
        let x = randomMatrix(rows: 100, columns: 5, seed: 8)
        let d = ColumnDependence(gram: naiveWeightedGram(x, nil))
        #expect(d.dependencies.isEmpty && d.zeroColumns.isEmpty && d.independent == [0, 1, 2, 3, 4])
    }
}
