/// How a column enters the design matrix.
public enum FeatureKind: String, Codable, Sendable, CaseIterable {
    /// One term: the value as given.
    case numeric
    /// One term: 1 for true, 0 for false.
    case boolean
    /// Treatment (dummy) coding: one 0/1 term per level except the reference level.
    case categorical
}

/// The frozen encoding of one input column, stored in the model so scoring rebuilds the same matrix.
public struct FeatureEncoding: Codable, Equatable, Sendable {
    public var name: String
    public var kind: FeatureKind
    /// All levels seen in training, in design order (categorical only).
    public var levels: [String]?
    /// The level absorbed by the intercept (categorical only).
    public var reference: String?
    /// How the raw text is read: numeric (default), boolean or date.
    public var valueType: ColumnType?
    /// Interior cut points of a binned numeric or date column (then `kind` is categorical and the
    /// levels are the interval labels), frozen at training time.
    public var cuts: [Double]?
    /// The missing-value policy (nil: refuse).
    public var missing: MissingPolicy?

    public init(name: String, kind: FeatureKind, levels: [String]? = nil, reference: String? = nil,
                valueType: ColumnType? = nil, cuts: [Double]? = nil, missing: MissingPolicy? = nil) {
        self.name = name; self.kind = kind; self.levels = levels; self.reference = reference
        self.valueType = valueType; self.cuts = cuts; self.missing = missing
    }

    /// Bin index of a value: i such that cuts[i-1] ≤ v < cuts[i].
    public static func bin(_ v: Double, cuts: [Double]) -> Int {
        var lo = 0, hi = cuts.count
        while lo < hi { let mid = (lo + hi) / 2; if v < cuts[mid] { hi = mid } else { lo = mid + 1 } }
        return lo
    }

    /// Interval labels for k cuts: "<c1", "[c1, c2)", …, ">=ck".
    public static func binLabels(cuts: [Double]) -> [String] {
        func f(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }
        var labels = ["<\(f(cuts[0]))"]
        for k in 1..<max(1, cuts.count) { labels.append("[\(f(cuts[k - 1])), \(f(cuts[k])))") }
        labels.append(">=\(f(cuts[cuts.count - 1]))")
        return labels
    }

    /// Term names, patsy style: `col` for a numeric or boolean column, `col[T.level]` per non-reference level.
    public var termNames: [String] {
        switch kind {
        case .numeric, .boolean: [name]
        case .categorical: (levels ?? []).filter { $0 != reference }.map { "\(name)[T.\($0)]" }
        }
    }
}

/// The map from input columns to the columns of the design matrix: `Intercept` first, then each
/// feature's terms in feature order.
public struct DesignEncoding: Codable, Equatable, Sendable {
    public var features: [FeatureEncoding]

    public init(features: [FeatureEncoding]) { self.features = features }

    public var termNames: [String] { ["Intercept"] + features.flatMap(\.termNames) }
    public var width: Int { 1 + features.reduce(0) { $0 + $1.termNames.count } }

    /// The design columns of each feature, in feature order: column 0 is the intercept, then each
    /// feature's terms follow one another. The one statement of the column layout.
    public var termRanges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(features.count)
        var next = 1
        for f in features {
            let w = f.termNames.count
            ranges.append(next..<(next + w))
            next += w
        }
        return ranges
    }

    /// Refuses a file whose header lacks an input column, before any output is started.
    public func checkColumns(in header: [String], file: String) throws(DataError) {
        for feature in features where !header.contains(feature.name) { throw .missingColumn(file: file, name: feature.name) }
    }

}

/// Sorts categorical levels as R and patsy do: numerically when every level is a number, else by
/// Unicode code points.
public func sortedLevels(_ levels: [String]) -> [String] {
    let numbers = levels.map { Double($0) }
    if numbers.allSatisfy({ $0 != nil }) {
        return zip(levels, numbers).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
    }
    return levels.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
}
