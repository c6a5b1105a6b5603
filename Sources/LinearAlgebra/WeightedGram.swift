import CiblageSupport
/// XᵀWX for a row-major X and non-negative row weights w, computed deterministically in parallel.
///
/// Each segment of rows is cut into blocks of `blockRows`; a block is copied into a scratch buffer
/// with row i scaled by √wᵢ, and `dsyrk` accumulates (√W X_b)ᵀ(√W X_b) into the segment's partial
/// p×p upper triangle. The partials are then added in segment order (see `RowSegments`).
public func weightedGram(_ x: Matrix, weights: [Double]? = nil, threads: Int = Parallelism.defaultThreads,
                         blockRows: Int = 512) throws(LinearAlgebraError) -> Matrix {
    let n = x.rows, p = x.columns
    if let weights, weights.count != n { throw .shapeMismatch("\(weights.count) weights for \(n) rows") }
    _ = try blasInt(n); _ = try blasInt(p)
    let segments = RowSegments(rowCount: n)
    var partials = [Double](repeating: 0, count: segments.count * p * p)
    let pp = p * p
    x.storage.withUnsafeBufferPointer { xs in
        partials.withUnsafeMutableBufferPointer { parts in
            let xBase = UncheckedSendable(xs.baseAddress), out = UncheckedSendable(parts.baseAddress!)
            let w = weights
            segments.forEach(threads: threads) { _, s, rows in
                guard let xb = xBase.value, p > 0 else { return }
                let c = out.value + s * pp
                var scratch = [Double](repeating: 0, count: blockRows * p)
                scratch.withUnsafeMutableBufferPointer { sb in
                    var start = rows.lowerBound
                    while start < rows.upperBound {
                        let m = min(blockRows, rows.upperBound - start)
                        let src: UnsafePointer<Double>
                        if let w {
                            for i in 0..<m {
                                let r = w[start + i].squareRoot()
                                let from = xb + (start + i) * p, to = sb.baseAddress! + i * p
                                for j in 0..<p { to[j] = from[j] * r }
                            }
                            src = UnsafePointer(sb.baseAddress!)
                        } else {
                            src = xb + start * p
                        }
                        try! BLAS.gramUpper(src, rows: m, columns: p, into: c, beta: 1)
                        start += m
                    }
                }
            }
        }
    }
    var total = [Double](repeating: 0, count: pp)
    for s in 0..<segments.count {
        for k in 0..<pp { total[k] += partials[s * pp + k] }
    }
    symmetrizeFromUpper(&total, order: p)
    return Matrix(rows: p, columns: p, storage: total)
}
