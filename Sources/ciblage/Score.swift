import ArgumentParser
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

    @Option(help: "Identifier column copied to the output (default: 'id' if present, else the data row number).")
    var id: String?

    @OptionGroup var csv: CSVOptions

    func run() throws {
        let artifact = try ModelArtifact.load(from: model)
        let summary = try Scorer.score(model: artifact, input: data, output: output,
                                       options: ScoringOptions(idColumn: id, format: try csv.format()))
        print("wrote \(output): \(summary.rows) scores")
    }
}
