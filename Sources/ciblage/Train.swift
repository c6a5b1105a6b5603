import ArgumentParser
import Accountability
import Dossiers
import Foundation
import RiskModel

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a logistic risk model on a CSV of labelled dossiers and write the model artifact.",
        discussion: """
            The fit is Newton–Raphson with a Cholesky solve and a line search, run to the maximum-likelihood \
            optimum (Newton decrement ≤ 1e-10). Constant columns, exact collinearity and separation are \
            reported as errors naming the columns, levels and rows concerned; no model is written then.
            """
    )

    @Option(help: "CSV file of dossiers with a header row.")
    var data: String

    @Option(help: "Target column: 0/1 (or true/false). Taken from the spec when --spec is given.")
    var target: String?

    @Option(help: "Feature spec (YAML) describing every column: roles, types, levels, missing values, bins, labels. Replaces the column flags.")
    var spec: String?

    @Option(help: ArgumentHelp("With --spec: use a column marked sensitive as a model input (repeatable); needs --reason. Recorded in the model.", valueName: "column"))
    var allowSensitive: [String] = []

    @Option(help: "Why the sensitive columns of --allow-sensitive are used (recorded in the model).")
    var reason: String?

    @Option(help: "With --spec: which labelled rows to train on, by provenance: 'random' (default), 'all', or a comma list of random, targeted, other.")
    var provenance: String = "random"

    @Option(help: "With targeted rows: 'ipw' weights each row by 1/π (its inclusion probability); 'ignore' accepts the selection bias, with a warning in the model.")
    var selection: String?

    @Option(help: "Comma-separated feature columns (default: every column but the target, weight and id).")
    var features: String?

    @Option(help: "Comma-separated categorical columns, one-hot encoded against a reference level.")
    var categorical: String?

    @Option(help: "Comma-separated boolean columns (0/1, true/false, yes/no, oui/non, vrai/faux).")
    var boolean: String?

    @Option(help: ArgumentHelp("Reference level of a categorical column, as col=level (repeatable; default: the first level in sorted order).", valueName: "col=level"))
    var reference: [String] = []

    @Option(help: "Column of frequency weights (≥ 0): weight 2 counts like the row twice.")
    var weight: String?

    @Option(help: "Amount column (euros of indu found): also fit the severity model, log(amount) by least squares over the positive rows with Duan's smearing, so that scores carry expected amounts and expected values.")
    var amount: String?

    @Option(help: "Identifier column (default: 'id' if present); never used as a feature.")
    var id: String?

    @Option(help: "L2 penalty λ: minimise −loglik + (λ/2)·Σβⱼ² over all terms but the intercept, on the columns as given (scikit-learn's C = 1/λ).")
    var l2: Double = 0

    @Option(help: "What to do if the outcomes are separated: 'fail' (error, no model) or 'stabilize' (warn, fit with --stabilize-l2).")
    var onSeparation: String = "fail"

    @Option(help: "L2 penalty used by --on-separation stabilize.")
    var stabilizeL2: Double = 1

    @Option(help: "Maximum number of Newton iterations.")
    var maxIterations: Int = 100

    @Option(help: "Convergence tolerance on the Newton decrement and on max|gradient|/Σw.")
    var tolerance: Double = 1e-10

    @Option(help: "Proxy check: flag inputs whose one-variable AUC for predicting a sensitive column (of the spec, present in the data) reaches this value.")
    var proxyThreshold: Double = 0.7

    @Option(help: "Where to write the model artifact (JSON).")
    var output: String

    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        var references: [String: String] = [:]
        for r in reference {
            let parts = r.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--reference expects col=level, got '\(r)'")
            }
            references[parts[0]] = parts[1]
        }
        let policy: SeparationPolicy
        switch onSeparation {
        case "fail": policy = .fail
        case "stabilize", "stabilise": policy = .stabilize(l2: stabilizeL2)
        default: throw ValidationError("--on-separation must be 'fail' or 'stabilize', got '\(onSeparation)'")
        }
        var table: TableSpec
        if let specPath = spec {
            let featureSpec = try FeatureSpec.load(path: specPath)
            if features != nil || categorical != nil || boolean != nil || !reference.isEmpty || weight != nil {
                throw ValidationError("--spec replaces --features, --categorical, --boolean, --reference and --weight; put them in the spec")
            }
            if let target, target != featureSpec.columns(.target).first?.name {
                throw ValidationError("--target \(target) differs from the spec's target column '\(featureSpec.columns(.target).first?.name ?? "none")'")
            }
            var use = Set<LabelProvenance>()
            for name in provenance == "all" ? ["random", "targeted", "other"] : commaList(provenance) ?? [] {
                guard let p = LabelProvenance(rawValue: name) else {
                    throw ValidationError("--provenance takes 'random', 'all' or a comma list of random, targeted, other; got '\(name)'")
                }
                use.insert(p)
            }
            guard !use.isEmpty else { throw ValidationError("--provenance selects no rows") }
            var weighting = ProvenanceSelection.Weighting.none
            switch selection {
            case nil where use.contains(.targeted) && featureSpec.columns(.provenance).first != nil:
                throw ValidationError("targeted rows were selected by a model or a rule, so their labels are biased: choose --selection ipw (weights 1/π) or --selection ignore (accept the bias; recorded as a warning in the model)")
            case "ipw": weighting = .inverseProbability
            case "ignore", nil: weighting = .none
            default: throw ValidationError("--selection must be 'ipw' or 'ignore', got '\(selection!)'")
            }
            if !allowSensitive.isEmpty && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--allow-sensitive needs --reason TEXT: the override is recorded in the model")
            }
            let allowed = Dictionary(uniqueKeysWithValues: allowSensitive.map { ($0, reason ?? "") })
            var t = try TableSpec(spec: featureSpec, allowSensitive: allowed, format: try csv.format(), provenanceUse: use, weighting: weighting)
            if let id { t.id = id }
            t.amount = amount
            table = t
        } else {
            guard let target else { throw ValidationError("missing --target (or give --spec)") }
            if !allowSensitive.isEmpty { throw ValidationError("--allow-sensitive needs --spec, where columns are marked sensitive") }
            var t = TableSpec(target: target, features: commaList(features), categorical: commaList(categorical) ?? [],
                              boolean: commaList(boolean) ?? [], references: references, weight: weight, id: id,
                              format: try csv.format())
            t.amount = amount
            table = t
        }
        let options = LogisticRegressionOptions(l2: l2, tolerance: tolerance, maxIterations: maxIterations,
                                                threads: try threads.resolved(), onSeparation: policy)
        let clock = ContinuousClock()
        let readStart = clock.now
        table.threads = options.threads
        let trainingData = try TrainingData.read(path: data, spec: table)
        let fitStart = clock.now
        var model = try LogisticRegression.fit(trainingData, options: options)
        let fitEnd = clock.now
        guard proxyThreshold > 0.5 && proxyThreshold <= 1 else { throw ValidationError("--proxy-threshold must be in (0.5, 1]") }
        model.proxyCheck = try ProxyDetection.run(data: trainingData, path: data, format: try csv.format(), threshold: proxyThreshold)
        if let s = trainingData.selection {
            print("rows: \(s.rowsUsed) with provenance \(s.used.joined(separator: ", "))"
                  + (s.rowsExcluded.isEmpty ? "" : "; left out: " + s.rowsExcluded.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        }
        try model.write(to: output)
        for w in model.warnings { printError("warning: \(w)") }
        for p in model.proxyCheck?.flagged ?? [] {
            printError(String(format: "warning: proxy: %@ predicts %@=%@ with AUC %.3f (threshold %.2f); see the model card", p.input, p.attribute, p.level, p.auc, proxyThreshold))
        }
        let f = model.fit
        print("wrote \(output): \(model.coefficients.count) terms, \(f.rows) rows, "
              + "\(f.converged ? "converged" : "NOT converged") in \(f.iterations) iterations, "
              + "log-likelihood \(f.logLikelihood), AIC \(f.aic) "
              + "(read \(seconds(fitStart - readStart)) s, fit \(seconds(fitEnd - fitStart)) s)")
    }
}

func seconds(_ d: Duration) -> String { String(format: "%.2f", Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) }
