/// Builds the DMDE-style label from monthly overpayment records.
///
/// Definition (defaults from the 2026 model): a dossier is positive when, within the `windowMonths`
/// months before the control month (`asOf`, excluded), it has a run of at least `minimumMonths`
/// consecutive months each with a positive overpayment (indu), whose total over the run is at least
/// `minimumAmount` EUR. Several records for the same month (overlapping periods) are added up first;
/// a month without indu breaks the run (a gap). Both bounds are inclusive: exactly 600 EUR over
/// exactly 6 months is positive. The indu and rappel amounts returned are the totals over the window.
public enum TargetBuilder {
    /// A month as an index: year·12 + (month − 1).
    public typealias Month = Int

    public struct Record: Equatable, Sendable {
        public var month: Month
        public var indu: Double
        public var rappel: Double
        public init(month: Month, indu: Double, rappel: Double = 0) { self.month = month; self.indu = indu; self.rappel = rappel }
    }

    public struct Label: Equatable, Sendable {
        public var positive: Bool
        /// Total indu and rappel within the window.
        public var indu: Double
        public var rappel: Double
        /// The longest run of consecutive months with indu, and the largest total over a qualifying-length run.
        public var longestRunMonths: Int
    }

    public static func month(year: Int, month: Int) -> Month { year * 12 + month - 1 }

    /// Parses `YYYY-MM` (or `YYYY-MM-DD`, the day ignored).
    public static func parseMonth(_ s: String) -> Month? {
        let parts = s.trimmingSpaces.split(separator: "-")
        guard parts.count == 2 || parts.count == 3, parts[0].count == 4, parts[1].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m) else { return nil }
        return month(year: y, month: m)
    }

    public static func format(_ m: Month) -> String {
        let y = m / 12, mm = m % 12 + 1
        return "\(y)-\(mm < 10 ? "0" : "")\(mm)"
    }

    public static func label(_ records: [Record], definition: TargetDefinitionSpec, asOf: Month) -> Label {
        let start = asOf - definition.windowMonths
        var indu = [Double](repeating: 0, count: max(0, definition.windowMonths))
        var rappelTotal = 0.0
        for r in records where r.month >= start && r.month < asOf {
            indu[r.month - start] += r.indu
            rappelTotal += r.rappel
        }
        var positive = false, longest = 0
        var runLength = 0
        var runStart = 0
        var prefix = [0.0]
        for v in indu { prefix.append(prefix.last! + v) }
        for (k, v) in indu.enumerated() {
            if v > 0 {
                if runLength == 0 { runStart = k }
                runLength += 1
                longest = max(longest, runLength)
                // Any window of ≥ N consecutive months inside the run may qualify; the whole run so far
                // has the largest sum of those ending here, since every month in it is positive.
                if definition.isPositive(months: runLength, amount: prefix[k + 1] - prefix[runStart]) {
                    positive = true
                }
            } else {
                runLength = 0
            }
        }
        return Label(positive: positive, indu: indu.reduce(0, +), rappel: rappelTotal, longestRunMonths: longest)
    }

    public struct Summary: Equatable, Sendable {
        public var dossiers: Int
        public var positives: Int
        public var asOf: Month
    }

    /// Reads a history CSV (`dossier,month,indu,rappel`; rappel optional), labels every dossier and
    /// writes `id,cible,montant_indu,montant_rappel` atomically, dossiers in order of first appearance.
    /// `asOf` defaults to the month after the last month in the file.
    public static func build(historyPath: String, outputPath: String, definition: TargetDefinitionSpec = TargetDefinitionSpec(),
                             asOf: Month? = nil, idColumn: String = "dossier", monthColumn: String = "mois",
                             induColumn: String = "indu", rappelColumn: String = "rappel",
                             format: CSVFormat = CSVFormat()) throws(DataError) -> Summary {
        guard definition.minimumMonths >= 1, definition.windowMonths >= definition.minimumMonths, definition.minimumAmount >= 0 else {
            throw .invalidOption("target definition: need 1 ≤ months ≤ window and amount ≥ 0")
        }
        let reader = try CSVReader(path: historyPath, format: format)
        func index(_ name: String) throws(DataError) -> Int {
            guard let i = reader.header.firstIndex(of: name) else {
                throw .unknownColumn(file: historyPath, name: name, available: reader.header)
            }
            return i
        }
        let idIndex = try index(idColumn), monthIndex = try index(monthColumn), induIndex = try index(induColumn)
        let rappelIndex = reader.header.firstIndex(of: rappelColumn)
        var order: [String] = []
        var histories: [String: [Record]] = [:]
        var lastMonth = Int.min
        while try reader.next() {
            let id = try reader.string(idIndex).trimmingSpaces
            if id.isEmpty { throw .missingValue(file: historyPath, line: reader.line, column: idColumn) }
            let text = try reader.string(monthIndex)
            guard let m = parseMonth(text) else {
                throw .notADate(file: historyPath, line: reader.line, column: monthColumn, value: text)
            }
            let indu = try reader.number(induIndex)
            let rappel = try rappelIndex.map { (i) throws(DataError) in try reader.number(i) } ?? 0
            if indu < 0 || rappel < 0 {
                throw .invalidOption("\(historyPath), line \(reader.line): indu and rappel must be ≥ 0 (got \(indu), \(rappel))")
            }
            if histories[id] == nil { order.append(id) }
            histories[id, default: []].append(Record(month: m, indu: indu, rappel: rappel))
            lastMonth = max(lastMonth, m)
        }
        if reader.recordCount == 0 { throw .headerOnly(file: historyPath) }
        let controlMonth = asOf ?? (lastMonth + 1)
        let out = try AtomicFile(path: outputPath)
        try out.write("id,cible,montant_indu,montant_rappel\n")
        var positives = 0
        for id in order {
            let l = label(histories[id]!, definition: definition, asOf: controlMonth)
            if l.positive { positives += 1 }
            try out.write("\(csvField(id)),\(l.positive ? 1 : 0),\(formatAmount(l.indu)),\(formatAmount(l.rappel))\n")
        }
        try out.commit()
        return Summary(dossiers: order.count, positives: positives, asOf: controlMonth)
    }
}

/// Euros with two decimals, without a trailing ".00" noise for whole amounts.
func formatAmount(_ v: Double) -> String {
    let cents = (v * 100).rounded()
    let whole = Int64(cents / 100), frac = Int64(abs(cents).truncatingRemainder(dividingBy: 100))
    return frac == 0 ? String(whole) : "\(whole).\(frac < 10 ? "0" : "")\(frac)"
}

import CiblageSupport
import Foundation
