import CiblageSupport
import Dossiers

/// The file `ciblage score` writes: one line per record, in file order, `id,score` (then
/// `expected_amount,expected_value` for a two-part model, then `raison_k,contribution_k` per reason).
///
/// Why a type of its own: `score` is not the only pass that scores a whole population. `queue plan`
/// scores every dossier too, and the national run wants both the scores and the plan; writing the
/// scores from the plan's own pass (`queue plan --scores`) reads and scores the 3 GB once instead of
/// twice. Both go through this type, so the two files are the same bytes.
///
/// Use it on a `ScoredRecords` pass: `capture` in `record`, `format` in `scored` (both on the
/// workers, into a block's `Lines`), `write` in `merge` (in file order), `commit` at the end. Until
/// `commit`, the file is a temporary one; on any error it is not created.
public final class ScoresFile {
    /// The identifier column copied to the output; nil when lines are numbered instead.
    public let idColumn: String?
    let idIndex: Int?
    let model: ModelArtifact
    let reasons: Int
    let reasonCodes: ReasonCodes?
    let file: AtomicFile
    /// Lines numbered so far (without an identifier column, a line starts with its data row number).
    var rowNumber = 0
    var numbered = ByteBuffer()

    /// A block's lines, and the ids of the records of the chunk being scored.
    public struct Lines {
        var bytes: [UInt8] = []
        var lineEnds: [Int] = []
        var ids: [UInt8] = []
        var idEnds: [Int] = []
        public init() {}
    }

    /// Opens the temporary file and writes the header.
    /// - Parameters:
    ///   - idColumn: the column copied to each line; nil for the model spec's id column, else `id`
    ///     when the file has one, else the data row number.
    ///   - reasons: the number of reason codes per line (0: none).
    public init(records: ScoredRecords, output: String, idColumn: String? = nil, reasons: Int = 0) throws {
        model = records.model
        idIndex = try records.identifierIndex(idColumn)
        self.idColumn = idIndex.map { records.header[$0] }
        self.reasons = max(0, reasons)
        reasonCodes = reasons > 0 ? try ReasonCodes(model: model) : nil
        file = try AtomicFile(path: output)
        var header = idIndex.map { csvField(records.header[$0]) } ?? "row"
        header += ",score"
        if model.severity != nil { header += ",expected_amount,expected_value" }
        for k in 0..<self.reasons { header += ",raison_\(k + 1),contribution_\(k + 1)" }
        try file.write(header + "\n")
    }

    /// On a worker, while the reader stands on a record: its id as read (quoted again if needed);
    /// invalid UTF-8 is refused.
    public func capture(_ reader: CSVReader, _ lines: inout Lines) throws {
        guard let idIndex else { return }
        try reader.withField(idIndex) { bytes in
            guard bytes.allSatisfy({ $0 < 0x80 }) || String(validating: bytes, as: UTF8.self) != nil else {
                throw DataError.invalidUTF8(file: reader.file, line: reader.line, column: reader.columnName(idIndex))
            }
            appendCSVField(bytes, to: &lines.ids)
        }
        lines.idEnds.append(lines.ids.count)
    }

    /// On a worker, once per scored chunk: the chunk's lines (every record of the chunk was captured).
    /// - Parameter expectedAmounts: the severity part's expected amounts of the chunk's rows, when the
    ///   caller has them already (`queue plan` needs them too); computed here otherwise.
    public func format(_ x: UnsafePointer<Double>, _ scores: UnsafePointer<Double>, _ count: Int, _ out: inout Lines,
                       expectedAmounts: UnsafePointer<Double>? = nil) {
        let p = model.encoding.width
        var idStart = 0
        for i in 0..<count {
            if idIndex != nil { out.bytes.append(contentsOf: out.ids[idStart..<out.idEnds[i]]); idStart = out.idEnds[i] }
            out.bytes.append(UInt8(ascii: ","))
            out.bytes.appendDescription(of: scores[i])
            if let severity = model.severity {
                let amount = expectedAmounts?[i] ?? severity.expectedAmount(row: x + i * p)
                out.bytes.append(UInt8(ascii: ","))
                out.bytes.appendDescription(of: amount)
                out.bytes.append(UInt8(ascii: ","))
                out.bytes.appendDescription(of: scores[i] * amount)
            }
            if let reasonCodes {
                let top = reasonCodes.top(reasons, row: x + i * p)
                for k in 0..<reasons {
                    out.bytes.append(UInt8(ascii: ","))
                    if k < top.count {
                        out.bytes.append(contentsOf: csvField(top[k].label).utf8)
                        out.bytes.append(UInt8(ascii: ","))
                        out.bytes.appendDescription(of: top[k].contribution)
                    } else {
                        out.bytes.append(UInt8(ascii: ","))
                    }
                }
            }
            out.bytes.append(0x0A)
            out.lineEnds.append(out.bytes.count)
        }
        out.ids.removeAll(keepingCapacity: true)
        out.idEnds.removeAll(keepingCapacity: true)
    }

    /// On the merging thread, in file order: a block's lines.
    public func write(_ lines: Lines) throws {
        guard idIndex == nil else { try lines.bytes.withUnsafeBufferPointer { try file.write($0) }; return }
        // Without an id the line starts with its row number, known only here, in file order: the
        // block's lines are numbered into one buffer and written at once (this thread is the serial
        // part of scoring).
        numbered.bytes.removeAll(keepingCapacity: true)
        numbered.bytes.reserveCapacity(lines.bytes.count + 8 * lines.lineEnds.count)
        lines.bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            for end in lines.lineEnds {
                rowNumber += 1
                numbered.append(rowNumber)
                numbered.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
        }
        try numbered.bytes.withUnsafeBufferPointer { try file.write($0) }
    }

    /// Renames the temporary file to the output's name.
    public func commit() throws { try file.commit() }

    /// Removes the unfinished file (`AtomicFile.discard`): on an error, before it reaches the caller.
    public func discard() { file.discard() }
}
