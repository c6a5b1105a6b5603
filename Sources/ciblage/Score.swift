import ArgumentParser
import Workflows

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV of dossiers with a model, streaming, and write id,score.",
        discussion: """
            Rows are read, encoded with the model's frozen encoding and scored in chunks, so memory does \
            not grow with the file. An unseen categorical level or a missing column is an error naming the \
            row; the output file then is not created. Scores are the same bytes for any thread count.
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions

    @Option(help: "Where to write the scores (CSV: id,score).")
    var output: String

    @Option(help: "Identifier column copied to the output (default: the spec's id column, else 'id' if present, else the data row number).")
    var id: String?

    @Option(help: "Feature spec (YAML) of the file to score; its id column is used. The model's own frozen encoding always applies.")
    var spec: String?

    @Option(help: "Add the K reasons that raise each score most: columns raison_k (the spec's French label) and contribution_k (on the logit scale, relative to the training population).")
    var reasons: Int = 0

    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func validate() throws { try check(try request().validate) }

    func request() throws -> ScoringRequest {
        var r = ScoringRequest(model: model.model, data: data.data, output: output)
        r.store = model.store
        r.idColumn = id
        r.spec = spec
        r.reasons = reasons
        r.format = try csv.format()
        r.threads = threads.resolved
        return r
    }

    func run() throws {
        let request = try request()
        let summary = try withProgress { try score(request, progress: $0) }
        print("wrote \(output): \(summary.rows) scores")
    }
}
