import CiblageSupport
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

/// How the audited selection is made.
public enum SelectionRule: Sendable, Equatable {
    /// The k highest scores.
    case topK(Int)
    /// The highest scores, this share of the population.
    case topShare(Double)
    /// Every score at or above the threshold.
    case threshold(Double)
    /// The dossiers whose identifiers are listed (a plan's selection).
    case listed(Set<String>, source: String)

    public var description: String {
        switch self {
        case .topK(let k): return "the \(k) highest scores"
        case .topShare(let s): return String(format: "the top %.2f%% of scores", 100 * s)
        case .threshold(let t): return String(format: "scores ≥ %.4f", t)
        case .listed(let ids, let source): return "the \(ids.count) dossiers listed in \(source)"
        }
    }
}

/// Which columns the audit reads from the population file.
public struct AuditColumns: Sendable {
    /// Attributes to audit one by one (sensitive columns, or any column).
    public var attributes: [String]
    /// Intersections, each a list of attributes (e.g. ["parent_isole", "revenu_rapport_smic"]).
    public var intersections: [[String]]
    /// Numeric attributes cut into bands at these points (a band is [a, b)).
    public var bands: [String: [Double]]
    /// Reference cell per attribute (default: the largest cell).
    public var references: [String: String]
    /// Outcome column (default: the model's target): 1, 0, or empty when not controlled.
    public var outcome: String?
    /// Provenance column and the value that marks the random stratum. When the file has no such
    /// column, every row with a known outcome counts as random stratum (true of a simulated population).
    public var provenance: String?
    public var randomValue: String
    /// Inclusion probability π of each random-stratum dossier in the draw (default: the spec's
    /// inclusion column, if the file has it). A stratified draw (the PBDF's) has unequal π, and
    /// rates over the stratum are then estimated with weights 1/π (Horvitz–Thompson); without the
    /// column the stratum is taken as an equal-probability draw, and a note says so.
    public var inclusion: String?
    /// Identifier column, to match a plan's list and name dossiers.
    public var id: String?
    /// Audit only the rows whose column holds one of these values: the eligible households of an
    /// outreach campaign (`--among eligible=1`), to see who among them is left out.
    public var among: RowFilter?

    public init(attributes: [String], intersections: [[String]] = [], bands: [String: [Double]] = [:], references: [String: String] = [:],
                outcome: String? = nil, provenance: String? = nil, randomValue: String = "random", inclusion: String? = nil, id: String? = nil) {
        self.attributes = attributes; self.intersections = intersections; self.bands = bands; self.references = references
        self.outcome = outcome; self.provenance = provenance; self.randomValue = randomValue; self.inclusion = inclusion; self.id = id
    }
}

/// A population file read and scored for the audit.
public struct AuditTable: Sendable {
    public var population: AuditPopulation
    public var groupings: [Grouping]
    /// Human-readable notes on how the file was read (e.g. how the random stratum was taken).
    public var notes: [String]
}

