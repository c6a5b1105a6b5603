import CiblageSupport
import Dossiers

/// Several models on every record of one file, in one pass: routing by period (a model per part of
/// a dossier's window) and uplift (a model of the held out, a model per outreach channel).
///
/// The records are read in blocks by `ScoredRecords` with the first model; each record is also
/// encoded with every other model's frozen encoding, and all are scored by the same kernel.
/// `extra` reads, on the worker, what the caller needs of the record besides the scores; the
/// blocks come back to `merge` in file order, so what the caller writes is the same bytes for any
/// thread count.
public enum PairedScoring {
    public struct Block<Extra> {
        public var ids: [String] = []
        public var first: [Double] = []
        /// others[k][i]: the k-th other model's score of the block's i-th record.
        public var others: [[Double]]
        public var extras: [Extra] = []
        init(models: Int) { others = Array(repeating: [], count: models) }
    }

    /// - Returns: the identifier column's name.
    @discardableResult
    public static func forEachBlock<Extra>(first: ModelArtifact, others: [ModelArtifact], input: String, format: CSVFormat = CSVFormat(),
                                           threads: Int = Parallelism.defaultThreads,
                                           prepare: (_ header: [String], _ idColumn: String) throws -> Void = { _, _ in },
                                           extra: @escaping (CSVReader) throws -> Extra,
                                           merge: (Block<Extra>) throws -> Void) throws -> String {
        let records = try ScoredRecords(model: first, path: input, format: format)
        for model in others { try model.encoding.checkColumns(in: records.header, file: input) }
        guard let idIndex = try records.identifierIndex(nil) else { throw DataError.unknownColumn(file: input, name: "id", available: records.header) }
        try prepare(records.header, records.header[idIndex])
        try records.forEachBlock(threads: threads, makePart: { PairedPart<Extra>(models: others.count) },
            record: { reader, part in
                if part.encoders.isEmpty { part.encoders = try others.map { try DesignRowEncoder(encoding: $0.encoding, reader: reader) } }
                for k in others.indices {
                    let start = part.rows[k].count
                    part.rows[k].append(contentsOf: repeatElement(0, count: others[k].encoding.width))
                    try part.rows[k].withUnsafeMutableBufferPointer { try part.encoders[k].encodeCurrentRecord(into: $0.baseAddress! + start) }
                }
                part.block.ids.append(try reader.string(idIndex))
                part.pending.append(try extra(reader))
            },
            scored: { _, p1, count, part in
                for (k, model) in others.enumerated() {
                    var p = [Double](repeating: 0, count: count)
                    part.rows[k].withUnsafeBufferPointer { x in
                        model.estimates.withUnsafeBufferPointer { b in
                            p.withUnsafeMutableBufferPointer {
                                Scorer.scoreRows(x.baseAddress!, rows: count, columns: model.encoding.width, coefficients: b.baseAddress!, into: $0.baseAddress!)
                            }
                        }
                    }
                    part.block.others[k] += p
                    part.rows[k].removeAll(keepingCapacity: true)
                }
                part.block.first.append(contentsOf: UnsafeBufferPointer(start: p1, count: count))
                part.block.extras += part.pending
                part.pending.removeAll(keepingCapacity: true)
            },
            merge: { part in try merge(part.block) })
        return records.header[idIndex]
    }
}

/// A block's results, and the other models' design rows of the chunk being scored.
private final class PairedPart<Extra> {
    var block: PairedScoring.Block<Extra>
    var encoders: [DesignRowEncoder] = []
    var rows: [[Double]]
    var pending: [Extra] = []
    init(models: Int) { block = .init(models: models); rows = Array(repeating: [], count: models) }
}
