import ArgumentParser
import Dossiers
import Foundation
import Workflows

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a logistic risk model on a CSV of labelled dossiers and write the model artifact.",
        discussion: """
            The fit is Newton–Raphson with a Cholesky solve and a line search, run to the maximum-likelihood \
            optimum (Newton decrement ≤ 1e-10). Constant columns, exact collinearity and separation are \
            reported as errors naming the columns, levels and rows concerned; no model is written then.
            """
    )

    @OptionGroup var data: DataOptions

    @OptionGroup var encoding: EncodingOptions

    @Option(help: "L2 penalty λ: minimise −loglik + (λ/2)·Σβⱼ² over all terms but the intercept, on the columns as given (scikit-learn's C = 1/λ).")
    var l2: Double = 0

    @Option(help: "What to do if the outcomes are separated: 'fail' (error, no model) or 'stabilize' (warn, fit with --stabilize-l2).")
    var onSeparation: SeparationChoice = .fail

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

    func validate() throws {
        let request = try request()
        try check(request.validate)
    }

    func request() throws -> TrainingRequest {
        var request = TrainingRequest(data: data.data, roles: try encoding.roles())
        request.idColumn = encoding.id
        request.amountColumn = encoding.amount
        request.rowFilter = try encoding.rowFilter()
        request.fit.l2 = l2
        request.fit.onSeparation = onSeparation
        request.fit.stabilizeL2 = stabilizeL2
        request.fit.maxIterations = maxIterations
        request.fit.tolerance = tolerance
        request.proxyThreshold = proxyThreshold
        request.format = try csv.format()
        request.threads = threads.resolved
        request.output = output
        return request
    }

    func run() throws {
        let request = try request()
        let result = try withProgress { try train(request, progress: $0) }
        let model = result.model
        if let s = result.selection {
            print("rows: \(s.rowsUsed) with provenance \(s.used.joined(separator: ", "))"
                  + (s.rowsExcluded.isEmpty ? "" : "; left out: " + s.rowsExcluded.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        }
        printWarnings(of: model)
        let f = model.fit
        print("wrote \(output): \(model.coefficients.count) terms, \(f.rows) rows, "
              + "\(f.converged ? "converged" : "NOT converged") in \(f.iterations) iterations "
              + "(passes over the data: \(result.passes.hessian) with the Hessian, \(result.passes.singlePrecisionHessian) with it in single precision, \(result.passes.gradient) gradient only, \(result.passes.value) line search"
              + (result.passes.subsampleStride > 1 ? ", and \(result.passes.subsample) over a 1/\(result.passes.subsampleStride) subsample for the start" : "") + "), "
              + "log-likelihood \(f.logLikelihood), AIC \(f.aic) "
              + "(read \(format(seconds: result.readSeconds)) s, fit \(format(seconds: result.fitSeconds)) s)")
    }
}

/// What decides how a training file is encoded: the column roles (a spec, or flags), the rows used,
/// the amount. Shared by `train` and `convert`, so that a cache is written under the settings that
/// will read it.
struct EncodingOptions: ParsableArguments {
    @Option(help: "Target column: 0/1 (or true/false). Taken from the spec when --spec is given.")
    var target: String?

    @Option(help: "Feature spec (YAML) describing every column: roles, types, levels, missing values, bins, labels. Replaces the column flags.")
    var spec: String?

    @Option(help: ArgumentHelp("With --spec: use a column marked sensitive as a model input (repeatable); needs --reason. Recorded in the model.", valueName: "column"))
    var allowSensitive: [String] = []

    @Option(help: "Why the sensitive columns of --allow-sensitive are used (recorded in the model).")
    var reason: String?

    @Option(help: "With --spec: which labelled rows to train on, by provenance: 'random' (default), 'all', or a comma list of random, targeted, other.")
    var provenance: ProvenanceChoice = .random

    @Option(help: "With targeted rows: 'ipw' weights each row by 1/π (its inclusion probability); 'ignore' accepts the selection bias, with a warning in the model.")
    var selection: SelectionCorrection?

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

    @Option(help: ArgumentHelp("Only the rows whose column holds one of the values, as col=v1,v2 (e.g. the households of one channel of a randomised campaign); recorded in the model.", valueName: "col=values"))
    var only: String?

    /// `--only col=v1,v2`.
    func rowFilter() throws -> RowFilter? { try parseRowFilter(only, option: "--only") }


    func roles() throws -> ColumnRoles {
        if let spec {
            if features != nil || categorical != nil || boolean != nil || !reference.isEmpty || weight != nil {
                throw ValidationError("--spec replaces --features, --categorical, --boolean, --reference and --weight; put them in the spec")
            }
            var s = SpecRoles(path: spec)
            s.target = target
            s.provenance = provenance
            s.selection = selection
            s.allowSensitive = allowSensitive
            s.reason = reason
            return .spec(s)
        }
        guard let target else { throw ValidationError("missing --target (or give --spec)") }
        if !allowSensitive.isEmpty { throw ValidationError("--allow-sensitive needs --spec, where columns are marked sensitive") }
        var d = DeclaredRoles(target: target)
        d.features = commaList(features)
        d.categorical = commaList(categorical) ?? []
        d.boolean = commaList(boolean) ?? []
        for r in reference {
            let (column, level) = try pair(r, option: "--reference", expected: "col=level")
            d.references[column] = level
        }
        d.weight = weight
        return .declared(d)
    }
}
