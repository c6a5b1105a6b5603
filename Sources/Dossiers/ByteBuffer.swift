/// An output buffer of bytes with fast formatting of the numbers CSV files hold (integers and
/// fixed-point decimals), so that writing millions of rows does not go through String.
public struct ByteBuffer: Sendable {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func append(_ byte: UInt8) { bytes.append(byte) }
    @inline(__always) public mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    @inline(__always) public mutating func newline() { bytes.append(0x0A) }
    @inline(__always) public mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
    public mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// Decimal digits of an integer.
    @inline(__always) public mutating func append(_ value: Int) {
        var v = value
        if v < 0 { bytes.append(UInt8(ascii: "-")); v = -v }
        var digits = 1, t = v
        while t >= 10 { t /= 10; digits += 1 }
        let base = bytes.count
        for _ in 0..<digits { bytes.append(0x30) }
        var k = base + digits - 1
        while v >= 10 { bytes[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10; k -= 1 }
        bytes[k] = UInt8(truncatingIfNeeded: 0x30 + v)
    }

    /// `value` rounded to `decimals` places (0…9), without exponent: 3.14, -0.50, 12.
    @inline(__always) public mutating func append(_ value: Double, decimals: Int) {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * Double(scale)).rounded()
        var whole = Int(scaled)
        if whole < 0 { bytes.append(UInt8(ascii: "-")); whole = -whole }
        append(whole / scale)
        guard decimals > 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var frac = whole % scale
        let base = bytes.count
        for _ in 0..<decimals { bytes.append(0x30) }
        var k = base + decimals - 1
        while frac > 0 { bytes[k] = UInt8(truncatingIfNeeded: 0x30 + frac % 10); frac /= 10; k -= 1 }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value.description`'s bytes (the shortest text that reads back as `value`) without
    /// building the `String`: `Double.write(to:)` hands its digits to a stream's `_writeASCII`.
    ///
    /// Why: a score's description has 18 or 19 characters, more than a small String holds inline,
    /// so `description` allocated and freed a buffer for every line `ciblage score` wrote. For a
    /// finite value the digits are `description`'s; NaN goes through `description` (the stream form
    /// spells its payload). `_writeASCII` is an underscored requirement of `TextOutputStream`: should
    /// a later Swift drop it, the standard library would call `write(_:)` with a String instead, and
    /// the bytes would be the same, only slower (`scoresAreSpelledAsDescriptionSpellsThem`).
    @inline(__always)
    public mutating func appendDescription(of value: Double) {
        guard value.isFinite else { append(contentsOf: value.description.utf8); return }
        withUnsafeMutablePointer(to: &self) { target in
            var sink = DescriptionSink(target: target)
            value.write(to: &sink)
        }
    }
}

/// A `TextOutputStream` onto a byte array, taking ASCII straight from the standard library.
private struct DescriptionSink: TextOutputStream {
    let target: UnsafeMutablePointer<[UInt8]>
    mutating func write(_ string: String) { target.pointee.append(contentsOf: string.utf8) }
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { target.pointee.append(contentsOf: buffer) }
}
