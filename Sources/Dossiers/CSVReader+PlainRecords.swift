/// The fast path of the reader: records of a block that holds no quote and no carriage return,
/// tokenised and their numeric fields converted in one pass over the bytes.
///
/// Why: on a numeric file, tokenising a record and then converting its fields reads every byte
/// twice and pays, per field, a call through the general decoders (missing-value policies, error
/// paths). In a block without quotes or CR, a record is a run of fields separated by the delimiter
/// and ended by LF, so a number can be converted while its end is found: the digit loop stops on the
/// delimiter. A field the fast conversion does not take (spaces, exponents, more than 19 digits,
/// missing markers, text) is converted by `NumberParsing.parseDouble`, the general parser; a field
/// that is not a finite number then gets NaN, which tells the caller to decode it with the general
/// code (`number`, `value`, `binaryTarget`…), so that every message is the one the general path gives.
/// A record whose shape is unusual (a blank line, too few or too many fields) is left to the general
/// tokenizer, `next()`, which gives the same result and the same errors as before.
///
/// Exactness: the fast conversion is the Clinger fast path of `NumberParsing.parseDouble` (a
/// mantissa below 2⁵³ and at most 22 decimals: one correctly rounded division), so every value it
/// accepts is the value `strtod` gives.
extension CSVReader {
    /// Advances to the next record as `next()` does, and writes the numbers of `columns` into `out`:
    /// `out[columns.slots[j]]` gets field j's value, or NaN when the fast path leaves the field to
    /// the general code: always when it is not a finite number, and for every field of a record
    /// the general tokenizer read. Decode a NaN field with the general code (`number`, `value`…) to
    /// get its value, under a missing-value policy, or its error.
    /// Every field's bytes stay available through `field(_:)` and the other accessors.
    /// - Returns: false at the end of the input.
    @inline(__always)
    public func next(numbers columns: NumberColumns, into out: UnsafeMutablePointer<Double>) throws(DataError) -> Bool {
        if position < plainEnd, columns.slots.count == header.count,
           columns.slots.withUnsafeBufferPointer({ plainRecord($0.baseAddress!, out) }) {
            return true
        }
        guard try next() else { return false }
        for s in columns.slots where s >= 0 { out[s] = .nan }
        return true
    }

    /// Whether field `index`, converted as a number to `value` by `next(numbers:into:)`, is the
    /// boolean spelling "0" or "1": the only one-byte fields whose value is 0 or 1, and the usual
    /// spelling of a boolean column. Anything else (true, oui, 1.0…) is for `boolean(_:)` to decode
    /// or refuse.
    @inline(__always)
    public func isPlainBoolean(_ index: Int, converted value: Double) -> Bool {
        (value == 0 || value == 1) && fieldEnds[index] - fieldStarts[index] == 1
    }

    /// One record of a plain block, or false (nothing consumed) when it needs the general tokenizer.
    /// The reader's properties are read into locals once and written back once: each access to a
    /// class's stored property is a dynamic exclusivity check, 7 % of the parse in the profile when
    /// they were read per field.
    @inline(__always)
    private func plainRecord(_ slots: UnsafePointer<Int>, _ out: UnsafeMutablePointer<Double>) -> Bool {
        let p = UnsafePointer(buffer), d = delimiter, lf: UInt8 = 0x0A
        let decimalComma = format.decimalComma
        let mark = decimalComma && d != UInt8(ascii: ",") ? UInt8(ascii: ",") : UInt8(ascii: ".")
        let n = header.count, powers = NumberParsing.powersOfTen
        let starts = fieldStarts, ends = fieldEnds
        let recordStart = position
        var i = recordStart
        if p[i] == lf { return false }  // a blank line
        for j in 0..<n {
            let start = i
            let s = slots[j]
            if s >= 0 {
                var v = 0.0
                if let stop = NumberParsing.plainDecimal(p, from: start, mark: mark, powers: powers, value: &v), p[stop] == d || p[stop] == lf {
                    out[s] = v; i = stop
                } else {
                    i = Self.fieldEnd(p, from: start, delimiter: d)
                    if case .value(let x) = NumberParsing.parseDouble(p + start, count: i - start, decimalComma: decimalComma) {
                        out[s] = x
                    } else {
                        out[s] = .nan
                    }
                }
            } else {
                i = Self.fieldEnd(p, from: start, delimiter: d)
            }
            starts[j] = start
            ends[j] = i
            if j &+ 1 < n {
                guard p[i] == d else { return false }  // too few fields
                i &+= 1
            }
        }
        guard p[i] == lf else { return false }  // too many fields
        fieldCount = n
        self.recordStart = recordStart
        position = i + 1
        let line = physicalLine
        self.line = line
        physicalLine = line + 1
        recordCount += 1
        return true
    }

    /// The offset of the delimiter or LF that ends the field starting at `i` (a plain block ends with
    /// an LF, so the loop stops inside it).
    @inline(__always)
    private static func fieldEnd(_ p: UnsafePointer<UInt8>, from i: Int, delimiter d: UInt8) -> Int {
        var k = i
        while p[k] != d && p[k] != 0x0A { k &+= 1 }
        return k
    }
}

/// Which fields of a record `CSVReader.next(numbers:into:)` converts to numbers as it
/// tokenises, and where each value goes in the caller's buffer.
public struct NumberColumns: Sendable {
    /// Per field of the record: the index in the caller's buffer, or −1 for a field left as bytes.
    public let slots: [Int]

    /// `destinations[field] = slot`; fields not named are left as bytes.
    public init(fieldCount: Int, destinations: [Int: Int]) {
        var slots = [Int](repeating: -1, count: fieldCount)
        for (field, slot) in destinations where field < fieldCount { slots[field] = slot }
        self.slots = slots
    }
}
