import CiblageSupport
import Dispatch
import Dossiers
import Synchronization
import Foundation
import LinearAlgebra
import RiskModel

/// A metric with its bootstrap percentile interval.
public struct Interval: Codable, Equatable, Sendable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
}

/// Seeded resampling: bootstrap confidence intervals and stratified k-fold cross-validation.
public enum Resampling {
    /// Percentile bootstrap: `replicates` resamples of the rows with replacement (stratified by outcome,
    /// so every resample has both classes), each evaluated by `metrics`. Deterministic for a seed,
    /// whatever the thread count: replicate b uses its own stream (seed, b).
    public static func bootstrap(_ sample: ScoredSample, replicates: Int = 200, seed: UInt64 = 1, level: Double = 0.95,
                                 threads: Int = Parallelism.defaultThreads, progress: ProgressHandler? = nil,
                                 metrics: @Sendable (ScoredSample) -> [String: Double]) -> [String: Interval] {
        let estimate = metrics(sample)
        let positives = (0..<sample.count).filter { sample.outcomes[$0] == 1 }
        let negatives = (0..<sample.count).filter { sample.outcomes[$0] != 1 }
        let draws = Resampling.replicates(replicates, threads: threads, progress: progress) { b in
            var g = SplitMix64(seed: seed, index: UInt64(b))
            var rows: [Int] = []
            rows.reserveCapacity(sample.count)
            for _ in 0..<positives.count { rows.append(positives[Int(g.next() % UInt64(positives.count))]) }
            for _ in 0..<negatives.count { rows.append(negatives[Int(g.next() % UInt64(negatives.count))]) }
            return metrics(sample.subset(rows))
        }
        var out: [String: Interval] = [:]
        let alpha = (1 - level) / 2
        for (name, value) in estimate {
            let values = draws.compactMap { $0[name] }.filter { $0.isFinite }.sorted()
            guard !values.isEmpty else { out[name] = Interval(estimate: value, lower: .nan, upper: .nan); continue }
            out[name] = Interval(estimate: value, lower: quantile(values, alpha), upper: quantile(values, 1 - alpha))
        }
        return out
    }

    /// `body(b)` for b in 0..<count, spread over `threads` workers (replicate b goes to worker b mod threads).
    /// Each replicate must draw from its own stream (seed, b), so the results do not depend on `threads`.
    /// `progress`, if given, is told the number of replicates done, in increasing order, under a lock.
    package static func replicates<T>(_ count: Int, threads: Int, progress: ProgressHandler? = nil, _ body: @Sendable (Int) -> T) -> [T] {
        var out = [T?](repeating: nil, count: count)
        let workers = max(1, min(threads, count))
        let done = Mutex(0)
        out.withUnsafeMutableBufferPointer { buffer in
            let box = UncheckedSendable(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var b = worker
                while b < count {
                    box.value[b] = body(b)
                    b += workers
                    if let progress {
                        done.withLock { d in
                            d += 1
                            progress(ProgressUpdate(phase: "bootstrap", done: Double(d), total: Double(count), unit: .replicates))
                        }
                    }
                }
            }
        }
        return out.map { $0! }
    }

    /// Type-7 quantile of sorted values.
    package static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Fold of each row for stratified k-fold: within each outcome, rows are shuffled with the seed and
    /// dealt to folds in turn, so every fold has the same share of positives (±1 row).
    public static func stratifiedFolds(outcomes: [Double], folds k: Int, seed: UInt64) -> [Int] {
        var fold = [Int](repeating: 0, count: outcomes.count)
        var g = SplitMix64(seed: seed ^ 0xF01D)
        for cls in [1.0, 0.0] {
            var rows = outcomes.indices.filter { (outcomes[$0] == 1) == (cls == 1) }
            for i in stride(from: rows.count - 1, to: 0, by: -1) {  // Fisher–Yates
                let j = Int(g.next() % UInt64(i + 1))
                rows.swapAt(i, j)
            }
            for (n, r) in rows.enumerated() { fold[r] = n % k }
        }
        return fold
    }

    public struct FoldResult: Codable, Equatable, Sendable {
        public var fold: Int
        public var trainRows: Int
        public var testRows: Int
        public var auc: Double
        public var logLoss: Double
        public var brier: Double
    }

    /// Stratified k-fold cross-validation: refit on k − 1 folds, score the held-out fold.
    public static func crossValidate(_ data: TrainingData, folds k: Int = 5, seed: UInt64 = 1,
                                     options: LogisticRegressionOptions = LogisticRegressionOptions()) throws -> [FoldResult] {
        guard k >= 2 && k <= data.design.rows else { throw FitError.invalidOption("{crossValidationFolds} must be between 2 and the number of rows") }
        let fold = stratifiedFolds(outcomes: data.target, folds: k, seed: seed)
        var results: [FoldResult] = []
        for f in 0..<k {
            let train = data.design.rows.indices(where: { fold[$0] != f })
            let test = data.design.rows.indices(where: { fold[$0] == f })
            let model = try LogisticRegression.model(data.subset(train), options: options)
            let beta = model.estimates
            let held = data.subset(test)
            var scores = [Double](repeating: 0, count: test.count)
            held.design.storage.withUnsafeBufferPointer { x in
                beta.withUnsafeBufferPointer { b in
                    scores.withUnsafeMutableBufferPointer { out in
                        Scorer.scoreRows(x.baseAddress!, rows: test.count, columns: held.design.columns, coefficients: b.baseAddress!, into: out.baseAddress!)
                    }
                }
            }
            let s = ScoredSample(scores: scores, outcomes: held.target, weights: held.weights)
            results.append(FoldResult(fold: f + 1, trainRows: train.count, testRows: test.count,
                                      auc: Metrics.auc(s), logLoss: Metrics.logLoss(s), brier: Metrics.brier(s)))
        }
        return results
    }
}

extension Int {
    func indices(where predicate: (Int) -> Bool) -> [Int] { (0..<self).filter(predicate) }
}

extension TrainingData {
    /// The rows `rows`, in that order (encoding unchanged).
    public func subset(_ rows: [Int]) -> TrainingData {
        let p = design.columns
        var storage = [Double]()
        storage.reserveCapacity(rows.count * p)
        for r in rows { storage.append(contentsOf: design.storage[(r * p)..<((r + 1) * p)]) }
        var out = TrainingData(design: Matrix(rows: rows.count, columns: p, storage: storage), target: rows.map { target[$0] },
                               weights: weights.map { w in rows.map { w[$0] } }, lines: rows.map { lines[$0] },
                               encoding: encoding, targetName: targetName, weightName: weightName, fingerprint: fingerprint)
        out.featureSpec = featureSpec
        out.sensitiveOverrides = sensitiveOverrides
        out.selection = selection
        out.amounts = amounts.map { a in rows.map { a[$0] } }
        out.amountName = amountName
        return out
    }
}
