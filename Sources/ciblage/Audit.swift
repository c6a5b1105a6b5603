import Accountability
import ArgumentParser
import Foundation
import Workflows

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bias audit of a selection: rates by group and intersection, with bootstrap intervals, small cells suppressed.",
        discussion: """
            For each attribute (and intersection), on the selection (top-k, share, threshold or a plan's list) \
            and on the random stratum: selection rate and its ratio to the reference cell (statistical parity), \
            hit rate among the selected (predictive parity), false positive and false negative rates on the \
            random stratum, equal burden (share of wrongful controls against share of real errors), calibration \
            and score deciles. A disparity is a ratio outside [0.8, 1.25] whose 95% interval excludes 1. \
            Cells under --min-cell dossiers are suppressed, in every output. \
            Example: ciblage audit --model m.json --data population.csv --attribute parent_isole \
            --attribute nationalite --intersection parent_isole,revenu_rapport_smic --band revenu_rapport_smic=0.5,1,1.5 \
            --top-k 2000 --json audit.json --html audit.html
            """
    )

    @OptionGroup var model: ModelOptions
    @Option(help: "CSV of the audited population: model inputs, attributes, outcome (empty when not controlled).") var data: String
    @Option(help: ArgumentHelp("Attribute to audit (repeatable).", valueName: "column")) var attribute: [String] = []
    @Option(help: ArgumentHelp("Intersection of attributes, comma-separated (repeatable).", valueName: "a,b")) var intersection: [String] = []
    @Option(help: ArgumentHelp("Cut a numeric attribute into bands (repeatable).", valueName: "column=c1,c2,…")) var band: [String] = []
    @Option(help: ArgumentHelp("Reference cell of an attribute (default: the largest cell).", valueName: "column=level")) var reference: [String] = []
    @Option(help: "Select the k highest scores.") var topK: Int?
    @Option(help: "Select the highest scores, this share of the population (0–1).") var topShare: Double?
    @Option(help: "Select every score at or above this probability.") var threshold: Double?
    @Option(help: "Select the dossiers listed in this CSV's id column (a plan's selection).") var selected: String?
    @Option(help: "Outcome column (default: the model's target; with --selected it may be absent: selection rates only).") var outcome: String?
    @Option(help: ArgumentHelp("Audit only the rows whose column holds one of the values, e.g. the eligible households of an outreach campaign: who among them is left out.", valueName: "col=values"))
    var among: String?
    @Option(help: "Provenance column marking the random stratum (default: the spec's provenance column, if present).") var provenance: String?
    @Option(help: "Inclusion probability column of the random stratum: its rates are weighted by 1/π (default: the spec's inclusion column, if present).")
    var inclusion: String?
    @Option(help: "Identifier column (default: the spec's id column, else 'id').") var id: String?
    @Option(help: "Smallest cell reported; smaller cells and rates over fewer dossiers are suppressed.") var minCell: Int = 30
    @OptionGroup var resampling: BootstrapOptions
    @Option(help: "YAML list of counterfactual archetypes to re-score one edit at a time.") var archetypes: String?
    @OptionGroup var json: JSONOutputOptions
    @Option(help: "Write a self-contained HTML report here.") var html: String?
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func validate() throws { try check(try request().validate) }

    func request() throws -> AuditRequest {
        let rules: [AuditSelection?] = [topK.map(AuditSelection.topK), topShare.map(AuditSelection.topShare),
                                        threshold.map(AuditSelection.threshold), selected.map { AuditSelection.listedIn(file: $0) }]
        let given = rules.compactMap { $0 }
        guard given.count == 1 else { throw ValidationError("give exactly one selection rule: --top-k, --top-share, --threshold or --selected") }
        var bands: [String: [Double]] = [:]
        for b in band {
            let (name, value) = try pair(b, option: "--band", expected: "column=c1,c2,…")
            let cuts = value.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !cuts.isEmpty, cuts.allSatisfy({ $0 != nil && $0!.isFinite }), zip(cuts, cuts.dropFirst()).allSatisfy({ $0! < $1! }) else {
                throw ValidationError("--band \(b): expected increasing numbers after '=', e.g. revenu_rapport_smic=0.5,1,1.5")
            }
            bands[name] = cuts.map { $0! }
        }
        var references: [String: String] = [:]
        for r in reference { let (k, v) = try pair(r, option: "--reference", expected: "column=level"); references[k] = v }
        var columns = AuditColumns(attributes: attribute, intersections: intersection.map { commaList($0) ?? [] }, bands: bands,
                                   references: references, outcome: outcome, provenance: provenance, inclusion: inclusion, id: id)
        columns.among = try parseRowFilter(among, option: "--among")
        var r = AuditRequest(model: model.model, data: data, columns: columns, selection: given[0])
        r.store = model.store
        r.minimumCell = minCell
        r.bootstrap = resampling.bootstrap
        r.seed = resampling.seed
        r.archetypes = archetypes
        r.format = try csv.format()
        r.threads = threads.resolved
        r.json = json.json
        r.html = html
        return r
    }

    func run() throws {
        let request = try request()
        let report = try withProgress { try audit(request, progress: $0) }
        print(report.text, terminator: "")
        if let json = json.json { print("wrote \(json)") }
        if let html { print("wrote \(html)") }
    }
}
