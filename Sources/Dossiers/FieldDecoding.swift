/// Typed access to the fields of the current record, with errors that name the place.
extension CSVReader {
    /// A finite number; missing values and NaN/infinities are refused.
    @inline(__always)
    public func number(_ index: Int) throws(DataError) -> Double {
        let (start, count) = field(index)
        switch NumberParsing.parseDouble(start, count: count, decimalComma: format.decimalComma) {
        case .value(let v): return v
        case .missing: throw .missingValue(file: file, line: line, column: columnName(index))
        case .nonFinite: throw .nonFinite(file: file, line: line, column: columnName(index), value: text(index))
        case .malformed: throw .notANumber(file: file, line: line, column: columnName(index), value: text(index))
        }
    }

    /// 1 or 0 from the boolean spellings NumberParsing accepts.
    public func boolean(_ index: Int) throws(DataError) -> Double {
        if let b = withField(index, { NumberParsing.parseBoolean($0) }) { return b ? 1 : 0 }
        if isBlank(index) { throw .missingValue(file: file, line: line, column: columnName(index)) }
        throw .notABoolean(file: file, line: line, column: columnName(index), value: text(index))
    }

    /// A 0/1 target (also true/false and the other boolean spellings).
    public func binaryTarget(_ index: Int) throws(DataError) -> Double {
        if let b = withField(index, { NumberParsing.parseBoolean($0) }) { return b ? 1 : 0 }
        if case .value(let v) = withField(index, { NumberParsing.parseDouble($0, decimalComma: format.decimalComma) }),
           v == 0 || v == 1 { return v }
        if isBlank(index) { throw .missingValue(file: file, line: line, column: columnName(index)) }
        throw .targetNotBinary(file: file, line: line, column: columnName(index), value: text(index))
    }

    /// A finite, non-negative weight.
    public func weight(_ index: Int) throws(DataError) -> Double {
        let outcome = withField(index) { NumberParsing.parseDouble($0, decimalComma: format.decimalComma) }
        switch outcome {
        case .value(let v) where v >= 0: return v
        case .missing: throw .missingValue(file: file, line: line, column: columnName(index))
        default: throw .invalidWeight(file: file, line: line, column: columnName(index), value: text(index))
        }
    }

    /// A categorical level: the field's text with surrounding spaces removed; empty is missing.
    public func level(_ index: Int) throws(DataError) -> String {
        let s = try string(index).trimmingSpaces
        if s.isEmpty { throw .missingValue(file: file, line: line, column: columnName(index)) }
        return s
    }

    /// A numeric, date or boolean value under a missing-value policy (nil policy: refuse).
    @inline(__always)
    public func value(_ index: Int, type: ColumnType, missing: MissingPolicy?) throws(DataError) -> Double {
        if case .value(let v)? = missing, isMissing(index) { return v }
        switch type {
        case .numeric, .categorical: return try number(index)
        case .boolean: return try boolean(index)
        case .date: return try date(index)
        }
    }

    /// A categorical level under a missing-value policy.
    public func level(_ index: Int, missing: MissingPolicy?) throws(DataError) -> String {
        if case .level(let l)? = missing, isMissing(index) { return l }
        return try level(index)
    }

    /// Days since 1970-01-01 of an ISO date `YYYY-MM-DD` (or `YYYY-MM`, the first of the month).
    public func date(_ index: Int) throws(DataError) -> Double {
        if isMissing(index) { throw .missingValue(file: file, line: line, column: columnName(index)) }
        guard let days = withField(index, { parseISODate($0) }) else {
            throw .notADate(file: file, line: line, column: columnName(index), value: text(index))
        }
        return Double(days)
    }

    /// Empty (after trimming spaces) or one of the missing markers.
    public func isMissing(_ index: Int) -> Bool {
        if case .missing = withField(index, { NumberParsing.parseDouble($0, decimalComma: false) }) { return true }
        return false
    }

    /// The field as text for an error message (invalid UTF-8 shown with replacement characters).
    public func text(_ index: Int) -> String {
        let s = withField(index) { String(decoding: $0, as: UTF8.self) }
        return s.count > 40 ? String(s.prefix(40)) + "…" : s
    }

    public func isBlank(_ index: Int) -> Bool {
        withField(index) { $0.allSatisfy { $0 == 0x20 } }
    }
}

/// Days since 1970-01-01 for `YYYY-MM-DD` or `YYYY-MM` (proleptic Gregorian; H. Hinnant's days_from_civil).
func parseISODate(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
    var lo = 0, hi = b.count
    while lo < hi, b[lo] == 0x20 { lo += 1 }
    while hi > lo, b[hi - 1] == 0x20 { hi -= 1 }
    func digits(_ from: Int, _ count: Int) -> Int? {
        guard from + count <= hi else { return nil }
        var v = 0
        for k in from..<(from + count) {
            let c = b[k]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
    let n = hi - lo
    guard n == 7 || n == 10, b[lo + 4] == UInt8(ascii: "-"), let y = digits(lo, 4), let m = digits(lo + 5, 2), (1...12).contains(m) else { return nil }
    var d = 1
    if n == 10 {
        guard b[lo + 7] == UInt8(ascii: "-"), let dd = digits(lo + 8, 2) else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[m - 1]).contains(dd) else { return nil }
        d = dd
    }
    return daysFromCivil(year: y, month: m, day: d)
}

public func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}
