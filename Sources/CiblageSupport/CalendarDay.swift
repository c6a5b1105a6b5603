import Foundation

/// A day of the calendar, as validity periods and switch dates are written (`2026-03-01`).
///
/// Why not `Date`: a model valid "until 2026-12-31" is valid all that day in France, whatever the
/// hour and the machine's time zone. Days compare as days; `today` is taken in Europe/Paris, where
/// the CAFs work.
public struct CalendarDay: Comparable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Parses `YYYY-MM-DD`; nil unless it names a real day.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m),
              (1...Self.days(inMonth: m, year: y)).contains(d) else { return nil }
        year = y; month = m; day = d
    }

    public init?(year: Int, month: Int, day: Int) {
        self.init(String(format: "%04d-%02d-%02d", year, month, day))
    }

    /// The day it is at `now` in Europe/Paris.
    public static func today(at now: Date = Date()) -> CalendarDay {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris") ?? TimeZone(secondsFromGMT: 3600)!
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return CalendarDay(year: c.year!, month: c.month!, day: c.day!)!
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// Months since January of year 0: what monthly windows count in.
    public var monthIndex: Int { year * 12 + month - 1 }

    /// The next day.
    public var next: CalendarDay {
        if day < Self.days(inMonth: month, year: year) { return CalendarDay(year: year, month: month, day: day + 1)! }
        return month == 12 ? CalendarDay(year: year + 1, month: 1, day: 1)! : CalendarDay(year: year, month: month + 1, day: 1)!
    }

    /// The day before.
    public var previous: CalendarDay {
        if day > 1 { return CalendarDay(year: year, month: month, day: day - 1)! }
        return month == 1 ? CalendarDay(year: year - 1, month: 12, day: 31)!
                          : CalendarDay(year: year, month: month - 1, day: Self.days(inMonth: month - 1, year: year))!
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    static func days(inMonth m: Int, year y: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = CalendarDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a date YYYY-MM-DD, got '\(text)'"))
        }
        self = day
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
