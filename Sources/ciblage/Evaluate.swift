import ArgumentParser
import Dossiers
import Evaluation
import Foundation
import RiskModel

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model on labelled dossiers: AUC, Gini, KS, log-loss, Brier, Hosmer-Lemeshow, calibration, lift, gains, top-k.",
        discussion: """
            Every metric is weighted when a weight column or inclusion probabilities are given (the spec's \
            inclusion column is used when the file has it), so that outcomes of targeted controls are evaluated \
            by inverse probability weighting. Bootstrap confidence intervals are seeded and reproducible.
            """
    )

    @Option(help: "The model artifact (JSON).")
    var model: String

    @Option(help: "Labelled CSV of dossiers.")
    var data: String

    @Option(help: "Target column (default: the model's).")
    var target: String?

    @Option(help: "Weight column.")
    var weight: String?

    @Option(help: "Amount column (euros) for euro capture (default: the spec's amount column, if present).")
    var amount: String?

    @Option(help: "Inclusion probability column: rows are weighted by 1/π (default: the spec's inclusion column, if present).")
    var inclusion: String?

    @Option(help: "Comma-separated k for precision, recall and euros captured among the k highest scores.")
    var topK: String = "100,500,1000"

    @Option(help: "Bootstrap replicates for the confidence intervals (0: none).")
    var bootstrap: Int = 200

    @Option(help: "Seed of the bootstrap and of the cross-validation folds.")
    var seed: UInt64 = 1

    @Option(help: "Also cross-validate the model's specification on this data with K stratified folds.")
    var cv: Int?

    @Option(help: "Write a self-contained HTML report (inline SVG charts) here.")
    var report: String?

    @Option(help: "Write all results as JSON here.")
    var json: String?

    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let artifact = try ModelArtifact.load(from: model)
        var ks: [Int] = []
        for t in commaList(topK) ?? [] {
            guard let k = Int(t), k > 0 else { throw ValidationError("--top-k takes positive whole numbers, got '\(t)'") }
            ks.append(k)
        }
        guard bootstrap >= 0 && bootstrap <= 100_000 else { throw ValidationError("--bootstrap must be between 0 and 100000") }
        let sample = try EvaluationData.read(model: artifact, path: data, target: target, weight: weight, amount: amount,
                                             inclusion: inclusion, format: try csv.format())
        var result = EvaluationReport.make(model: artifact, modelPath: model, dataPath: data, sample: sample, topK: ks,
                                           bootstrap: bootstrap, seed: seed, threads: try threads.resolved())
        if let cv {
            let table = try artifact.tableSpec(format: try csv.format())
            let training = try TrainingData.read(path: data, spec: table)
            result.crossValidation = try Resampling.crossValidate(training, folds: cv, seed: seed,
                                                                  options: LogisticRegressionOptions(l2: artifact.fit.penalty.lambda))
        }
        print(result.text, terminator: "")
        if let json { try AtomicFile.write(try result.json(), to: json); print("wrote \(json)") }
        if let report { try AtomicFile.write(Data(HTMLReport.render(result).utf8), to: report); print("wrote \(report)") }
    }
}
