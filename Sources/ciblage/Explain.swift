import ArgumentParser
import Dossiers
import Foundation
import RiskModel

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain the score of one dossier, in French, as CRPA R311-3-1-2 requires (Markdown and JSON).",
        discussion: "Says that an algorithm contributed and how, the data used and their sources, each parameter and its weight as applied to the dossier, and the operations performed."
    )

    @Option(help: "The model artifact (JSON).")
    var model: String

    @Option(help: "CSV of dossiers holding the one to explain (the whole file is scored to give the rank).")
    var data: String

    @Option(help: "The dossier's identifier.")
    var id: String

    @Option(help: "Identifier column (default: the spec's id column, else 'id').")
    var idColumn: String?

    @Option(help: "Write the Markdown here (default: print it).")
    var output: String?

    @Option(help: "Also write the explanation as JSON here.")
    var json: String?

    @OptionGroup var csv: CSVOptions

    func run() throws {
        let artifact = try ModelArtifact.load(from: model)
        let explanation = try Explanation.make(model: artifact, modelPath: model, dataPath: data, id: id, idColumn: idColumn, format: try csv.format())
        if let output { try AtomicFile.write(Data(explanation.markdown.utf8), to: output); print("wrote \(output)") } else { print(explanation.markdown) }
        if let json { try AtomicFile.write(try explanation.json(), to: json); print("wrote \(json)") }
    }
}
