import CiblageSupport

/// Where a cible's label is defined: one file per definition in this folder, each a Codable
/// definition with its `unit` and `key` (the spec's key), the rule as a pure function tested at its
/// boundaries, and `build` from the source files. A new definition also takes one line in
/// `FeatureSpec.targetDefinitions`, which checks that a spec's unit and its definition fit.
enum TargetFiles {
    /// One record of a source file, with its columns found by name.
    struct Record {
        let reader: CSVReader
        let index: [Int]
        let path: String
        let names: [String]

        func id(_ k: Int) throws(DataError) -> String {
            let s = try reader.string(index[k]).trimmingSpaces
            if s.isEmpty { throw .missingValue(file: path, line: reader.line, column: names[k]) }
            return s
        }

        /// An optional column's text, "" when the file has no such column.
        func optional(_ k: Int) throws(DataError) -> String { index[k] < 0 ? "" : try reader.string(index[k]).trimmingSpaces }

        func day(_ k: Int) throws(DataError) -> CalendarDay {
            let s = try reader.string(index[k]).trimmingSpaces
            guard let d = CalendarDay(s) else { throw .notADate(file: path, line: reader.line, column: names[k], value: s) }
            return d
        }
    }

    /// Every record of `path`, read by `row`; `optional` columns have index −1 when absent.
    static func read<T>(_ path: String, columns: [String], optional: [String] = [], format: CSVFormat,
                        _ row: (Record, String) throws(DataError) -> T) throws(DataError) -> [T] {
        let reader = try CSVReader(path: path, format: format)
        var index: [Int] = []
        for name in columns {
            guard let i = reader.header.firstIndex(of: name) else { throw .unknownColumn(file: path, name: name, available: reader.header) }
            index.append(i)
        }
        for name in optional { index.append(reader.header.firstIndex(of: name) ?? -1) }
        let record = Record(reader: reader, index: index, path: path, names: columns + optional)
        var out: [T] = []
        while try reader.next() { out.append(try row(record, path)) }
        if out.isEmpty { throw .headerOnly(file: path) }
        return out
    }
}
