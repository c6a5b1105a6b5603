#if canImport(Glibc)
import Glibc
#endif

/// Rebuilds design-matrix rows from CSV records with an encoding frozen at training time, so that
/// scoring sees exactly the columns the model was fitted on.
public final class DesignRowEncoder {
    public let encoding: DesignEncoding
    public let width: Int
    private let reader: CSVReader
    private enum Slot {
        case value(column: Int, type: ColumnType, missing: MissingPolicy?)
        case categorical(column: Int, levels: [String: Int], width: Int, known: [String], missing: MissingPolicy?)
        case binned(column: Int, type: ColumnType, missing: MissingPolicy?, cuts: [Double], terms: [Int], width: Int)
    }
    private let slots: [Slot]
    /// The hot path as a flat program of trivial values (no enum payloads or references to copy per
    /// field): plain numbers, and categorical fields matched on their bytes against the levels, so
    /// that a field spelled exactly like a level needs no String. Anything else runs the slot's
    /// general code (missing-value policies, dates, booleans, bins, spaces, unseen levels).
    private struct Op {
        var kind: UInt8  // 0: plain number, 1: categorical by bytes, 2: general slot, 3: plain boolean
        var column: Int
        var offset: Int
        var width: Int
        var slot: Int
        var levels: Range<Int>  // into the level tables below (kind 1)
    }
    private let ops: [Op]
    private let levelBytes: [UInt8]
    private let levelRanges: [Range<Int>]
    private let levelTerms: [Int]
    /// The fast path: when every feature is a plain number with no missing-value policy, the columns
    /// to read in design order (avoids copying enum payloads per field on the hot path).
    private let plainNumericColumns: [Int]?
    /// The plain numbers and booleans of the program (kinds 0 and 3), for `next(into:)`: field →
    /// design-row offset.
    private let numberColumns: NumberColumns

    /// Maps every feature of `encoding` to a column of `reader`'s header; a missing column is an error.
    public init(encoding: DesignEncoding, reader: CSVReader) throws(DataError) {
        self.encoding = encoding
        self.reader = reader
        width = encoding.width
        var slots: [Slot] = []
        for feature in encoding.features {
            guard let column = reader.header.firstIndex(of: feature.name) else {
                throw .missingColumn(file: reader.file, name: feature.name)
            }
            let levels = feature.levels ?? []
            let terms = levels.filter { $0 != feature.reference }
            switch feature.kind {
            case .numeric: slots.append(.value(column: column, type: feature.valueType ?? .numeric, missing: feature.missing))
            case .boolean: slots.append(.value(column: column, type: .boolean, missing: feature.missing))
            case .categorical:
                if let cuts = feature.cuts {
                    // −1: the reference bin; −2: a bin with no training rows (an unseen level).
                    let binTerms = FeatureEncoding.binLabels(cuts: cuts).map { levels.contains($0) ? (terms.firstIndex(of: $0) ?? -1) : -2 }
                    slots.append(.binned(column: column, type: feature.valueType ?? .numeric, missing: feature.missing,
                                         cuts: cuts, terms: binTerms, width: terms.count))
                } else {
                    var map: [String: Int] = [:]
                    for level in levels { map[level] = terms.firstIndex(of: level) ?? -1 }
                    slots.append(.categorical(column: column, levels: map, width: terms.count, known: levels, missing: feature.missing))
                }
            }
        }
        self.slots = slots
        var ops: [Op] = [], bytes: [UInt8] = [], ranges: [Range<Int>] = [], terms: [Int] = []
        var offset = 1
        for (k, slot) in slots.enumerated() {
            switch slot {
            case .value(let column, .numeric, nil):
                ops.append(Op(kind: 0, column: column, offset: offset, width: 1, slot: k, levels: 0..<0)); offset += 1
            case .value(let column, .boolean, nil):
                ops.append(Op(kind: 3, column: column, offset: offset, width: 1, slot: k, levels: 0..<0)); offset += 1
            case .value:
                ops.append(Op(kind: 2, column: 0, offset: offset, width: 1, slot: k, levels: 0..<0)); offset += 1
            case .binned(_, _, _, _, _, let width):
                ops.append(Op(kind: 2, column: 0, offset: offset, width: width, slot: k, levels: 0..<0)); offset += width
            case .categorical(let column, let levels, let width, _, _):
                let first = ranges.count
                for (level, term) in levels.sorted(by: { $0.key < $1.key }) where !level.isEmpty {
                    ranges.append(bytes.count..<(bytes.count + level.utf8.count))
                    bytes.append(contentsOf: level.utf8)
                    terms.append(term)
                }
                ops.append(Op(kind: 1, column: column, offset: offset, width: width, slot: k, levels: first..<ranges.count)); offset += width
            }
        }
        self.ops = ops; levelBytes = bytes; levelRanges = ranges; levelTerms = terms
        let plain = slots.compactMap { slot -> Int? in
            if case .value(let column, .numeric, nil) = slot { return column }
            return nil
        }
        plainNumericColumns = plain.count == slots.count ? plain : nil
        var destinations: [Int: Int] = [:]
        for op in ops where op.kind == 0 || op.kind == 3 { destinations[op.column] = op.offset }
        numberColumns = NumberColumns(fieldCount: reader.header.count, destinations: destinations)
    }

