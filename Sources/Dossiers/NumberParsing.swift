#if canImport(Glibc)
import Glibc
#endif

/// Parsing of numeric and boolean CSV fields directly from bytes, without building a String.
enum NumberParsing {
    /// Exact powers of ten representable in a Double (10⁰…10²²), for Clinger's fast path.
    private static let powersOfTen: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
                                     Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
        (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22)

    @inline(__always) private static func powerOfTen(_ e: Int) -> Double {
        withUnsafeBytes(of: powersOfTen) { $0.load(fromByteOffset: e * 8, as: Double.self) }
    }

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
