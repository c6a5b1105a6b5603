import CiblageSupport
import Foundation
import Yams

/// What a column is for.
public enum ColumnRole: String, Codable, Sendable, CaseIterable {
    case id, feature, target, amount, weight, provenance, inclusion, sensitive, period, sector, ignore
    /// A pseudonymous agent id (datamining métier): never a model input unless overridden with a
    /// recorded reason, like a sensitive attribute, and never a grouping of a report.
    case agent
}

/// What one row of a cible's table is: the unit its target, model, evaluation, audit and queue count in.
public enum AnalysisUnit: String, Codable, Sendable, CaseIterable {
    /// A dossier over a control window (datamining données entrantes: DMDE).
    case dossierPeriod = "dossier-period"
    /// A processing act, a liquidation verified or not (datamining métier).
    case processingAct = "processing-act"
    /// A household, recipient or not (datamining accès aux droits).
    case household

    /// The unit in French, plural, for reports ("dossiers", "actes de traitement", "foyers").
    public var frenchPlural: String {
        switch self {
        case .dossierPeriod: "dossiers"
        case .processingAct: "actes de traitement"
        case .household: "foyers"
        }
    }

    /// The unit in English, plural, for the command line's messages.
    public var englishPlural: String {
        switch self {
        case .dossierPeriod: "dossiers"
        case .processingAct: "processing acts"
        case .household: "households"
        }
    }
}

/// How a column's text is read.
public enum ColumnType: String, Codable, Sendable, CaseIterable {
    case numeric, boolean, categorical
    /// ISO 8601 `YYYY-MM-DD` (or `YYYY-MM`, taken as the first of the month), encoded as days since 1970-01-01.
    case date
}

/// A number of a spec, written so that it reads back as the same Double.
///
/// Yams writes a Double without an exponent through a 15-digit `NumberFormatter`, so a cut point or
/// an imputed value of 16 or 17 significant digits came back changed after `yaml()` (found by the
/// fuzzing harnesses' round trip: 0.7777777777777772 was read back as 0.777777777777777). Swift's
/// `description` is the shortest text that reads back exactly. Other encoders see a plain Double.
struct ExactNumber: Encodable, YAMLEncodable {
    var value: Double
    init(_ value: Double) { self.value = value }

    func box() -> Node { value.isFinite ? Node(value.description, Tag(.float)) : value.box() }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

/// What to do with an empty field (or NA, null…).
public enum MissingPolicy: Codable, Equatable, Sendable {
    /// An error naming the file, line and column (the default).
    case refuse
    /// Categorical columns: the missing value becomes a level of its own with this name.
    case level(String)
    /// Numeric, boolean and date columns: the missing value is replaced by this number.
    case value(Double)

    private enum Keys: String, CodingKey { case level, value }

    public init(from decoder: Decoder) throws {
        if let s = try? decoder.singleValueContainer().decode(String.self) {
            guard s == "refuse" else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected 'refuse', {level: NAME} or {value: NUMBER}, got '\(s)'"))
            }
            self = .refuse
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        if let l = try c.decodeIfPresent(String.self, forKey: .level) { self = .level(l); return }
        if let v = try c.decodeIfPresent(Double.self, forKey: .value) { self = .value(v); return }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected 'refuse', {level: NAME} or {value: NUMBER}"))
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .refuse: var c = encoder.singleValueContainer(); try c.encode("refuse")
        case .level(let l): var c = encoder.container(keyedBy: Keys.self); try c.encode(l, forKey: .level)
        case .value(let v): var c = encoder.container(keyedBy: Keys.self); try c.encode(ExactNumber(v), forKey: .value)
        }
    }
}

/// Cutting a numeric column into intervals that enter the model as categorical levels.
public enum Binning: Codable, Equatable, Sendable {
    /// Fixed interior cut points, increasing: k cuts make k + 1 bins [−∞, c₁), [c₁, c₂), …, [c_k, +∞).
    case cuts([Double])
    /// k bins at the sample quantiles, computed once at training time and frozen in the model.
    case quantiles(Int)

