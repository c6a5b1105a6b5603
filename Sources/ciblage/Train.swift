import ArgumentParser
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

    @Option(help: "Target column: 0/1 (or true/false).")
    var target: String

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
        let spec = TableSpec(target: target, features: commaList(features), categorical: commaList(categorical) ?? [],
                             boolean: commaList(boolean) ?? [], references: references, weight: weight, id: id,
                             format: try csv.format())
        let options = LogisticRegressionOptions(l2: l2, tolerance: tolerance, maxIterations: maxIterations,
                                                threads: try threads.resolved(), onSeparation: policy)
        let table = try TrainingData.read(path: data, spec: spec)
        let model = try LogisticRegression.fit(table, options: options)
        try model.write(to: output)
        for w in model.warnings { printError("warning: \(w)") }
        let f = model.fit
        print("wrote \(output): \(model.coefficients.count) terms, \(f.rows) rows, "
              + "\(f.converged ? "converged" : "NOT converged") in \(f.iterations) iterations, "
              + "log-likelihood \(f.logLikelihood), AIC \(f.aic)")
    }
}
