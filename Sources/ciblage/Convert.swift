import ArgumentParser
import Workflows

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode a training CSV once into a cache (.cbl) that train and select read without parsing; with --model, a labelled CSV that evaluate reads.",
        discussion: """
            Give the same column settings as the command that will read the cache (--spec and its options, \
            or the column flags; --amount for a two-part train): a cache is refused under other settings. \
            The cache holds the design matrix, target, weights, amounts and lines as aligned raw doubles, \
            with the source CSV's fingerprint (which models trained from it record) and a checksum checked \
            on every read; the proxy check's sample of the sensitive columns travels with it.

            With --model, the file is encoded under that model's frozen encoding, for 'evaluate': give the \
            evaluation's columns here (--target, --weight, --amount, --inclusion; defaults as in evaluate); \
            the cache records them and is read only for that model.
            """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var encoding: EncodingOptions
    @Option(help: "Where to write the cache (.cbl).") var output: String
    @Option(help: "Encode under this model's frozen encoding, for 'evaluate' (file, or NAME@VERSION with --store).") var model: String?
    @Option(help: "With --model: the store whose registry holds NAME@VERSION.") var store: String?
    @Option(help: "With --model: inclusion probability column (rows weighted 1/π; default: the spec's, if present).") var inclusion: String?
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func request() throws -> ConversionRequest {
        var training = TrainingRequest(data: data.data, roles: try encoding.roles())
        training.idColumn = encoding.id
        training.amountColumn = encoding.amount
        training.rowFilter = try encoding.rowFilter()
        training.format = try csv.format()
        training.threads = threads.resolved
        return ConversionRequest(training: training, output: output)
    }

    func evaluationRequest() throws -> EvaluationConversionRequest? {
        guard let model else {
            if store != nil || inclusion != nil { throw ValidationError("--store and --inclusion go with --model") }
            return nil
        }
        let e = encoding
        if e.spec != nil || e.features != nil || e.categorical != nil || e.boolean != nil || !e.reference.isEmpty || e.only != nil || !e.allowSensitive.isEmpty {
            throw ValidationError("--model encodes under the model's own encoding: --spec and the column flags do not apply (only --target, --weight, --amount, --inclusion)")
        }
        var r = EvaluationConversionRequest(model: model, data: data.data, output: output)
        r.store = store; r.target = e.target; r.weight = e.weight; r.amount = e.amount; r.inclusion = inclusion
        r.format = try csv.format()
        r.threads = threads.resolved
        return r
    }

    func validate() throws {
        if try evaluationRequest() != nil { return }
        try check(try request().training.validate)
    }

    func run() throws {
        if let evaluation = try evaluationRequest() {
            let r = try convertForEvaluation(evaluation)
            print("wrote \(output): \(r.rows) rows × \(r.columns) terms encoded for \(evaluation.model), \(r.bytes) bytes (\(format(seconds: r.seconds)) s)")
            return
        }
        let request = try request()
        let r = try withProgress { try convert(request, progress: $0) }
        print("wrote \(output): \(r.rows) rows × \(r.columns) terms, \(r.bytes) bytes (\(format(seconds: r.seconds)) s)")
    }
}
