import CiblageSupport
import Foundation
@testable import Dossiers
import LinearAlgebra
@testable import RiskModel

/// The simulator's generator, under the name the tests use.
typealias SplitMix = SplitMix64
extension SplitMix64 {
    init(state: UInt64) { self.init(seed: state) }
}

/// A logistic data set drawn from known coefficients: intercept plus `features` standard-normal columns.
func simulatedData(rows n: Int, features p: Int, seed: UInt64, beta: [Double]? = nil) -> TrainingData {
    var g = SplitMix(state: seed)
    let truth = beta ?? (0...p).map { j in j == 0 ? -0.5 : 0.8 / Double(j) }
    var x = Matrix(rows: n, columns: p + 1)
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
        x[i, 0] = 1
        var eta = truth[0]
        for j in 1...p { x[i, j] = g.normal(); eta += truth[j] * x[i, j] }
        y[i] = g.uniform() < 1 / (1 + exp(-eta)) ? 1 : 0
    }
    let encoding = DesignEncoding(features: (1...p).map { FeatureEncoding(name: "x\($0)", kind: .numeric) })
    return TrainingData(design: x, target: y, encoding: encoding, targetName: "y")
}

/// The gradient of the log-likelihood Xᵀ(w(y − μ)), computed naively.
func naiveScore(_ data: TrainingData, _ beta: [Double]) -> [Double] {
    var g = [Double](repeating: 0, count: data.design.columns)
    for i in 0..<data.design.rows {
        var eta = 0.0
        for j in 0..<beta.count { eta += data.design[i, j] * beta[j] }
        let r = (data.weights?[i] ?? 1) * (data.target[i] - 1 / (1 + exp(-eta)))
        for j in 0..<beta.count { g[j] += data.design[i, j] * r }
    }
    return g
}

func temporaryDirectory() -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func temporaryFile(_ contents: String, name: String = "data.csv") -> String {
    let path = temporaryDirectory().appendingPathComponent(name).path
    FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
    return path
}

func relativeError(_ a: Double, _ b: Double) -> Double {
    a == b ? 0 : abs(a - b) / max(abs(b), 1e-300)
}
