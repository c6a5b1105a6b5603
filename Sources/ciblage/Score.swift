import ArgumentParser
import Dossiers
import Foundation
import RiskModel

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV of dossiers with a model, streaming, and write id,score.",
        discussion: """
            Rows are read, encoded with the model's frozen encoding and scored in chunks, so memory does \
            not grow with the file. An unseen categorical level or a missing column is an error naming the \
            row; the output file then is not created. Scores are the same bytes for any thread count.
            """
    )

    @Option(help: "The model artifact (JSON).")
    var model: String

    @Option(help: "CSV file of dossiers to score.")
    var data: String

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

    func validate() throws {
        guard reasons >= 0 && reasons <= 50 else { throw ValidationError("--reasons must be between 0 and 50") }
    }

    func run() throws {
        let artifact = try ModelArtifact.load(from: model)
        var idColumn = id
        if let spec, idColumn == nil { idColumn = try FeatureSpec.load(path: spec).columns(.id).first?.name }
        if idColumn == nil { idColumn = artifact.spec?.columns(.id).first?.name }
        var options = ScoringOptions(idColumn: idColumn, format: try csv.format(), reasons: reasons)
        options.threads = try threads.resolved()
        let summary = try Scorer.score(model: artifact, input: data, output: output, options: options)
        print("wrote \(output): \(summary.rows) scores")
    }
}
