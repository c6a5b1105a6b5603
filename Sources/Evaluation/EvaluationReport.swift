import CiblageSupport
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

/// The columns an evaluation reads besides the model's inputs, resolved once against a file's
/// header, and each record's outcome, weight (× 1/π) and amount: what `read` and `writeCache` share.
struct EvaluationColumns {
    let target: Int, weight: Int?, amount: Int?, inclusion: Int?
    let path: String

    init(model: ModelArtifact, records: ScoredRecords, path: String, target: String?, weight: String?, amount: String?, inclusion: String?) throws {
        let header = records.header
        self.path = path
        self.target = try records.column(target ?? model.target.column)
        self.weight = try weight.map(records.column)
        let amountName = amount ?? model.spec?.columns(.amount).first?.name
        self.amount = try amount.map(records.column) ?? amountName.flatMap { header.firstIndex(of: $0) }
        let inclusionName = inclusion ?? model.spec?.columns(.inclusion).first?.name
        self.inclusion = try inclusion.map(records.column) ?? inclusionName.flatMap { header.firstIndex(of: $0) }
    }

    var weighted: Bool { weight != nil || inclusion != nil }

    func outcome(_ reader: CSVReader) throws -> Double { try reader.binaryTarget(target) }

    /// The frequency weight divided by π, 1 when the file has neither.
    func weight(_ reader: CSVReader) throws -> Double {
        var w = try weight.map { try reader.weight($0) } ?? 1
        if let inclusion {
            let pi = try reader.weight(inclusion)
            guard pi > 0 && pi <= 1 else {
                throw DataError.invalidInclusionProbability(file: path, line: reader.line, column: reader.columnName(inclusion), value: String(pi))
            }
            w /= pi
        }
        return w
    }

    func amount(_ reader: CSVReader) throws -> Double? { try amount.map { try reader.number($0) } }
}

/// Reads a labelled CSV, scores it with a model, and keeps what evaluation needs.
public enum EvaluationData {
    /// `target` defaults to the model's target; `amount` and `inclusion` to the columns with those roles
    /// in the model's spec, when the file has them. Weights: `weight` × 1/π when inclusion probabilities exist.
    /// `path` may be an evaluation cache of `convert --model` (read without parsing).
    public static func read(model: ModelArtifact, path: String, target: String? = nil, weight: String? = nil,
                            amount: String? = nil, inclusion: String? = nil, format: CSVFormat = CSVFormat(),
                            threads: Int = Parallelism.defaultThreads, progress: ProgressHandler? = nil) throws -> ScoredSample {
        if DesignCache.isCache(path) { return try readCache(model: model, path: path, target: target, weight: weight, amount: amount, inclusion: inclusion) }
        let records = try ScoredRecords(model: model, path: path, format: format)
        records.progress = progress
        let columns = try EvaluationColumns(model: model, records: records, path: path, target: target, weight: weight, amount: amount, inclusion: inclusion)
        var sample = ScoredSample(scores: [], outcomes: [], weights: [], amounts: [])
        try records.forEachBlock(threads: threads, makePart: { ScoredSample(scores: [], outcomes: [], weights: [], amounts: []) },
            record: { reader, part in
                part.outcomes.append(try columns.outcome(reader))
                part.weights!.append(try columns.weight(reader))
                if let a = try columns.amount(reader) { part.amounts!.append(a) }
            },
            scored: { _, p, count, part in part.scores.append(contentsOf: UnsafeBufferPointer(start: p, count: count)) },
            merge: { part in
                sample.scores += part.scores; sample.outcomes += part.outcomes
                sample.weights! += part.weights!; sample.amounts! += part.amounts!
            })
        if records.recordCount == 0 { throw DataError.headerOnly(file: path) }
        if !columns.weighted { sample.weights = nil }
        if columns.amount == nil { sample.amounts = nil }
        sample.inclusionColumn = columns.inclusion.map { records.header[$0] }
        return sample
    }
}

extension EvaluationData {
    /// What an evaluation cache is read under: the model it was encoded for.
    public static func cacheSignature(for model: ModelArtifact) -> String { "evaluation for model " + (model.checksum ?? "") }

