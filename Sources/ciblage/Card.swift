import Accountability
import ArgumentParser
import Workflows

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

    @OptionGroup var model: ModelOptions
    @Option(help: "JSON written by `ciblage evaluate --json`.") var evaluation: String?
    @Option(help: "JSON written by `ciblage audit --json`.") var audit: String?
    @Option(help: "The body publishing the notice.") var organisation: String = "Caisse d'allocations familiales"
    @Option(help: "First day of validity (YYYY-MM-DD).") var validFrom: String?
    @Option(help: "Last day of validity (YYYY-MM-DD).") var validUntil: String?
    @Option(help: "Where the public can ask for explanations (address or URL).") var contact: String?
    @Option(help: "The registered version the card is for, NAME@VERSION: the card and the notice name the model by it ('model register' requires it).") var reference: String?
    @Option(help: "Markdown output.") var markdown: String?
    @Option(help: "HTML output.") var html: String?

    func validate() throws { try check(request().validate) }

    func request() -> CardRequest {
        var r = CardRequest(model: model.model)
        r.store = model.store
        r.evaluation = evaluation
        r.audit = audit
        r.context = ModelCard.Context(organisation: organisation, validFrom: validFrom, validUntil: validUntil, contact: contact, reference: reference)
        r.markdown = markdown
        r.html = html
        return r
    }

    func run() throws {
        _ = try writeCard(request())
        if let markdown { print("wrote \(markdown)") }
        if let html { print("wrote \(html)") }
    }
}