public enum AuditData {
    /// Scores `path` with `model`, applies `rule`, and builds one grouping per attribute and intersection.
    public static func read(model: ModelArtifact, path: String, columns: AuditColumns, rule: SelectionRule,
                            format: CSVFormat = CSVFormat(), threads: Int = Parallelism.defaultThreads,
                            progress: ProgressHandler? = nil) throws -> AuditTable {
        let records = try ScoredRecords(model: model, path: path, format: format)
        records.progress = progress
        let header = records.header
        let wanted = columns.attributes + columns.intersections.flatMap { $0 }
        var attributeNames: [String] = []
        for a in wanted where !attributeNames.contains(a) { attributeNames.append(a) }
        guard !attributeNames.isEmpty else { throw AuditError.noAttribute }
        // Results are reported by theme, never by named agent (datamining métier).
        if let agent = attributeNames.first(where: { model.spec?.column($0)?.role == .agent }) { throw AuditError.agentGrouping(agent) }
        let attributeIndex = try attributeNames.map(records.column)
        for b in columns.bands.keys where !attributeNames.contains(b) { throw AuditError.bandWithoutAttribute(b) }
        // A plan's list needs no outcome (who is selected is the question): without the column,
        // every outcome is unknown and only shares and selection rates are reported.
        let outcomeIndex: Int?
        if case .listed = rule, columns.outcome == nil, !header.contains(model.target.column) { outcomeIndex = nil } else {
            outcomeIndex = try records.column(columns.outcome ?? model.target.column)
        }
        let amongIndex = try columns.among.map { try records.column($0.column) }
        let amongValues = columns.among?.values ?? []
        let provenanceName = columns.provenance ?? model.spec?.columns(.provenance).first?.name
        let provenanceIndex: Int? = try columns.provenance.map(records.column) ?? provenanceName.flatMap { header.firstIndex(of: $0) }
        let inclusionName = columns.inclusion ?? model.spec?.columns(.inclusion).first?.name
        let inclusionIndex: Int? = try columns.inclusion.map(records.column) ?? inclusionName.flatMap { header.firstIndex(of: $0) }
        var notes: [String] = []
        let idName = records.identifierColumn(columns.id)
        var idIndex = header.firstIndex(of: idName)
        if case .listed = rule, idIndex == nil { idIndex = try records.column(idName) }

        /// What the audit keeps of each record.
        struct Part {
            var scores: [Double] = [], outcomes: [Double] = [], random: [Bool] = [], listed: [Bool] = [], weights: [Double] = []
            var text: [[String]]
        }
        let bands = columns.bands, randomValue = columns.randomValue
        var all = Part(text: Array(repeating: [], count: attributeNames.count))
        let include: ((CSVReader) throws -> Bool)? = amongIndex.map { index in { reader in amongValues.contains(try reader.string(index).trimmingSpaces) } }
        try records.forEachBlock(threads: threads, include: include, makePart: { Part(text: Array(repeating: [], count: attributeNames.count)) },
            record: { reader, part in
                let y: Double = try outcomeIndex.map { reader.isBlank($0) ? .nan : try reader.binaryTarget($0) } ?? .nan
                part.outcomes.append(y)
                let random: Bool
                if let provenanceIndex { random = try reader.string(provenanceIndex).trimmingSpaces == randomValue } else { random = !y.isNaN }
                part.random.append(random)
                if let inclusionIndex {
                    // Only the random stratum's π is used (and checked): other rows were not drawn.
                    var weight = 1.0
                    if random && !y.isNaN {
                        let pi = try reader.number(inclusionIndex)
                        guard pi > 0 && pi <= 1 else {
                            throw DataError.invalidInclusionProbability(file: path, line: reader.line, column: header[inclusionIndex],
                                                                         value: reader.text(inclusionIndex))
                        }
                        weight = 1 / pi
                    }
                    part.weights.append(weight)
                }
                for (k, name) in attributeNames.enumerated() {
                    if let cuts = bands[name] {
                        if reader.isBlank(attributeIndex[k]) { part.text[k].append("NA"); continue }
                        part.text[k].append(band(try reader.number(attributeIndex[k]), cuts: cuts))
                    } else {
                        let s = try reader.string(attributeIndex[k]).trimmingSpaces
                        part.text[k].append(s.isEmpty ? "NA" : s)
                    }
                }
                if case .listed(let ids, _) = rule { part.listed.append(ids.contains(try reader.string(idIndex!).trimmingSpaces)) }
            },
            scored: { _, p, count, part in part.scores.append(contentsOf: UnsafeBufferPointer(start: p, count: count)) },
            merge: { part in
                all.scores += part.scores; all.outcomes += part.outcomes; all.random += part.random; all.listed += part.listed
                all.weights += part.weights
                for k in all.text.indices { all.text[k] += part.text[k] }
            })
        if records.recordCount == 0 { throw DataError.headerOnly(file: path) }
        if let among = columns.among {
            guard !all.scores.isEmpty else {
                throw DataError.noRowsSelected(file: path, reason: "no row has \(among.column) in {\(among.values.sorted().joined(separator: ", "))}")
            }
            notes.append("audited population: the \(all.scores.count) rows of \(records.recordCount) whose \(among.column) is \(among.values.sorted().joined(separator: " or "))")
        }
        if outcomeIndex == nil {
            notes.append("no outcome column (\(model.target.column)) in the file: shares and selection rates only")
        }
        let scores = all.scores, outcomes = all.outcomes, random = all.random, listed = all.listed, text = all.text
        // Without outcomes there is no random stratum to describe.
        if outcomeIndex != nil && provenanceIndex == nil {
            notes.append("no provenance column: every row with a known outcome is taken as the random stratum (right for a simulated population, not for real controls)")
        }
        if outcomeIndex == nil {
        } else if let inclusionIndex {
            notes.append("random stratum weighted by 1/π, π from column \(header[inclusionIndex]): rates are estimates for the whole population, whatever the draw's strata")
        } else {
            notes.append("no inclusion probability column: the random stratum is taken as an equal-probability draw; a stratified draw (unequal π) needs {inclusion}, or its rates are those of the sample, not of the population")
        }
        let selected: [Bool]
        switch rule {
        case .topK(let k): selected = AuditPopulation.topK(scores, k)
        case .topShare(let s): selected = AuditPopulation.topK(scores, Int((s * Double(scores.count)).rounded()))
        case .threshold(let t): selected = scores.map { $0 >= t }
        case .listed(let ids, let source):
            selected = listed
            let found = listed.filter { $0 }.count
            if found < ids.count {
                notes.append("\(ids.count - found) of the \(ids.count) listed in \(source) are not in \(path)"
                             + (columns.among.map { " or do not have \($0.column) \($0.values.sorted().joined(separator: " or ")) (outside the audited population)" } ?? ""))
            }
        }

        var single: [String: Grouping] = [:]
        for (k, name) in attributeNames.enumerated() {
            let levels = orderedLevels(Set(text[k]), cuts: columns.bands[name])
            let code = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
            var reference: Int?
            if let r = columns.references[name] {
                guard let i = levels.firstIndex(of: r) else { throw AuditError.unknownReference(attribute: name, level: r, levels: levels) }
                reference = i
            }
            single[name] = Grouping(name: name, levels: levels, codes: text[k].map { code[$0]! }, reference: reference)
        }
        let groupings = columns.attributes.map { single[$0]! } + columns.intersections.map { Grouping.intersection($0.map { single[$0]! }) }
        for g in groupings where !zip(g.codes, selected).contains(where: { $0 == g.reference && $1 }) {
            notes.append("\(g.name): the reference cell \(g.levels[g.reference]) has no selected dossier, so ratios to it are undefined; choose another with {reference}")
        }
        return AuditTable(population: AuditPopulation(scores: scores, selected: selected, outcomes: outcomes, randomStratum: random,
                                                      randomWeights: inclusionIndex == nil ? nil : all.weights),
                          groupings: groupings, notes: notes)
    }