    /// Encodes a labelled file once under `model`'s frozen encoding (`convert --model`): the design
    /// rows, outcomes, weights (× 1/π) and amounts, as `read` would take them, so that refitting
    /// and re-evaluating during selection does not parse the evaluation file each time. The
    /// weighting is decided here: the cache records the inclusion column (as its weight name).
    public static func writeCache(model: ModelArtifact, path: String, output: String, target: String? = nil, weight: String? = nil,
                                  amount: String? = nil, inclusion: String? = nil, format: CSVFormat = CSVFormat(),
                                  threads: Int = Parallelism.defaultThreads) throws -> (rows: Int, columns: Int) {
        let records = try ScoredRecords(model: model, path: path, format: format)
        let header = records.header
        let columns = try EvaluationColumns(model: model, records: records, path: path, target: target, weight: weight, amount: amount, inclusion: inclusion)
        let width = model.encoding.width
        struct Part { var design: [Double] = [], outcomes: [Double] = [], weights: [Double] = [], amounts: [Double] = [], lines: [Int] = [] }
        var all = Part()
        try records.forEachBlock(threads: threads, makePart: { Part() },
            record: { reader, part in
                part.outcomes.append(try columns.outcome(reader))
                part.weights.append(try columns.weight(reader))
                if let a = try columns.amount(reader) { part.amounts.append(a) }
                part.lines.append(reader.line)
            },
            scored: { x, _, count, part in part.design.append(contentsOf: UnsafeBufferPointer(start: x, count: count * width)) },
            merge: { part in
                all.design += part.design; all.outcomes += part.outcomes; all.weights += part.weights
                all.amounts += part.amounts; all.lines += part.lines
            })
        if records.recordCount == 0 { throw DataError.headerOnly(file: path) }
        let n = all.outcomes.count
        let weights = [columns.weight.map { "weight=" + header[$0] }, columns.inclusion.map { "inclusion=" + header[$0] }].compactMap { $0 }
        var data = TrainingData(design: Matrix(rows: n, columns: width, storage: all.design), target: all.outcomes,
                                weights: columns.weighted ? all.weights : nil, lines: all.lines, encoding: model.encoding,
                                targetName: header[columns.target], weightName: weights.isEmpty ? nil : weights.joined(separator: ","),
                                fingerprint: try DataFingerprint.of(file: path, rows: n))
        if let amountIndex = columns.amount { data.amounts = all.amounts; data.amountName = header[amountIndex] }
        try DesignCache.write(data, signature: cacheSignature(for: model), to: output)
        return (n, width)
    }

    /// The scored sample of an evaluation cache: X·β over the stored rows, by the scoring kernel.
    public static func readCache(model: ModelArtifact, path: String, target: String?, weight: String?, amount: String?,
                                 inclusion: String?) throws -> ScoredSample {
        let data: TrainingData
        do { data = try DesignCache.read(path, signature: cacheSignature(for: model)) } catch {
            let otherModel: Bool
            if case .invalidOption(let why) = error { otherModel = why.contains("other settings") } else { otherModel = false }
            if otherModel { throw DataError.invalidOption("\(path): this cache was not encoded for this model: 'ciblage convert --model' the labelled CSV for it") }
            throw error
        }
        // The columns were chosen when the cache was written: a different choice now would be ignored.
        var recorded: [String: String] = [:]
        for part in (data.weightName ?? "").split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { recorded[String(kv[0])] = String(kv[1]) }
        }
        let choices: [(option: String, value: String?, stored: String?)] = [("target", target, data.targetName), ("weight", weight, recorded["weight"]),
                                                                           ("amount", amount, data.amountName), ("inclusion", inclusion, recorded["inclusion"])]
        for (option, value, stored) in choices {
            if let value, value != stored {
                throw DataError.invalidOption("\(path): {\(option)} \(value): the cache was written with \(stored.map { "'\($0)'" } ?? "none"); convert the CSV again with the columns you want")
            }
        }
        let n = data.design.rows
        var scores = [Double](repeating: 0, count: n)
        data.design.storage.withUnsafeBufferPointer { x in
            model.estimates.withUnsafeBufferPointer { b in
                scores.withUnsafeMutableBufferPointer {
                    Scorer.scoreRows(x.baseAddress!, rows: n, columns: data.design.columns, coefficients: b.baseAddress!, into: $0.baseAddress!)
                }
            }
        }
        var sample = ScoredSample(scores: scores, outcomes: data.target, weights: data.weights, amounts: data.amounts)
        sample.inclusionColumn = recorded["inclusion"]
        return sample
    }
}

/// Everything `ciblage evaluate` reports, as one Codable value (the JSON output) that the HTML report renders.
public struct EvaluationReport: Codable, Sendable {
    public var model: String
    /// The evaluated model's checksum: what ties the report to a registered version.
    public var modelChecksum: String?
    public var data: String
    public var rows: Int
    public var weighted: Bool
    /// The column of inclusion probabilities the rows were weighted by (1/π), if any: a report of
    /// the labelled random stratum has one.
    public var inclusion: String?
    public var prevalence: Double
    public var metrics: [String: Interval]
    public var bootstrapReplicates: Int
    public var seed: UInt64
    public var hosmerLemeshow: HosmerLemeshow
    public var calibration: [CalibrationBin]
    public var lift: [LiftRow]
    public var topK: [TopK]
    /// ROC points, thinned to at most 400 for plotting (exact AUC is in `metrics`).
    public var roc: [ROCPoint]
    /// Score histograms by outcome over 20 equal-width bins of [0, 1].
    public var scoreHistogram: ScoreHistogram
    public var coefficients: [CoefficientEstimate]
    public var crossValidation: [Resampling.FoldResult]?

    public struct ScoreHistogram: Codable, Sendable {
        public var positives: [Double]
        public var negatives: [Double]
    }

