/// Typed access to the fields of the current record, with errors that name the place.
extension CSVReader {
    /// A finite number; missing values and NaN/infinities are refused.
    @inline(__always)
    public func number(_ index: Int) throws(DataError) -> Double {
        let outcome = withField(index) { NumberParsing.parseDouble($0, decimalComma: format.decimalComma) }
        switch outcome {
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

    /// The field as text for an error message (invalid UTF-8 shown with replacement characters).
    func text(_ index: Int) -> String {
        let s = withField(index) { String(decoding: $0, as: UTF8.self) }
        return s.count > 40 ? String(s.prefix(40)) + "…" : s
    }

    private func isBlank(_ index: Int) -> Bool {
        withField(index) { $0.allSatisfy { $0 == 0x20 } }
    }
}