    /// "[a, b)" label of a value's band.
    static func band(_ v: Double, cuts: [Double]) -> String {
        let k = cuts.firstIndex { v < $0 } ?? cuts.count
        func f(_ x: Double) -> String { x == x.rounded() ? String(format: "%.0f", x) : String(format: "%g", x) }
        if k == 0 { return "< \(f(cuts[0]))" }
        if k == cuts.count { return "≥ \(f(cuts[k - 1]))" }
        return "[\(f(cuts[k - 1])), \(f(cuts[k])))"
    }

    /// Bands in numeric order, other levels sorted, "NA" last.
    static func orderedLevels(_ levels: Set<String>, cuts: [Double]?) -> [String] {
        if let cuts {
            let all = (0...cuts.count).map { band(($0 == 0 ? cuts[0] - 1 : cuts[$0 - 1]), cuts: cuts) }
            return all.filter(levels.contains) + (levels.contains("NA") ? ["NA"] : [])
        }
        return levels.filter { $0 != "NA" }.sorted() + (levels.contains("NA") ? ["NA"] : [])
    }
}

public enum AuditError: ParameterNamingError, Equatable {
    case noAttribute
    case bandWithoutAttribute(String)
    case unknownReference(attribute: String, level: String, levels: [String])
    case invalidFile(file: String, reason: String)
    case agentGrouping(String)

    public var template: String {
        switch self {
        case .noAttribute: return "no attribute to audit: give {attribute} (a sensitive column such as parent_isole) or {intersection}"
        case .bandWithoutAttribute(let b): return "{band} \(b): \(b) is not among the audited attributes or intersections"
        case .unknownReference(let a, let l, let levels): return "{reference} \(a)=\(l): no such cell; the cells are \(levels.joined(separator: ", "))"
        case .invalidFile(let file, let reason): return "\(file): \(reason)"
        case .agentGrouping(let a): return "{attribute} \(a): an agent id is never a grouping of a report: results are by theme (prestation, kind of event), and agents stay pseudonymous"
        }
    }
}
