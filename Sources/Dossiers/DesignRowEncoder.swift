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
    /// The fast path: when every feature is a plain number with no missing-value policy, the columns
    /// to read in design order (avoids copying enum payloads per field on the hot path).
    private let plainNumericColumns: [Int]?

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
        let plain = slots.compactMap { slot -> Int? in
            if case .value(let column, .numeric, nil) = slot { return column }
            return nil
        }
        plainNumericColumns = plain.count == slots.count ? plain : nil
    }

    /// Writes the current record's design row (`width` values, intercept first) at `row`.
    @inline(__always)
    public func encodeCurrentRecord(into row: UnsafeMutablePointer<Double>) throws(DataError) {
        row[0] = 1
        if let plain = plainNumericColumns {
            for k in 0..<plain.count { row[k + 1] = try reader.number(plain[k]) }
            return
        }
        var offset = 1
        for slot in slots {
            switch slot {
            case .value(let column, let type, let missing):
                row[offset] = try reader.value(column, type: type, missing: missing); offset += 1
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
                offset += width
            case .categorical(let column, let levels, let width, let known, let missing):
                let level = try reader.level(column, missing: missing)
                guard let t = levels[level] else {
                    throw .unseenLevel(file: reader.file, line: reader.line, column: reader.columnName(column), level: level, known: known)
                }
                (row + offset).update(repeating: 0, count: width)
                if t >= 0 { row[offset + t] = 1 }
                offset += width
            }
        }
    }
}
