import CiblageSupport
import Dossiers
import Foundation
import RiskModel
import Yams

/// How the two parts' scores make the dossier's score.
public enum RoutingCombination: String, Codable, Sendable, CaseIterable {
    /// The chance of an episode in either part under a constant monthly hazard in each:
    /// 1 − (1 − p₁)^(m₁/W) · (1 − p₂)^(m₂/W), where part k has mₖ of the window's W months and pₖ is
    /// its model's probability of an episode over a whole window. A dossier entirely in one regime
    /// gets that model's score; the default.
    case exposure
    /// The larger of the two parts' scores (parts with no month left out): the cautious choice.
    case maximum
}

/// When a dossier switched to pre-filled resource declarations: its own date when the extract has
/// one, else its CAF's (the pre-series), else the national date.
public struct SwitchCalendar: Codable, Equatable, Sendable {
    /// The column of the dossier's switch month (`YYYY-MM` or `YYYY-MM-DD`); empty: not recorded.
    public var column: String
    /// The column naming the dossier's CAF, for `cafDates`.
    public var cafColumn: String?
    /// The switch month of each pre-series CAF.
    public var cafDates: [String: String]?
    /// The switch month of every other dossier.
    public var national: String

    public init(column: String, cafColumn: String? = nil, cafDates: [String: String]? = nil, national: String) {
        self.column = column; self.cafColumn = cafColumn; self.cafDates = cafDates; self.national = national
    }
}

/// A routing rule: for a cible, which registered model scores which part of a dossier's control
/// window (DMDE 2026: model 1 the months before the dossier's switch to pre-filled declarations,
/// model 2 the months after), and how the two scores combine. Read from YAML; errors name the key.
public struct RoutingRule: Codable, Equatable, Sendable {
    public var cible: String
    /// The month of the control (`YYYY-MM`): the window is the `windowMonths` months before it.
    public var controlMonth: String
    public var windowMonths: Int?
    public var switchDate: SwitchCalendar
    /// The models of the months before and after the switch: `NAME@VERSION`, `NAME@in-force`, or a file.
    public var before: String
    public var after: String
    public var combination: RoutingCombination?

    public init(cible: String, controlMonth: String, windowMonths: Int? = nil, switchDate: SwitchCalendar, before: String, after: String,
                combination: RoutingCombination? = nil) {
        self.cible = cible; self.controlMonth = controlMonth; self.windowMonths = windowMonths; self.switchDate = switchDate
        self.before = before; self.after = after; self.combination = combination
    }

    public var window: Int { windowMonths ?? 24 }
    public var combine: RoutingCombination { combination ?? .exposure }

    /// The first month of the window.
    public func windowStart() throws -> TargetBuilder.Month {
        guard let m = TargetBuilder.parseMonth(controlMonth) else { throw RoutingError(key: "controlMonth", problem: "expected YYYY-MM, got '\(controlMonth)'") }
        return m - window
    }

    public static func load(path: String) throws -> RoutingRule {
        let text: String
        do { text = try WholeFile.text(path) } catch { throw RoutingError(file: path, key: nil, problem: "cannot read the file: \(error.reason)") }
        let rule: RoutingRule
        do { rule = try YAMLDecoder().decode(RoutingRule.self, from: text) } catch {
            throw RoutingError(file: path, key: Campaign.codingPath(error), problem: Campaign.decodingProblem(error))
        }
        do { try rule.validate() } catch var e as RoutingError { e.file = path; throw e }
        return rule
    }

    public func validate() throws {
        func fail(_ key: String, _ problem: String) -> RoutingError { RoutingError(key: key, problem: problem) }
        if cible.trimmingCharacters(in: .whitespaces).isEmpty { throw fail("cible", "must not be empty") }
        _ = try windowStart()
        guard (1...120).contains(window) else { throw fail("windowMonths", "must be between 1 and 120, got \(window)") }
        if TargetBuilder.parseMonth(switchDate.national) == nil { throw fail("switchDate.national", "expected YYYY-MM, got '\(switchDate.national)'") }
        for (caf, date) in (switchDate.cafDates ?? [:]).sorted(by: { $0.key < $1.key }) where TargetBuilder.parseMonth(date) == nil {
            throw fail("switchDate.cafDates.\(caf)", "expected YYYY-MM, got '\(date)'")
        }
        if switchDate.cafDates?.isEmpty == false && switchDate.cafColumn == nil { throw fail("switchDate.cafColumn", "cafDates need the column naming the CAF") }
        if before.isEmpty { throw fail("before", "names no model") }
        if after.isEmpty { throw fail("after", "names no model") }
    }

    /// How a dossier's window splits at its switch month: months before, months after.
    public static func split(switchMonth: TargetBuilder.Month, windowStart: TargetBuilder.Month, window: Int) -> (before: Int, after: Int) {
        let before = min(window, max(0, switchMonth - windowStart))
        return (before, window - before)
    }

    /// The dossier's score from its parts' (see `RoutingCombination`).
    public static func combine(_ combination: RoutingCombination, before p1: Double, after p2: Double, split: (before: Int, after: Int)) -> Double {
        let w = Double(split.before + split.after)
        switch combination {
        case .exposure:
            // In logs: exp(f₁ log(1 − p₁) + f₂ log(1 − p₂)) is accurate for small and large p alike.
            let f1 = Double(split.before) / w, f2 = Double(split.after) / w
            let survive = (f1 > 0 ? f1 * log1p(-p1) : 0) + (f2 > 0 ? f2 * log1p(-p2) : 0)
            return -expm1(survive)
        case .maximum:
            return max(split.before > 0 ? p1 : 0, split.after > 0 ? p2 : 0)
        }
    }
}

