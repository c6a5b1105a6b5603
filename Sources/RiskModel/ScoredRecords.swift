import CiblageSupport
import Dossiers
import LinearAlgebra

/// The one scoring loop: a file's records encoded with a model's frozen encoding and scored, for
/// every command that scores a file (`score`, `evaluate`, `explain`, `monitor`, `audit` with its
/// archetypes, `queue plan`).
///
/// The file is read in blocks of whole records by `CSVBlockReader`; each block is handled on a
/// worker, and the blocks' parts are merged in file order, so the result and the first error
/// reported are the same for any thread count. Within a block, records are encoded into a chunk of
/// design rows and scored together by `Scorer.scoreRows` (one kernel, so the same bytes as every
/// other path). The caller sees each record twice:
/// - `record`, while the reader stands on it, to read its own columns (an id, an outcome, an attribute);
/// - `scored`, once per chunk, with the chunk's design rows and probabilities, in record order.
public struct ScoredRecords {
    public let path: String
    public let model: ModelArtifact
    let reader: CSVBlockReader
    public var header: [String] { reader.header }
    /// Told the bytes read as blocks are parsed.
    public var progress: ProgressHandler? {
        get { reader.progress }
        nonmutating set { reader.progress = newValue }
    }
    /// Records read so far (after `forEachBlock`, the file's).
    public var recordCount: Int { reader.recordCount }

    /// Design rows scored together (memory per worker: `chunkRows` × terms doubles).
    public static let chunkRows = 8192

    public init(model: ModelArtifact, path: String, format: CSVFormat = CSVFormat(), blockBytes: Int = 1 << 20) throws {
        self.path = path
        self.model = model
        reader = try CSVBlockReader(path: path, format: format, blockSize: blockBytes)
        try model.encoding.checkColumns(in: reader.header, file: path)
    }

    /// The identifier column of the file: `named` if given, else the model spec's id column, else `id`.
    /// Every command that names dossiers resolves it here.
    public func identifierColumn(_ named: String? = nil) -> String { named ?? model.spec?.columns(.id).first?.name ?? "id" }

    /// The identifier column's index: the column named, or the spec's id column, must be in the file;
    /// the default `id` may be absent (nil: the caller numbers the rows).
    public func identifierIndex(_ named: String? = nil) throws(DataError) -> Int? {
        if let name = named ?? model.spec?.columns(.id).first?.name { return try column(name) }
        return header.firstIndex(of: "id")
    }

    /// The index of a column, or an error naming the file and the columns it has.
    public func column(_ name: String) throws(DataError) -> Int {
        guard let i = reader.header.firstIndex(of: name) else { throw .unknownColumn(file: path, name: name, available: reader.header) }
        return i
    }

    /// Visits every record (see the type's description) and merges the blocks' parts in file order.
    /// - Parameters:
    ///   - include: records for which it returns false are skipped before they are encoded.
    ///   - makePart: a block's empty part.
    /// - Complexity: one pass over the file; O(`chunkRows` × terms) memory per worker besides the parts.
    public func forEachBlock<Part>(threads: Int = Parallelism.defaultThreads, chunkRows: Int = ScoredRecords.chunkRows,
                                   include: ((CSVReader) throws -> Bool)? = nil,
                                   makePart: @escaping () -> Part,
                                   record: @escaping (CSVReader, inout Part) throws -> Void,
                                   scored: @escaping (_ design: UnsafePointer<Double>, _ probabilities: UnsafePointer<Double>, _ count: Int, inout Part) throws -> Void,
                                   merge: (Part) throws -> Void) throws {
        let model = self.model
        try reader.forEachBlock(threads: threads, parse: { block -> Part in
            var part = makePart()
            try Scorer.scoreRecords(of: block, model: model, chunkRows: chunkRows, include: include, into: &part, record: record, scored: scored)
            return part
        }, merge: merge)
    }
}

extension Scorer {
    /// The loop of `ScoredRecords` over one reader (a block of a file, or records held in memory).
    public static func scoreRecords<Part>(of reader: CSVReader, model: ModelArtifact, chunkRows: Int = ScoredRecords.chunkRows,
                                          include: ((CSVReader) throws -> Bool)? = nil,
                                          into part: inout Part,
                                          record: (CSVReader, inout Part) throws -> Void,
                                          scored: (UnsafePointer<Double>, UnsafePointer<Double>, Int, inout Part) throws -> Void) throws {
        let encoder = try DesignRowEncoder(encoding: model.encoding, reader: reader)
        let p = encoder.width, chunk = max(1, chunkRows)
        let x = UnsafeMutablePointer<Double>.allocate(capacity: chunk * p)
        let probabilities = UnsafeMutablePointer<Double>.allocate(capacity: chunk)
        defer { x.deallocate(); probabilities.deallocate() }
        let beta = model.estimates
        var filled = 0
        func flush() throws {
            beta.withUnsafeBufferPointer { b in scoreRows(x, rows: filled, columns: p, coefficients: b.baseAddress!, into: probabilities) }
            try scored(x, probabilities, filled, &part)
            filled = 0
        }
        while try encoder.next(into: x + filled * p) {
            if let include, try !include(reader) { continue }
            try encoder.completeRecord(into: x + filled * p)
            try record(reader, &part)
            filled += 1
            if filled == chunk { try flush() }
        }
        if filled > 0 { try flush() }
    }
}
