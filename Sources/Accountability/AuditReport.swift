import CiblageSupport
import Dossiers
import Foundation
import RiskModel

/// Everything `ciblage audit` reports (its JSON output); the HTML report and the model card render it.
public struct AuditReport: Codable, Equatable, Sendable {
    public var model: String
    public var modelChecksum: String?
    public var data: String
    public var rows: Int
    public var rule: String
    public var selected: Int
    public var randomStratumRows: Int
    public var minimumCell: Int
    public var bootstrapReplicates: Int
    public var seed: UInt64
    public var notes: [String]
    public var groupings: [AuditGrouping]
    public var archetypes: [ArchetypeResult]?
    /// Every disparity found, one line each, "grouping: cell: finding".
    public var findings: [String]
    /// What a row is, in French, plural ("dossiers", "actes de traitement", "foyers"): the model's unit.
    public var unit: String?

    public init(model: String, modelChecksum: String?, data: String, table: AuditTable, rule: SelectionRule,
                options: GroupAudit.Options, groupings: [AuditGrouping], archetypes: [ArchetypeResult]?) {
        self.model = model; self.modelChecksum = modelChecksum; self.data = data
        rows = table.population.count
        self.rule = rule.description
        selected = table.population.selected.filter { $0 }.count
        randomStratumRows = zip(table.population.randomStratum, table.population.outcomes).filter { $0 && !$1.isNaN }.count
        minimumCell = options.minimumCell
        bootstrapReplicates = options.replicates
        seed = options.seed
        notes = table.notes
        self.groupings = groupings
        self.archetypes = archetypes
        findings = groupings.flatMap { g in g.groups.flatMap { c in c.findings.map { "\(g.name): \(c.level): \($0)" } } }
    }

    /// Reads, scores and audits in one call (what the CLI does).
    public static func run(model: ModelArtifact, modelPath: String, data: String, columns: AuditColumns, rule: SelectionRule,
                           options: GroupAudit.Options = .init(), archetypes: (list: [Archetype], file: String)? = nil,
                           format: CSVFormat = CSVFormat()) throws -> AuditReport {
        let table = try AuditData.read(model: model, path: data, columns: columns, rule: rule, format: format, threads: options.threads,
                                       progress: options.progress)
        let groupings = GroupAudit.run(table.population, groupings: table.groupings, options: options)
        let cases = try archetypes.map { try Archetype.evaluate($0.list, model: model, populationScores: table.population.scores, file: $0.file) }
        var report = AuditReport(model: modelPath, modelChecksum: model.checksum, data: data, table: table, rule: rule, options: options,
                                 groupings: groupings, archetypes: cases)
        report.unit = model.spec?.analysisUnit.frenchPlural
        return report
    }

    /// A plain-text summary for the terminal: the rates and ratios of every cell, then the findings.
    public var text: String {
        var out = "audit of \(rule): \(selected) of \(rows) dossiers selected; random stratum \(randomStratumRows) with known outcome\n"
        for n in notes { out += "note: \(n)\n" }
        func f(_ m: AuditMetric?) -> String { m?.value.map { String(format: "%7.3f", $0) } ?? "      -" }
        for g in groupings {
            out += "\n\(g.name) (reference \(g.reference))\n"
            let width = max(8, (g.groups.map(\.level.count).max() ?? 0) + 3)
            out += "cell".padding(toLength: width, withPad: " ", startingAt: 0) + "      n select  ratio    hit  ratio    FPR  ratio    FNR  ratio burden    O/E\n"
            for c in g.groups {
                let name = (c.level + (c.isReference ? " *" : "")).padding(toLength: width, withPad: " ", startingAt: 0)
                guard !c.suppressed else { out += name + "   suppressed (fewer than \(minimumCell) dossiers)\n"; continue }
                out += name + String(format: "%7d", c.count ?? 0)
                for m in [GroupAudit.Metric.selectionRate, .selectionRatio, .hitRate, .hitRateRatio, .falsePositiveRate, .falsePositiveRatio,
                          .falseNegativeRate, .falseNegativeRatio, .equalBurden, .calibrationRatio] { out += f(c.metrics[m.rawValue]) }
                out += "\n"
            }
        }
        out += findings.isEmpty ? "\nno disparity found\n" : "\ndisparities:\n" + findings.map { "  \($0)\n" }.joined()
        for a in archetypes ?? [] {
            out += String(format: "\narchetype %@: score %.4f, rank %d\n", a.name, a.score, a.rank)
            for v in a.variants {
                out += String(format: "  %@: %@ → %@  score %+.4f, %+d places%@\n", v.column, v.from, v.to, v.scoreChange, v.placesGained, v.isModelInput ? "" : " (not a model input)")
            }
        }
        return out
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var d = try e.encode(self)
        d.append(0x0A)
        return d
    }

    public static func load(path: String) throws -> AuditReport {
        let data: Data
        do { data = Data(try WholeFile.bytes(path)) } catch { throw AuditError.invalidFile(file: path, reason: "cannot read the file: \(error.reason)") }
        return try decode(data, source: path)
    }

    /// Decodes a report's JSON (a file's, or one uploaded to the registry); `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws -> AuditReport {
        do { return try JSONDecoder().decode(AuditReport.self, from: data) } catch {
            throw AuditError.invalidFile(file: source, reason: "not an audit report written by `ciblage audit --json`: \(error)")
        }
    }
}
