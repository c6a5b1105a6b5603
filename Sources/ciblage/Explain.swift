import ArgumentParser
import Workflows

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain the score of one dossier, in French, as CRPA R311-3-1-2 requires (Markdown and JSON).",
        discussion: "Says that an algorithm contributed and how, the data used and their sources, each parameter and its weight as applied to the dossier, and the operations performed."
    )

    @OptionGroup var model: ModelOptions

    @Option(help: "CSV of dossiers holding the one to explain (the whole file is scored to give the rank).")
    var data: String

    @Option(help: "The dossier's identifier.")
    var id: String

    @Option(help: "Identifier column (default: the spec's id column, else 'id').")
    var idColumn: String?

    @Option(help: "Write the Markdown here (default: print it).")
    var output: String?

    @OptionGroup var json: JSONOutputOptions
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        var r = ExplanationRequest(model: model.model, data: data, dossier: id)
        r.store = model.store
        r.idColumn = idColumn
        r.format = try csv.format()
        r.threads = threads.resolved
        r.markdown = output
        r.json = json.json
        let explanation = try explain(r)
        if let output { print("wrote \(output)") } else { print(explanation.markdown) }
        if let json = json.json { print("wrote \(json)") }
    }
}
