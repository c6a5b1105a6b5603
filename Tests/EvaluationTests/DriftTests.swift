import CiblageSupport
import Foundation
import Testing
@testable import Dossiers
@testable import Evaluation

@Suite struct DriftTests {
    func normals(_ n: Int, mean: Double, seed: UInt64) -> [Double] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { _ in mean + g.normal() }
    }

    @Test func identicalDistributionsAreStable() {
        let psi = Drift.psi(reference: normals(50_000, mean: 0, seed: 1), current: normals(50_000, mean: 0, seed: 2))
        #expect(psi < 0.01)
        #expect(Drift.verdict(psi) == "stable")
    }

    /// For a shift of the mean of a normal by δ standard deviations, PSI ≈ δ² (the symmetric
    /// Kullback–Leibler divergence), a little less with decile bins.
    @Test func knownShiftsGiveTheExpectedPSI() {
        let reference = normals(100_000, mean: 0, seed: 3)
        let small = Drift.psi(reference: reference, current: normals(100_000, mean: 0.2, seed: 4))
        let large = Drift.psi(reference: reference, current: normals(100_000, mean: 0.6, seed: 5))
        #expect(small > 0.03 && small < 0.045, "δ = 0.2: \(small)")
        #expect(large > 0.3 && large < 0.37, "δ = 0.6: \(large)")
        #expect(Drift.verdict(large).hasPrefix("major"))
        #expect(Drift.verdict(0.15).hasPrefix("moderate"))
    }

    @Test func categoricalPSIByHand() {
        // Shares 0.5/0.5 → 0.8/0.2: (0.3·ln 1.6) + (−0.3·ln 0.4) = 0.3·ln 4 ≈ 0.4159.
        let psi = Drift.psi(reference: ["a", "b"], current: ["a", "a", "a", "a", "b"])
        #expect(abs(psi - 0.3 * log(4.0)) < 1e-12)
    }
}
