import CiblageSupport

/// The label of datamining accès aux droits (unit: household): a right opened within
/// `withinMonths` months after the contact (or, for a held-out household, after the day it would
/// have been contacted), with its monthly amount.
///
/// The window is [contact day, contact day + N calendar months], both ends included; adding months
/// keeps the day of the month, clamped to the month's last day (31 January + 1 month = 28 or 29
/// February). A right opened before the contact is not caused by it and does not count; when
/// several rights open in the window, the first one's amount is the label's (the first opening is
/// what the contact led to).
public struct RightOpenedDefinition: Codable, Equatable, Sendable {
    public var withinMonths: Int
    public init(withinMonths: Int = 3) { self.withinMonths = withinMonths }

    public static let unit = AnalysisUnit.household
    public static let key = "rightOpened"

    /// The last day of the window opened by a contact on `day`.
    public func windowEnd(after day: CalendarDay) -> CalendarDay {
        let m = day.monthIndex + withinMonths
        let year = m / 12, month = m % 12 + 1
        var d = day.day
        while CalendarDay(year: year, month: month, day: d) == nil { d -= 1 }
        return CalendarDay(year: year, month: month, day: d)!
    }

    public struct Opening: Equatable, Sendable {
        public var day: CalendarDay
        public var monthlyAmount: Double
        public init(day: CalendarDay, monthlyAmount: Double) { self.day = day; self.monthlyAmount = monthlyAmount }
    }

    /// Opened (and the first opening's monthly amount) within the window after `contact`.
    public func label(contact: CalendarDay, openings: [Opening]) -> (opened: Bool, monthlyAmount: Double) {
        let end = windowEnd(after: contact)
        let inWindow = openings.filter { $0.day >= contact && $0.day <= end }
        guard let first = inWindow.min(by: { $0.day < $1.day }) else { return (false, 0) }
        return (true, first.monthlyAmount)
    }

    public struct Summary: Equatable, Sendable { public var households: Int; public var opened: Int }

    /// Reads the contacts (`foyer,date_contact[,canal][,selection]`: one row per household of the
    /// campaign, held out included, with the plan's channel and selection, `temoin` for the held out)
    /// and the rights opened (`foyer,date_ouverture,montant_mensuel`), and writes
    /// `id,canal,selection,droit_ouvert,montant_mensuel` in the order of the contacts, atomically:
    /// the input of `uplift estimate --arm selection --control temoin --stratum canal`.
    public func build(contactsPath: String, openingsPath: String, outputPath: String, format: CSVFormat = CSVFormat()) throws(DataError) -> Summary {
        guard withinMonths >= 1 && withinMonths <= 36 else { throw .invalidOption("{within} must be between 1 and 36 months, got \(withinMonths)") }
        let openings = try TargetFiles.read(openingsPath, columns: ["foyer", "date_ouverture", "montant_mensuel"], format: format) { r, path throws(DataError) in
            let amount = try r.reader.number(r.index[2])
            guard amount >= 0 else { throw .notANumber(file: path, line: r.reader.line, column: "montant_mensuel", value: r.reader.text(r.index[2]) + " (a monthly amount is ≥ 0)") }
            return (try r.id(0), Opening(day: try r.day(1), monthlyAmount: amount))
        }
        var byHousehold: [String: [Opening]] = [:]
        for (id, o) in openings { byHousehold[id, default: []].append(o) }
        let contacts = try TargetFiles.read(contactsPath, columns: ["foyer", "date_contact"], optional: ["canal", "selection"], format: format) { r, _ throws(DataError) in
            (try r.id(0), try r.day(1), try r.optional(2), try r.optional(3))
        }
        var seen = Set<String>()
        let out = try AtomicFile(path: outputPath)
        try out.write("id,canal,selection,droit_ouvert,montant_mensuel\n")
        var opened = 0
        for (k, (id, day, channel, selection)) in contacts.enumerated() {
            guard seen.insert(id).inserted else {
                throw .invalidOption("\(contactsPath), line \(k + 2): household \(id) is listed twice; one contact per household and campaign")
            }
            let l = label(contact: day, openings: byHousehold[id] ?? [])
            if l.opened { opened += 1 }
            try out.write("\(csvField(id)),\(csvField(channel)),\(csvField(selection)),\(l.opened ? 1 : 0),\(formatAmount(l.monthlyAmount))\n")
        }
        try out.commit()
        return Summary(households: contacts.count, opened: opened)
    }
}
