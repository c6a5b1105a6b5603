import Accountability
import ArgumentParser
import Dossiers
import Foundation
import RiskModel

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

    @Option(help: "The model artifact (JSON).") var model: String
    @Option(help: "CSV of the audited population: model inputs, attributes, outcome (empty when not controlled).") var data: String
    @Option(help: ArgumentHelp("Attribute to audit (repeatable).", valueName: "column")) var attribute: [String] = []
    @Option(help: ArgumentHelp("Intersection of attributes, comma-separated (repeatable).", valueName: "a,b")) var intersection: [String] = []
    @Option(help: ArgumentHelp("Cut a numeric attribute into bands (repeatable).", valueName: "column=c1,c2,…")) var band: [String] = []
    @Option(help: ArgumentHelp("Reference cell of an attribute (default: the largest cell).", valueName: "column=level")) var reference: [String] = []
    @Option(help: "Select the k highest scores.") var topK: Int?
    @Option(help: "Select the highest scores, this share of the population (0–1).") var topShare: Double?
    @Option(help: "Select every score at or above this probability.") var threshold: Double?
    @Option(help: "Select the dossiers listed in this CSV's id column (a plan's selection).") var selected: String?
    @Option(help: "Outcome column (default: the model's target).") var outcome: String?
    @Option(help: "Provenance column marking the random stratum (default: the spec's provenance column, if present).") var provenance: String?
    @Option(help: "Identifier column (default: the spec's id column, else 'id').") var id: String?
    @Option(help: "Smallest cell reported; smaller cells and rates over fewer dossiers are suppressed.") var minCell: Int = 30
    @Option(help: "Bootstrap replicates.") var bootstrap: Int = 200
    @Option(help: "Bootstrap seed.") var seed: UInt64 = 1
    @Option(help: "YAML list of counterfactual archetypes to re-score one edit at a time.") var archetypes: String?
    @Option(help: "Write the results as JSON here.") var json: String?
    @Option(help: "Write a self-contained HTML report here.") var html: String?
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let rules = [topK != nil, topShare != nil, threshold != nil, selected != nil].filter { $0 }.count
        guard rules == 1 else { throw ValidationError("give exactly one selection rule: --top-k, --top-share, --threshold or --selected") }
        guard minCell >= 1 else { throw ValidationError("--min-cell must be at least 1") }
        guard bootstrap >= 0 && bootstrap <= 100_000 else { throw ValidationError("--bootstrap must be between 0 and 100000") }
        let rule: SelectionRule
        if let topK {
            guard topK > 0 else { throw ValidationError("--top-k must be positive") }
            rule = .topK(topK)
        } else if let topShare {
            guard topShare > 0 && topShare <= 1 else { throw ValidationError("--top-share must be in (0, 1]") }
            rule = .topShare(topShare)
        } else if let threshold {
            guard threshold >= 0 && threshold <= 1 else { throw ValidationError("--threshold must be a probability in [0, 1]") }
            rule = .threshold(threshold)
        } else {
            rule = .listed(try Self.identifiers(in: selected!, format: try csv.format()), source: selected!)
        }
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
        let columns = AuditColumns(attributes: attribute, intersections: intersection.map { commaList($0) ?? [] }, bands: bands,
                                   references: references, outcome: outcome, provenance: provenance, id: id)
        let artifact = try ModelArtifact.load(from: model)
        let cases = try archetypes.map { (list: try Archetype.load(path: $0), file: $0) }
        let report = try AuditReport.run(model: artifact, modelPath: model, data: data, columns: columns, rule: rule,
                                         options: .init(minimumCell: minCell, replicates: bootstrap, seed: seed, threads: try threads.resolved()),
                                         archetypes: cases, format: try csv.format())
        print(report.text, terminator: "")
        if let json { try AtomicFile.write(try report.json(), to: json); print("wrote \(json)") }
        if let html { try AtomicFile.write(Data(AuditHTML.render(report).utf8), to: html); print("wrote \(html)") }
    }

    static func identifiers(in path: String, format: CSVFormat) throws -> Set<String> {
        let reader = try CSVReader(path: path, format: format)
        guard let i = reader.header.firstIndex(of: "id") ?? reader.header.firstIndex(of: "dossier") else {
            throw DataError.unknownColumn(file: path, name: "id", available: reader.header)
        }
        var ids = Set<String>()
        while try reader.next() { ids.insert(try reader.string(i).trimmingSpaces) }
        return ids
    }
}

/// "key=value" of an option, or a message naming the option and the expected form.
func pair(_ text: String, option: String, expected: String) throws -> (String, String) {
    let parts = text.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("\(option) expects \(expected), got '\(text)'") }
    return (parts[0], parts[1])
}
