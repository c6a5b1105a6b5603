/// Rebuilds design-matrix rows from CSV records with an encoding frozen at training time, so that
/// scoring sees exactly the columns the model was fitted on.
public final class DesignRowEncoder {
    public let encoding: DesignEncoding
    public let width: Int
    private let reader: CSVReader
    private enum Slot { case numeric(column: Int), boolean(column: Int), categorical(column: Int, levels: [String: Int], width: Int, known: [String]) }
    private let slots: [Slot]

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
            switch feature.kind {
            case .numeric: slots.append(.numeric(column: column))
            case .boolean: slots.append(.boolean(column: column))
            case .categorical:
                let levels = feature.levels ?? []
                let terms = levels.filter { $0 != feature.reference }
                var map: [String: Int] = [:]
                for level in levels { map[level] = terms.firstIndex(of: level) ?? -1 }
                slots.append(.categorical(column: column, levels: map, width: terms.count, known: levels))
            }
        }
        self.slots = slots
    }

    /// Writes the current record's design row (`width` values, intercept first) at `row`.
    @inline(__always)
    public func encodeCurrentRecord(into row: UnsafeMutablePointer<Double>) throws(DataError) {
        row[0] = 1
        var offset = 1
        for slot in slots {
            switch slot {
            case .numeric(let column):
                row[offset] = try reader.number(column); offset += 1
            case .boolean(let column):
                row[offset] = try reader.boolean(column); offset += 1
            case .categorical(let column, let levels, let width, let known):
                let level = try reader.level(column)
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
