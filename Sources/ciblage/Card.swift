import Accountability
import ArgumentParser
import Dossiers
import Evaluation
import Foundation
import RiskModel

struct Card: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the model card (Markdown and HTML), with the public notice of CRPA L312-1-3.",
        discussion: """
            Built from the artifact and, when given, the JSON of `ciblage evaluate` and of `ciblage audit`: \
            purpose and target, training data and provenance, variables with sources and weights, performance \
            with intervals, bias results, proxies, known limits, human oversight, versions and validity, and \
            the French public notice. What is not given is written "non renseigné".
            """
    )

    @Option(help: "The model artifact (JSON).") var model: String
    @Option(help: "JSON written by `ciblage evaluate --json`.") var evaluation: String?
    @Option(help: "JSON written by `ciblage audit --json`.") var audit: String?
    @Option(help: "The body publishing the notice.") var organisation: String = "Caisse d'allocations familiales"
    @Option(help: "First day of validity (YYYY-MM-DD).") var validFrom: String?
    @Option(help: "Last day of validity (YYYY-MM-DD).") var validUntil: String?
    @Option(help: "Where the public can ask for explanations (address or URL).") var contact: String?
    @Option(help: "Markdown output.") var markdown: String?
    @Option(help: "HTML output.") var html: String?

    func run() throws {
        guard markdown != nil || html != nil else { throw ValidationError("give --markdown FILE, --html FILE, or both") }
        for (name, value) in [("--valid-from", validFrom), ("--valid-until", validUntil)] {
            if let value, value.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil {
                throw ValidationError("\(name) expects a date YYYY-MM-DD, got '\(value)'")
            }
        }
        let card = ModelCard(model: try ModelArtifact.load(from: model), modelPath: model,
                             evaluation: try evaluation.map(EvaluationReport.load), audit: try audit.map(AuditReport.load),
                             context: .init(organisation: organisation, validFrom: validFrom, validUntil: validUntil, contact: contact))
        let document = card.document
        if let markdown { try AtomicFile.write(Data(document.markdown.utf8), to: markdown); print("wrote \(markdown)") }
        if let html { try AtomicFile.write(Data(document.html.utf8), to: html); print("wrote \(html)") }
    }
}
