#if canImport(Glibc)
import Glibc
#endif

/// Parsing of numeric and boolean CSV fields directly from bytes, without building a String.
enum NumberParsing {
    /// Exact powers of ten representable in a Double (10⁰…10²²), for Clinger's fast path. A table
    /// allocated once: a tuple of constants is copied to the stack at every use, which showed in the
    /// plain-record path's profile.
    static let powersOfTen: UnsafePointer<Double> = {
        let table = UnsafeMutablePointer<Double>.allocate(capacity: 23)
        var v = 1.0
        for e in 0...22 { table[e] = v; v *= 10 }  // every product is exact up to 10²²
        return UnsafePointer(table)
    }()

    @inline(__always) private static func powerOfTen(_ e: Int) -> Double { powersOfTen[e] }

    enum Outcome { case value(Double), missing, nonFinite, malformed }

    /// Parses a decimal number. Surrounding ASCII spaces are ignored; `decimalComma` accepts ',' as the
    /// decimal mark (French exports). Empty text and the usual missing markers (NA, N/A, null) are
    /// `.missing`; nan/inf spellings and overflow are `.nonFinite`.
    ///
    /// The fast path is exact (Clinger 1990): a mantissa below 2⁵³ scaled by an exact power of ten
    /// ≤ 10²² is one correctly rounded operation. Anything else goes to `strtod`, which is correctly
    /// rounded in glibc.
    @inline(__always)
    static func parseDouble(_ field: UnsafeBufferPointer<UInt8>, decimalComma: Bool) -> Outcome {
        parseDouble(field.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: field.count, decimalComma: decimalComma)
    }

    static func parseDouble(_ field: UnsafePointer<UInt8>, count: Int, decimalComma: Bool) -> Outcome {
        var lo = 0, hi = count
        if hi > 0 && (field[0] == 0x20 || field[hi - 1] == 0x20) {
            while lo < hi, field[lo] == 0x20 { lo += 1 }
            while hi > lo, field[hi - 1] == 0x20 { hi -= 1 }
        }
        if lo == hi { return .missing }
        var i = lo
        let negative = field[i] == UInt8(ascii: "-")
        if negative || field[i] == UInt8(ascii: "+") { i += 1 }
        // Integer part, then fraction: plain digit loops (no per-digit state), so the branches predict.
        var mantissa: UInt64 = 0
        let integerStart = i
        while i < hi {
            let d = field[i] &- 0x30
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d); i += 1
        }
        var digits = i - integerStart
        var exponent = 0
        if i < hi, field[i] == UInt8(ascii: ".") || (decimalComma && field[i] == UInt8(ascii: ",")) {
            i += 1
            let fractionStart = i
            while i < hi {
                let d = field[i] &- 0x30
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d); i += 1
            }
            exponent = fractionStart - i
            digits += i - fractionStart
        }
        if digits == 0 { return classifyWord(UnsafeBufferPointer(start: field, count: count), lo, hi) }
        if i < hi {
            guard field[i] == UInt8(ascii: "e") || field[i] == UInt8(ascii: "E") else { return .malformed }
            i += 1
            var expNegative = false
            if i < hi, field[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if i < hi, field[i] == UInt8(ascii: "+") { i += 1 }
            var e = 0, expDigits = 0
            while i < hi, field[i] >= 0x30, field[i] <= 0x39 {
                if e < 100_000 { e = e * 10 + Int(field[i] - 0x30) }
                expDigits += 1; i += 1
            }
            if expDigits == 0 || i != hi { return .malformed }
            exponent += expNegative ? -e : e
        }
        // Exact when the digits fit in 53 bits (≤ 19 digits cannot overflow the UInt64 above).
        if digits <= 19 && mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
            var v = Double(mantissa)
            if exponent < 0 { v /= powerOfTen(-exponent) } else if exponent > 0 { v *= powerOfTen(exponent) }
            return .value(negative ? -v : v)
        }
        return slowParse(UnsafeBufferPointer(start: field, count: count), lo, hi, decimalComma: decimalComma)
    }

    /// The Clinger fast path of `parseDouble` in place, for the plain-record path: an optional sign,
    /// digits, an optional decimal mark ('.' or `mark`) and digits, with nothing around them. Returns
    /// the offset of the first byte after the number and sets `value`, or nil when the text is not of
    /// that form or not exact this way (no digit, more than 19 digits, a mantissa of 2⁵³ or more,
    /// more than 22 decimals): the caller then uses `parseDouble`, which gives the same value for
    /// every text this accepts. The bytes must be followed by one that is not a digit (the field's
    /// delimiter or line break), where the loops stop. `powers` is `powersOfTen`, passed in so that
    /// a loop reads it without the lazy global's check.
    @inline(__always)
    static func plainDecimal(_ p: UnsafePointer<UInt8>, from start: Int, mark: UInt8, powers: UnsafePointer<Double>,
                             value: inout Double) -> Int? {
        var i = start
        let first = p[i]
        let negative = first == UInt8(ascii: "-")
        i &+= negative || first == UInt8(ascii: "+") ? 1 : 0  // no branch: signs are as frequent as not
        var mantissa: UInt64 = 0
        let integerStart = i
        while true {
            let d = p[i] &- 0x30
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d); i &+= 1  // wrapping: no overflow check in the loop
        }
        var digits = i &- integerStart
        var decimals = 0
        if p[i] == UInt8(ascii: ".") || p[i] == mark {
            i &+= 1
            let fractionStart = i
            while true {
                let d = p[i] &- 0x30
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d); i &+= 1  // wrapping: no overflow check in the loop
            }
            decimals = i &- fractionStart
            digits &+= decimals
        }
        guard digits > 0, digits <= 19, mantissa < (1 << 53), decimals <= 22 else { return nil }
        let v = Double(mantissa) / powers[decimals]  // dividing by 10⁰ = 1 is exact
        value = Double(bitPattern: v.bitPattern | (negative ? 1 << 63 : 0))
        return i
    }

    private static func slowParse(_ field: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, decimalComma: Bool) -> Outcome {
        var text = [CChar](repeating: 0, count: hi - lo + 1)
        for k in lo..<hi {
            let c = field[k]
            text[k - lo] = CChar(bitPattern: (decimalComma && c == UInt8(ascii: ",")) ? UInt8(ascii: ".") : c)
        }
        let v = text.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
        return v.isFinite ? .value(v) : .nonFinite
    }

    private static func classifyWord(_ field: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Outcome {
        let word = String(decoding: UnsafeBufferPointer(rebasing: field[lo..<hi]), as: UTF8.self).lowercased()
        switch word {
        case "na", "n/a", "null", "none", "?": return .missing
        case "nan", "-nan", "+nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity": return .nonFinite
        default: return .malformed
        }
    }

    /// 0/1, true/false, yes/no, oui/non, vrai/faux (any case); nil if not one of them.
    static func parseBoolean(_ field: UnsafeBufferPointer<UInt8>) -> Bool? {
        if field.count == 1 {
            if field[0] == UInt8(ascii: "1") { return true }
            if field[0] == UInt8(ascii: "0") { return false }
        }
        guard field.count <= 5 else { return nil }
        switch String(decoding: field, as: UTF8.self).lowercased() {
        case "1", "true", "yes", "oui", "vrai", "t", "y": return true
        case "0", "false", "no", "non", "faux", "f", "n": return false
        default: return nil
        }
    }
}