/// A refusal of a routing rule, naming the file and the key.
public struct RoutingError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String?
    public var key: String?
    public var problem: String
    public init(file: String? = nil, key: String?, problem: String) { self.file = file; self.key = key; self.problem = problem }
    public var description: String {
        [file, key.map { "key '\($0)'" }].compactMap { $0 }.joined(separator: ", ") + (file == nil && key == nil ? "" : ": ") + problem
    }
}

/// What a routed scoring found, per regime: how many dossiers have months in it. A regime no window
/// holds any more is ready to retire (its model scores nothing).
public struct RoutedScoringSummary: Equatable, Sendable {
    public var rows: Int
    public var dossiersWithBefore: Int
    public var dossiersWithAfter: Int
    public var monthsBefore: Int
    public var monthsAfter: Int
    /// Dossiers whose switch came from the CAF calendar or the national date (the column was empty).
    public var switchFromCalendar: Int
    public init(rows: Int, dossiersWithBefore: Int, dossiersWithAfter: Int, monthsBefore: Int, monthsAfter: Int, switchFromCalendar: Int) {
        self.rows = rows; self.dossiersWithBefore = dossiersWithBefore; self.dossiersWithAfter = dossiersWithAfter
        self.monthsBefore = monthsBefore; self.monthsAfter = monthsAfter; self.switchFromCalendar = switchFromCalendar
    }
    public var beforeReadyToRetire: Bool { rows > 0 && dossiersWithBefore == 0 }
    public var afterReadyToRetire: Bool { rows > 0 && dossiersWithAfter == 0 }
}

/// Scores a file with two models, each on its part of every dossier's window, in one pass.
public enum RoutedScoring {
    /// Writes `id,score,score_avant,score_apres,mois_avant,mois_apres` atomically: the combined
    /// score and both parts' scores, kept with the dossier (the part with no month has an empty score).
    /// Same bytes for any thread count.
    public static func score(rule: RoutingRule, before: ModelArtifact, after: ModelArtifact, input: String, output: String,
                             format: CSVFormat = CSVFormat(), threads: Int = Parallelism.defaultThreads) throws -> RoutedScoringSummary {
        try rule.validate()
        let windowStart = try rule.windowStart(), window = rule.window, combination = rule.combine
        let cafMonths = (rule.switchDate.cafDates ?? [:]).compactMapValues(TargetBuilder.parseMonth)
        let national = TargetBuilder.parseMonth(rule.switchDate.national)!
        /// The columns, known once the header is read (`prepare` runs before any record).
        final class Columns { var switchDate = 0; var caf: Int? }
        let columns = Columns()
        let out = try AtomicFile(path: output)
        var total = RoutedScoringSummary(rows: 0, dossiersWithBefore: 0, dossiersWithAfter: 0, monthsBefore: 0, monthsAfter: 0, switchFromCalendar: 0)
        try PairedScoring.forEachBlock(first: before, others: [after], input: input, format: format, threads: threads,
            prepare: { header, idColumn in
                func column(_ name: String) throws -> Int {
                    guard let i = header.firstIndex(of: name) else { throw DataError.unknownColumn(file: input, name: name, available: header) }
                    return i
                }
                columns.switchDate = try column(rule.switchDate.column)
                columns.caf = try rule.switchDate.cafColumn.map(column)
                try out.write("\(csvField(idColumn)),score,score_avant,score_apres,mois_avant,mois_apres\n")
            },
            extra: { reader -> (split: (before: Int, after: Int), fromCalendar: Bool) in
                let switchIndex = columns.switchDate, cafIndex = columns.caf
                let text = try reader.string(switchIndex).trimmingCharacters(in: .whitespaces)
                if text.isEmpty {
                    let caf = try cafIndex.map { try reader.string($0).trimmingCharacters(in: .whitespaces) }
                    let month = caf.flatMap { cafMonths[$0] } ?? national
                    return (RoutingRule.split(switchMonth: month, windowStart: windowStart, window: window), true)
                }
                guard let m = TargetBuilder.parseMonth(text) else {
                    throw DataError.notADate(file: reader.file, line: reader.line, column: reader.columnName(switchIndex), value: reader.text(switchIndex))
                }
                return (RoutingRule.split(switchMonth: m, windowStart: windowStart, window: window), false)
            },
            merge: { block in
                var bytes: [UInt8] = []
                for i in block.ids.indices {
                    let s = block.extras[i].split, p1 = block.first[i], p2 = block.others[0][i]
                    let combined = RoutingRule.combine(combination, before: p1, after: p2, split: s)
                    bytes += csvField(block.ids[i]).utf8
                    bytes += ",\(combined),\(s.before > 0 ? p1.description : ""),\(s.after > 0 ? p2.description : ""),\(s.before),\(s.after)\n".utf8
                    total.rows += 1
                    if s.before > 0 { total.dossiersWithBefore += 1 }
                    if s.after > 0 { total.dossiersWithAfter += 1 }
                    total.monthsBefore += s.before; total.monthsAfter += s.after
                    if block.extras[i].fromCalendar { total.switchFromCalendar += 1 }
                }
                try out.write(bytes)
            })
        try out.commit()
        return total
    }
}
