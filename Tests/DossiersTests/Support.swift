import Foundation
@testable import Dossiers

/// Writes `contents` (bytes or text) to a fresh temporary file and returns its path.
func temporaryFile(_ contents: String, name: String = "data.csv") -> String {
    temporaryFile(bytes: Array(contents.utf8), name: name)
}

func temporaryFile(bytes: [UInt8], name: String = "data.csv") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// Reads every record as strings.
func records(_ path: String, format: CSVFormat = CSVFormat()) throws -> (header: [String], rows: [[String]], lines: [Int]) {
    let reader = try CSVReader(path: path, format: format)
    var rows: [[String]] = [], lines: [Int] = []
    while try reader.next() {
        rows.append(try (0..<reader.fieldCount).map { try reader.string($0) })
        lines.append(reader.line)
    }
    return (reader.header, rows, lines)
}
