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
    @discardableResult
    public static func score(model: ModelArtifact, input: String, output: String,
                             options: ScoringOptions = ScoringOptions()) throws -> ScoringSummary {
        let reader = try CSVReader(path: input, format: options.format)
        let encoder = try DesignRowEncoder(encoding: model.encoding, reader: reader)
        var idIndex: Int? = nil
        if let id = options.idColumn {
            guard let i = reader.header.firstIndex(of: id) else {
                throw DataError.unknownColumn(file: input, name: id, available: reader.header)
            }
            idIndex = i
        } else {
            idIndex = reader.header.firstIndex(of: "id")
        }
        let p = encoder.width
        let beta = model.estimates
        let chunk = options.chunkRows
        let x = UnsafeMutablePointer<Double>.allocate(capacity: chunk * p)
        let scores = UnsafeMutablePointer<Double>.allocate(capacity: chunk)
        defer { x.deallocate(); scores.deallocate() }
        var ids: [UInt8] = []
        var idEnds: [Int] = []
        var line: [UInt8] = []
        let out = try AtomicFile(path: output)
        try out.write(idIndex.map { csvField(reader.header[$0]) } ?? "row")
        try out.write(",score")
        let severity = model.severity
        if severity != nil { try out.write(",expected_amount,expected_value") }
        let reasonCodes = options.reasons > 0 ? try ReasonCodes(model: model) : nil
        for k in 0..<options.reasons { try out.write(",raison_\(k + 1),contribution_\(k + 1)") }
        try out.write("\n")
        var rowNumber = 0
        var filled = 0
        func flush() throws {
            beta.withUnsafeBufferPointer { b in
                scoreRows(x, rows: filled, columns: p, coefficients: b.baseAddress!, into: scores)
            }
            for i in 0..<filled {
                line.removeAll(keepingCapacity: true)
                if idIndex != nil {
                    let start = i == 0 ? 0 : idEnds[i - 1]
                    line.append(contentsOf: ids[start..<idEnds[i]])
                } else {
                    line.append(contentsOf: String(rowNumber - filled + i + 1).utf8)
                }
                line.append(UInt8(ascii: ","))
                line.append(contentsOf: scores[i].description.utf8)
                if let severity {
                    let amount = severity.expectedAmount(row: x + i * p)
                    line.append(UInt8(ascii: ","))
                    line.append(contentsOf: amount.description.utf8)
                    line.append(UInt8(ascii: ","))
                    line.append(contentsOf: (scores[i] * amount).description.utf8)
                }
                if let reasonCodes {
                    let reasons = reasonCodes.top(options.reasons, row: x + i * p)
                    for k in 0..<options.reasons {
                        line.append(UInt8(ascii: ","))
                        if k < reasons.count {
                            line.append(contentsOf: csvField(reasons[k].label).utf8)
                            line.append(UInt8(ascii: ","))
                            line.append(contentsOf: reasons[k].contribution.description.utf8)
                        } else {
                            line.append(UInt8(ascii: ","))
                        }
                    }
                }
                line.append(0x0A)
                try line.withUnsafeBufferPointer { try out.write($0) }
            }
            filled = 0
            ids.removeAll(keepingCapacity: true); idEnds.removeAll(keepingCapacity: true)
        }
        while try reader.next() {
            try encoder.encodeCurrentRecord(into: x + filled * p)
            if let idIndex {
                let text = try reader.string(idIndex)
                ids.append(contentsOf: csvField(text).utf8)
                idEnds.append(ids.count)
            }
            filled += 1; rowNumber += 1
            if filled == chunk { try flush() }
        }
        if filled > 0 { try flush() }
        try out.commit()
        return ScoringSummary(rows: rowNumber, idColumn: idIndex.map { reader.header[$0] })
    }

    /// σ(xᵀβ) for one design row (same kernel, so the same bytes as the streaming scorer).
    public static func probability(row: [Double], coefficients beta: [Double]) -> Double {
        var out = 0.0
        row.withUnsafeBufferPointer { r in
            beta.withUnsafeBufferPointer { b in scoreRows(r.baseAddress!, rows: 1, columns: row.count, coefficients: b.baseAddress!, into: &out) }
        }
        return out
    }

    /// σ(xᵢᵀβ) for each row of a row-major block.
    ///
    /// The dot product uses two SIMD4 accumulators over the columns and a fixed reduction order, so
    /// each row's score is the same bytes whatever the chunking or thread count; the logistic runs
    /// in a second pass (BLAS.md §4: faster when the block is cache-resident).
    public static func scoreRows(_ x: UnsafePointer<Double>, rows n: Int, columns p: Int,
                                 coefficients beta: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let b = UnsafeRawPointer(beta)
        for i in 0..<n {
            let row = UnsafeRawPointer(x + i * p)
            var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
            var j = 0
            while j + 8 <= p {
                acc0 += row.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self) * b.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
                acc1 += row.loadUnaligned(fromByteOffset: (j + 4) * 8, as: SIMD4<Double>.self) * b.loadUnaligned(fromByteOffset: (j + 4) * 8, as: SIMD4<Double>.self)
                j += 8
            }
            let v = acc0 + acc1
            var s = (v[0] + v[1]) + (v[2] + v[3])
            while j < p { s += x[i * p + j] * beta[j]; j += 1 }
            out[i] = s
        }
        for i in 0..<n { out[i] = 1 / (1 + exp(-out[i])) }
    }
}

import Foundation