    /// Metric names with their definitions, used for the bootstrap.
    public static func metricValues(_ s: ScoredSample, topK: [Int]) -> [String: Double] {
        var m: [String: Double] = ["auc": Metrics.auc(s), "gini": Metrics.gini(s), "ks": Metrics.ks(s),
                                   "logLoss": Metrics.logLoss(s), "brier": Metrics.brier(s)]
        for k in topK {
            let t = Metrics.topK(s, k: k)
            m["precisionAt\(k)"] = t.precision
            m["recallAt\(k)"] = t.recall
            if let c = t.eurosCaptured, let total = t.eurosTotal, total > 0 { m["euroShareAt\(k)"] = c / total }
        }
        return m
    }

    public static func make(model: ModelArtifact, modelPath: String, dataPath: String, sample: ScoredSample, topK: [Int],
                            bootstrap: Int, seed: UInt64, threads: Int, progress: ProgressHandler? = nil) -> EvaluationReport {
        let ks = topK.filter { $0 > 0 }
        let metrics = bootstrap > 0
            ? Resampling.bootstrap(sample, replicates: bootstrap, seed: seed, threads: threads, progress: progress) { metricValues($0, topK: ks) }
            : metricValues(sample, topK: ks).mapValues { Interval(estimate: $0, lower: .nan, upper: .nan) }
        let roc = Metrics.roc(sample)
        let stride = max(1, roc.count / 400)
        var thinned = Swift.stride(from: 0, to: roc.count, by: stride).map { roc[$0] }
        if thinned.last != roc.last { thinned.append(roc.last!) }
        var positives = [Double](repeating: 0, count: 20), negatives = positives
        for i in 0..<sample.count {
            let b = min(19, Int(sample.scores[i] * 20))
            if sample.outcomes[i] == 1 { positives[b] += sample.w(i) } else { negatives[b] += sample.w(i) }
        }
        var totalWeight = 0.0, events = 0.0
        for i in 0..<sample.count { totalWeight += sample.w(i); events += sample.w(i) * sample.outcomes[i] }
        return EvaluationReport(
            model: modelPath, modelChecksum: model.checksum, data: dataPath, rows: sample.count, weighted: sample.weights != nil,
            inclusion: sample.inclusionColumn, prevalence: events / totalWeight,
            metrics: metrics, bootstrapReplicates: bootstrap, seed: seed, hosmerLemeshow: Metrics.hosmerLemeshow(sample),
            calibration: Metrics.calibration(sample), lift: Metrics.lift(sample), topK: ks.map { Metrics.topK(sample, k: $0) },
            roc: thinned.map { ROCPoint(threshold: $0.threshold.isFinite ? $0.threshold : 1, falsePositiveRate: $0.falsePositiveRate, truePositiveRate: $0.truePositiveRate) },
            scoreHistogram: ScoreHistogram(positives: positives, negatives: negatives), coefficients: model.coefficients, crossValidation: nil)
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(self)
    }

    /// Reads a report written by `json()` (as `ciblage evaluate --json` does).
    public static func load(path: String) throws -> EvaluationReport {
        let data: Data
        do { data = Data(try WholeFile.bytes(path)) } catch { throw DataError.invalidOption("\(path): cannot read the file: \(error.reason)") }
        return try decode(data, source: path)
    }

    /// Decodes a report's JSON (a file's, or one uploaded to the registry); `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws -> EvaluationReport {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try d.decode(EvaluationReport.self, from: data) } catch {
            throw DataError.invalidOption("\(source): not an evaluation written by `ciblage evaluate --json` (\(error))")
        }
    }

    /// A plain-text summary for the terminal.
    public var text: String {
        var lines = ["Evaluation of \(model) on \(data): \(rows) rows\(weighted ? " (weighted)" : ""), prevalence \(String(format: "%.4f", prevalence))"]
        let ci = bootstrapReplicates > 0 ? "  [95% bootstrap CI, \(bootstrapReplicates) replicates]" : ""
        lines.append("metric                estimate\(ci)")
        for name in metrics.keys.sorted() {
            let m = metrics[name]!
            let interval = m.lower.isNaN ? "" : String(format: "  [%.4f, %.4f]", m.lower, m.upper)
            lines.append(name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%10.4f", m.estimate) + interval)
        }
        let hl = hosmerLemeshow
        lines.append(String(format: "Hosmer-Lemeshow: chi2 %.3f, df %d, p-value %.4f", hl.statistic, hl.degreesOfFreedom, hl.pValue))
        lines.append("decile  hit rate   lift   cumulative gain" + (lift.first?.cumulativeEuroShare != nil ? "   cumulative euros" : ""))
        for r in lift {
            var line = String(format: "%6d  %8.4f  %5.2f  %15.4f", r.decile, r.hitRate, r.lift, r.cumulativeGain)
            if let e = r.cumulativeEuroShare { line += String(format: "  %17.4f", e) }
            lines.append(line)
        }
        if let cv = crossValidation {
            lines.append("cross-validation (\(cv.count) stratified folds): AUC " + cv.map { String(format: "%.4f", $0.auc) }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
