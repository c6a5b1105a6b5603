import Dossiers
import Foundation

/// The first byte chooses the options, the rest is the file:
/// bits 0–1 the delimiter (detected, ',', ';', tab), bit 2 the decimal comma, bits 3–7 the block
/// size of the block reader (64 to 312 bytes, so that even small inputs make several blocks).
///
/// Properties:
/// - the block reader, on 2 workers, yields the same header, the same fields of the same records
///   and the same first error (same line, same column) as the sequential reader, with `next()` and
///   with the plain-record path `next(numbers:into:)`;
/// - the plain-record path's number for a field is the general `number(_:)`'s, bit for bit, and it
///   leaves NaN wherever `number(_:)` refuses the field;
/// - every number the reader accepts equals what `strtod` makes of the same text, bit for bit, and
///   `strtod` reads all of that text (the reader accepts a subset of strtod's syntax, never more).
enum CSVHarness {
    private static let delimiters: [UInt8?] = [nil, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]

    /// What a reader made of the file: the header, every record's fields, and where it stopped.
    struct Reading: Equatable {
        var header: [String] = []
        var records: [[[UInt8]]] = []
        var failure: String?
    }

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let options = bytes.first else { return }
        let format = CSVFormat(delimiter: delimiters[Int(options & 3)], decimalComma: options & 4 != 0)
        let blockSize = 64 + Int(options >> 3) * 8
        let path = Scratch.write(bytes.dropFirst(), name: "input.csv")

        let sequential = readSequentially(path, format: format)
        for plain in [false, true] {
            let blocked = readInBlocks(path, format: format, blockSize: blockSize, plain: plain)
            guard sequential == blocked else {
                propertyBroken("the block reader agrees with the sequential reader" + (plain ? " (plain-record path)" : ""),
                               "sequential: \(sequential.records.count) records, \(sequential.failure ?? "no error")\n"
                               + "blocks:     \(blocked.records.count) records, \(blocked.failure ?? "no error")")
            }
        }
    }

    static func readSequentially(_ path: String, format: CSVFormat) -> Reading {
        var reading = Reading()
        do {
            let reader = try CSVReader(path: path, format: format)
            reading.header = reader.header
            while try reader.next() { reading.records.append(try fields(of: reader)) }
        } catch {
            reading.failure = "\(error)"
        }
        return reading
    }

    static func readInBlocks(_ path: String, format: CSVFormat, blockSize: Int, plain: Bool = false) -> Reading {
        var reading = Reading()
        do {
            let reader = try CSVBlockReader(path: path, format: format, blockSize: blockSize)
            reading.header = reader.header
            let n = reader.header.count
            let numbers = NumberColumns(fieldCount: n, destinations: Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, $0) }))
            // A block's records before its error are kept, as the sequential reader keeps them, and
            // blocks after the first error are ignored, as the sequential reader never reaches them.
            try reader.forEachBlock(threads: 2, parse: { block -> ([[[UInt8]]], String?) in
                var records: [[[UInt8]]] = []
                var values = [Double](repeating: 0, count: max(1, n))
                do {
                    if plain {
                        while try block.next(numbers: numbers, into: &values) {
                            checkPlainNumbers(values, of: block)
                            records.append(try fields(of: block))
                        }
                    } else {
                        while try block.next() { records.append(try fields(of: block)) }
                    }
                } catch {
                    return (records, "\(error)")
                }
                return (records, nil)
            }, merge: { (records, failure) in
                guard reading.failure == nil else { return }
                reading.records += records
                reading.failure = failure
            })
        } catch {
            if reading.failure == nil { reading.failure = "\(error)" }
        }
        return reading
    }

    /// The plain-record path's numbers against `number(_:)` on the same record.
    private static func checkPlainNumbers(_ values: [Double], of reader: CSVReader) {
        for j in 0..<reader.header.count {
            let general = try? reader.number(j)
            let fast = values[j]
            // NaN hands the field to the general code (always when it refuses the field; also for
            // every field of a record the plain path left to `next()`).
            guard fast.isNaN || general?.bitPattern == fast.bitPattern else {
                propertyBroken("the plain-record path converts as number(_:) does",
                               "line \(reader.line), field \(j + 1) '\(reader.text(j))': plain \(fast), general \(general.map { "\($0)" } ?? "refused")")
            }
        }
    }

    /// The record's fields, after every typed accessor has looked at each (their refusals are
    /// answers, not failures) and every accepted number has been checked against `strtod`.
    private static func fields(of reader: CSVReader) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(reader.header.count)
        for j in 0..<reader.header.count {
            let bytes = reader.withField(j) { Array($0) }
            if let value = try? reader.number(j) { checkAgainstStrtod(value, text: bytes, decimalComma: reader.format.decimalComma) }
            _ = try? reader.boolean(j)
            _ = try? reader.date(j)
            _ = try? reader.string(j)
            _ = reader.isMissing(j)
            out.append(bytes)
        }
        return out
    }

    private static func checkAgainstStrtod(_ value: Double, text: [UInt8], decimalComma: Bool) {
        var trimmed = ArraySlice(text)
        while trimmed.first == 0x20 { trimmed.removeFirst() }
        while trimmed.last == 0x20 { trimmed.removeLast() }
        var c: [CChar] = trimmed.map { CChar(bitPattern: decimalComma && $0 == UInt8(ascii: ",") ? UInt8(ascii: ".") : $0) } + [0]
        let (reference, consumed) = c.withUnsafeMutableBufferPointer { buffer -> (Double, Int) in
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(buffer.baseAddress!, &end)
            return (v, end! - buffer.baseAddress!)
        }
        let shown = String(decoding: text, as: UTF8.self).debugDescription
        guard consumed == trimmed.count else {
            propertyBroken("an accepted number is one strtod reads whole", "\(shown): strtod stops after \(consumed) of \(trimmed.count) bytes")
        }
        guard reference.bitPattern == value.bitPattern else {
            propertyBroken("an accepted number equals strtod's", "\(shown): read \(value), strtod \(reference)")
        }
    }
}
