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