    private enum Keys: String, CodingKey { case cuts, quantiles }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if let cuts = try c.decodeIfPresent([Double].self, forKey: .cuts) { self = .cuts(cuts); return }
        if let q = try c.decodeIfPresent(Int.self, forKey: .quantiles) { self = .quantiles(q); return }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected {cuts: [numbers]} or {quantiles: K}"))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .cuts(let v): try c.encode(v.map(ExactNumber.init), forKey: .cuts)
        case .quantiles(let k): try c.encode(k, forKey: .quantiles)
        }
    }
}

/// One column of a dossier table.
public struct ColumnSpec: Codable, Equatable, Sendable {
    public var name: String
    public var role: ColumnRole
    public var type: ColumnType?
    /// Allowed categorical levels; a level outside this list is an error naming the row.
    public var levels: [String]?
    public var reference: String?
    public var missing: MissingPolicy?
    public var bins: Binning?
    /// French label shown in reason codes and explanations.
    public var label: String?
    /// Where the variable comes from (for explanations under CRPA R311-3-1-2).
    public var source: String?

    public init(name: String, role: ColumnRole, type: ColumnType? = nil, levels: [String]? = nil, reference: String? = nil,
                missing: MissingPolicy? = nil, bins: Binning? = nil, label: String? = nil, source: String? = nil) {
        self.name = name; self.role = role; self.type = type; self.levels = levels; self.reference = reference
        self.missing = missing; self.bins = bins; self.label = label; self.source = source
    }
}

/// The DMDE-style label definition: an overpayment of at least `minimumAmount` EUR lasting at least
/// `minimumMonths` consecutive months within a `windowMonths` look-back.
public struct TargetDefinitionSpec: Codable, Equatable, Sendable {
    public var minimumAmount: Double
    public var minimumMonths: Int
    public var windowMonths: Int
    public init(minimumAmount: Double = 600, minimumMonths: Int = 6, windowMonths: Int = 24) {
        self.minimumAmount = minimumAmount; self.minimumMonths = minimumMonths; self.windowMonths = windowMonths
    }

    private enum CodingKeys: String, CodingKey { case minimumAmount, minimumMonths, windowMonths }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ExactNumber(minimumAmount), forKey: .minimumAmount)
        try c.encode(minimumMonths, forKey: .minimumMonths)
        try c.encode(windowMonths, forKey: .windowMonths)
    }

    /// The one statement of the rule: an overpayment that lasted `months` consecutive months and
    /// totals `amount` EUR over them is a positive label. Both bounds are inclusive (600 EUR over
    /// exactly 6 months is positive); the 1e-9 EUR slack absorbs the rounding of sums of cents.
    /// The target builder applies it to runs of monthly records, `queue export` to what a
    /// controller recorded at close.
    public func isPositive(months: Int, amount: Double) -> Bool {
        months >= minimumMonths && amount >= minimumAmount - 1e-9
    }
}

/// A feature spec: the description of a dossier table, one entry per column (YAML on disk, embedded
/// in every model trained with it).
public struct FeatureSpec: Codable, Equatable, Sendable {
    public var name: String
    /// What a row is; absent: a dossier over a control window (the DMDE table).
    public var unit: AnalysisUnit?
    public var description: String?
    /// The label's definition, one key per kind (Targets/): `targetDefinition` for the DMDE
    /// overpayment of a dossier-period, `rightOpened` for a household, `rejet` for a processing act.
    public var targetDefinition: TargetDefinitionSpec?
    public var rightOpened: RightOpenedDefinition?
    public var rejet: RejetDefinition?
    public var columns: [ColumnSpec]

    /// The spec's target definitions: key, the unit it labels, whether the spec declares it.
    /// Adding a definition: a file in Targets/ and a line here.
    public var targetDefinitions: [(key: String, unit: AnalysisUnit, declared: Bool)] {
        [("targetDefinition", .dossierPeriod, targetDefinition != nil),
         (RightOpenedDefinition.key, RightOpenedDefinition.unit, rightOpened != nil),
         (RejetDefinition.key, RejetDefinition.unit, rejet != nil)]
    }

    public init(name: String, unit: AnalysisUnit? = nil, description: String? = nil, targetDefinition: TargetDefinitionSpec? = nil, columns: [ColumnSpec]) {
        self.name = name; self.unit = unit; self.description = description; self.targetDefinition = targetDefinition; self.columns = columns
    }

    public var analysisUnit: AnalysisUnit { unit ?? .dossierPeriod }

