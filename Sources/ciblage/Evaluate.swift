import ArgumentParser
import Workflows

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model on labelled dossiers: AUC, Gini, KS, log-loss, Brier, Hosmer-Lemeshow, calibration, lift, gains, top-k.",
        discussion: """
            Every metric is weighted when a weight column or inclusion probabilities are given (the spec's \
            inclusion column is used when the file has it), so that outcomes of targeted controls are evaluated \
            by inverse probability weighting. Bootstrap confidence intervals are seeded and reproducible.
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions

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

    @OptionGroup var resampling: BootstrapOptions

    @Option(help: "Also cross-validate the model's specification on this data with K stratified folds.")
    var cv: Int?

    @Option(help: "Write a self-contained HTML report (inline SVG charts) here.")
    var report: String?

    @OptionGroup var json: JSONOutputOptions
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func validate() throws { try check(try request().validate) }

    func request() throws -> EvaluationRequest {
        var r = EvaluationRequest(model: model.model, data: data.data)
        r.store = model.store
        r.target = target
        r.weight = weight
        r.amount = amount
        r.inclusion = inclusion
        r.topK = []
        for t in commaList(topK) ?? [] {
            guard let k = Int(t), k > 0 else { throw ValidationError("--top-k takes positive whole numbers, got '\(t)'") }
            r.topK.append(k)
        }
        r.bootstrap = resampling.bootstrap
        r.seed = resampling.seed
        r.crossValidationFolds = cv
        r.format = try csv.format()
        r.threads = threads.resolved
        r.json = json.json
        r.html = report
        return r
    }

    func run() throws {
        let request = try request()
        let result = try withProgress { try evaluate(request, progress: $0) }
        print(result.text, terminator: "")
        if let json = json.json { print("wrote \(json)") }
        if let report { print("wrote \(report)") }
    }
}
