import CiblageSupport
import Dispatch
import Dossiers
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

public struct ScoringOptions: Sendable {
    /// Identifier column copied to the output; nil: `id` if the file has one, else the data row number.
    public var idColumn: String?
    public var format: CSVFormat
    /// Rows encoded and scored per chunk; memory is O(chunkRows × terms) whatever the file size.
    public var chunkRows: Int
    /// Number of reason codes per dossier (0: none). Each adds `raison_k,contribution_k` columns.
    public var reasons: Int
    /// Workers parsing, scoring and formatting blocks (the output is the same for any number).
    public var threads: Int = Parallelism.defaultThreads
    /// Bytes of input per block handed to a worker.
    public var blockBytes: Int = 1 << 20
    /// Told the bytes read.
    public var progress: ProgressHandler?

    public init(idColumn: String? = nil, format: CSVFormat = CSVFormat(), chunkRows: Int = 8192, reasons: Int = 0) {
        self.idColumn = idColumn; self.format = format; self.chunkRows = max(1, chunkRows); self.reasons = max(0, reasons)
    }
}

public struct ScoringSummary: Equatable, Sendable {
    public var rows: Int
    public var idColumn: String?
}

/// Streaming scorer: CSV in, `id,score` CSV out, in bounded memory.
public enum Scorer {
    /// Scores `input` with `model` and writes `output` atomically. On any error the output is not created.
    ///
    /// Blocks of records are parsed, encoded, scored and formatted by `options.threads` workers
    /// (`CSVBlockReader`) and written in file order, so the file is the same bytes for any thread count.
    @discardableResult
    public static func score(model: ModelArtifact, input: String, output: String,
                             options: ScoringOptions = ScoringOptions()) throws -> ScoringSummary {
        let records = try ScoredRecords(model: model, path: input, format: options.format, blockBytes: options.blockBytes)
        records.progress = options.progress
        let file = try ScoresFile(records: records, output: output, idColumn: options.idColumn, reasons: options.reasons)
        defer { file.discard() }  // on an error; after `commit` it does nothing
        try records.forEachBlock(threads: options.threads, chunkRows: options.chunkRows, makePart: { ScoresFile.Lines() },
                                 record: file.capture, scored: { file.format($0, $1, $2, &$3) }, merge: file.write)
        try file.commit()
        return ScoringSummary(rows: records.recordCount, idColumn: file.idColumn)
    }

    /// The kernel on `threads` workers, each on a contiguous range of rows. Every row's score is
    /// computed by the same code whatever range it falls in, so the bytes do not depend on `threads`.
    public static func scoreRows(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int, coefficients beta: UnsafePointer<Double>,
                                 into out: UnsafeMutablePointer<Double>, threads: Int) {
        let workers = max(1, min(threads, n / 4096))
        guard workers > 1 else { scoreRows(x, rows: n, columns: p, coefficients: beta, into: out); return }
        let box = UncheckedSendable((x, beta, out))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = n * w / workers, hi = n * (w + 1) / workers
            scoreRows(box.value.0 + lo * p, rows: hi - lo, columns: p, coefficients: box.value.1, into: box.value.2 + lo)
        }
    }

    /// σ(xᵢᵀβ) for each row of a row-major block.
    ///
    /// The dot products are `rowProducts` (a fixed reduction order per row, so each row's score is
    /// the same bytes whatever the chunking or thread count); the logistic runs in a second pass
    /// (BLAS.md §4: faster when the block is cache-resident).
    public static func scoreRows(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int,
                                 coefficients beta: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        rowProducts(x, rows: n, columns: p, with: beta, into: out)
        for i in 0..<n { out[i] = 1 / (1 + exp(-out[i])) }
    }
}

import Foundation