    public func column(_ name: String) -> ColumnSpec? { columns.first { $0.name == name } }
    public func columns(_ role: ColumnRole) -> [ColumnSpec] { columns.filter { $0.role == role } }

    /// Reads and validates a YAML spec; every problem names the file and the column or key.
    public static func load(path: String) throws(DataError) -> FeatureSpec {
        let text: String
        do { text = try WholeFile.text(path) } catch {
            throw .cannotOpen(file: path, reason: error.reason)
        }
        let spec: FeatureSpec
        do { spec = try YAMLDecoder().decode(FeatureSpec.self, from: text) } catch {
            throw .invalidSpec(file: path, problem: describe(error))
        }
        try spec.validate(file: path)
        return spec
    }

    public func yaml() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        encoder.options.width = -1
        return try encoder.encode(self)
    }

    public func validate(file: String) throws(DataError) {
        func fail(_ s: String) -> DataError { .invalidSpec(file: file, problem: s) }
        var seen = Set<String>()
        for c in columns {
            guard !c.name.isEmpty else { throw fail("a column has an empty name") }
            guard seen.insert(c.name).inserted else { throw fail("column '\(c.name)' is described twice") }
            let type = c.type ?? .numeric
            if c.levels != nil && type != .categorical { throw fail("column '\(c.name)': levels are only for categorical columns") }
            if let r = c.reference {
                guard type == .categorical || c.bins != nil else { throw fail("column '\(c.name)': a reference level needs a categorical or binned column") }
                if let levels = c.levels, !levels.contains(r) { throw fail("column '\(c.name)': reference '\(r)' is not among its levels \(levels)") }
            }
            if let levels = c.levels, Set(levels).count != levels.count { throw fail("column '\(c.name)': a level is listed twice") }
            switch c.missing {
            case .level? where type != .categorical: throw fail("column '\(c.name)': missing: {level: …} is only for categorical columns")
            case .value(let v)? where type == .categorical || !v.isFinite: throw fail("column '\(c.name)': missing: {value: …} needs a numeric, boolean or date column and a finite number")
            default: break
            }
            if let bins = c.bins {
                guard type == .numeric || type == .date else { throw fail("column '\(c.name)': bins are only for numeric or date columns") }
                switch bins {
                case .cuts(let cuts):
                    guard !cuts.isEmpty, zip(cuts, cuts.dropFirst()).allSatisfy({ $0 < $1 }), cuts.allSatisfy(\.isFinite) else {
                        throw fail("column '\(c.name)': bins.cuts must be finite and strictly increasing")
                    }
                case .quantiles(let k):
                    guard k >= 2 && k <= 100 else { throw fail("column '\(c.name)': bins.quantiles must be between 2 and 100") }
                }
            }
        }
        let declared = targetDefinitions.filter(\.declared)
        if declared.count > 1 { throw fail("keys \(declared.map { "'\($0.key)'" }.joined(separator: " and ")) both define the target; keep the one of the unit '\(analysisUnit.rawValue)'") }
        if let d = declared.first, d.unit != analysisUnit {
            throw fail("key '\(d.key)' defines the target of a \(d.unit.rawValue) and the spec's unit is '\(analysisUnit.rawValue)'\(unit == nil ? " (the default)" : ""): set unit: \(d.unit.rawValue), or use the key \(targetDefinitions.first { $0.unit == analysisUnit }.map { "'\($0.key)'" } ?? "of that unit")")
        }
        if let w = rightOpened?.withinMonths, !(1...36).contains(w) { throw fail("key 'rightOpened.withinMonths' must be between 1 and 36, got \(w)") }
        if let m = rejet?.minimumImpact, !(m >= 0 && m.isFinite) { throw fail("key 'rejet.minimumImpact' must be a finite amount ≥ 0, got \(m)") }
        let targets = columns(.target)
        guard targets.count <= 1 else { throw fail("more than one column has role target: \(targets.map(\.name).joined(separator: ", "))") }
        for role in [ColumnRole.id, .weight, .provenance, .inclusion, .amount] where columns(role).count > 1 {
            throw fail("more than one column has role \(role.rawValue)")
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx): return "missing key '\(path(ctx.codingPath + [key]))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type at '\(path(ctx.codingPath))'"
        case DecodingError.dataCorrupted(let ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        default: return "not valid YAML: \(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
}
