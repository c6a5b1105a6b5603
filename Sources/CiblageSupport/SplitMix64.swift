#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and good enough to simulate data; seeded per
/// dossier so that any dossier can be regenerated on its own, in any order, on any thread.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    /// A generator for item `index` of stream `seed`: the pair is hashed so nearby indices are unrelated.
    public init(seed: UInt64, index: UInt64) {
        var s = SplitMix64(seed: seed ^ 0x5851_F42D_4C95_7F2D)
        state = s.next() ^ (index &* 0x9E37_79B9_7F4A_7C15)
        _ = next()
    }
    @inline(__always) public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    @inline(__always) public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    @inline(__always) public mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }
    /// Standard normal (Box–Muller, one value per call).
    @inline(__always) public mutating func normal() -> Double {
        let u = 1 - uniform(), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
    /// Poisson by inversion (small means only, as used here).
    @inline(__always) public mutating func poisson(_ mean: Double) -> Int {
        let l = exp(-mean)
        var k = 0
        let p = uniform()
        var cumulative = l, term = l
        while p > cumulative && k < 50 { k += 1; term *= mean / Double(k); cumulative += term }
        return k
    }
    /// Index drawn with probabilities proportional to `weights` (which sum to `total`).
    @inline(__always) public mutating func choice(_ weights: [Double], total: Double = 1) -> Int {
        var u = uniform() * total
        for (k, w) in weights.enumerated() { if u < w { return k }; u -= w }
        return weights.count - 1
    }
}