    /// Advances the reader to its next record, converting the plain numeric features straight into
    /// `row` as the record is tokenised (`CSVReader.next(numbers:into:)`). The row is complete only
    /// after `completeRecord(into:)`; between the two the caller may read the record's other columns
    /// and skip it. Returns false at the end of the input.
    @inline(__always)
    public func next(into row: UnsafeMutablePointer<Double>) throws(DataError) -> Bool {
        try reader.next(numbers: numberColumns, into: row)
    }

    /// Completes the row that `next(into:)` began: the intercept, the numbers the fast conversion
    /// left undecided (NaN: decoded by the general code, which applies its policies and errors), and
    /// every other feature.
    @inline(__always)
    public func completeRecord(into row: UnsafeMutablePointer<Double>) throws(DataError) {
        row[0] = 1
        try ops.withUnsafeBufferPointer { (program) throws(DataError) in
            for op in program {
                if op.kind == 0 {
                    if row[op.offset].isNaN { row[op.offset] = try reader.number(op.column) }
                } else if op.kind == 3 {
                    if !reader.isPlainBoolean(op.column, converted: row[op.offset]) { row[op.offset] = try reader.boolean(op.column) }
                } else {
                    try encode(op, into: row)
                }
            }
        }
    }

    /// Writes the current record's design row (`width` values, intercept first) at `row`.
    @inline(__always)
    public func encodeCurrentRecord(into row: UnsafeMutablePointer<Double>) throws(DataError) {
        row[0] = 1
        if let plain = plainNumericColumns {
            for k in 0..<plain.count { row[k + 1] = try reader.number(plain[k]) }
            return
        }
        try ops.withUnsafeBufferPointer { (program) throws(DataError) in
            for op in program { try encode(op, into: row) }
        }
    }

    /// One step of the program on the current record.
    @inline(__always)
    private func encode(_ op: Op, into row: UnsafeMutablePointer<Double>) throws(DataError) {
        switch op.kind {
        case 0:
            row[op.offset] = try reader.number(op.column)
        case 3:
            row[op.offset] = try reader.boolean(op.column)
        case 1:
            (row + op.offset).update(repeating: 0, count: op.width)
            let (start, count) = reader.field(op.column)
            var term: Int? = nil
            for l in op.levels where levelRanges[l].count == count {
                if count > 0, levelBytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + levelRanges[l].lowerBound, start, count) == 0 }) {
                    term = levelTerms[l]; break
                }
            }
            if let term {
                if term >= 0 { row[op.offset + term] = 1 }
            } else {
                try general(slots[op.slot], at: op.offset, row: row)
            }
        default:
            try general(slots[op.slot], at: op.offset, row: row)
        }
    }

    /// The general code of one slot: every policy and error.
    private func general(_ slot: Slot, at offset: Int, row: UnsafeMutablePointer<Double>) throws(DataError) {
        switch slot {
        case .value(let column, let type, let missing):
            row[offset] = try reader.value(column, type: type, missing: missing)
        case .binned(let column, let type, let missing, let cuts, let terms, let width):
            let v = try reader.value(column, type: type, missing: missing)
            (row + offset).update(repeating: 0, count: width)
            let bin = FeatureEncoding.bin(v, cuts: cuts)
            let t = terms[bin]
            if t == -2 {
                throw .unseenLevel(file: reader.file, line: reader.line, column: reader.columnName(column),
                                   level: FeatureEncoding.binLabels(cuts: cuts)[bin], known: encoding.features.first { $0.cuts == cuts }?.levels ?? [])
            }
            if t >= 0 { row[offset + t] = 1 }
        case .categorical(let column, let levels, let width, let known, let missing):
            let level = try reader.level(column, missing: missing)
            guard let t = levels[level] else {
                throw .unseenLevel(file: reader.file, line: reader.line, column: reader.columnName(column), level: level, known: known)
            }
            (row + offset).update(repeating: 0, count: width)
            if t >= 0 { row[offset + t] = 1 }
        }
    }
}

