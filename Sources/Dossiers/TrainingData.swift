import Crypto
import LinearAlgebra

/// What the user said about the columns of a training file (the command-line flags, or later a spec).
public struct TableSpec: Sendable {
    public var target: String
    /// Input columns; nil means every column but the target, the weight and the id.
    public var features: [String]?
    public var categorical: [String]
    public var boolean: [String]
    /// Reference level per categorical column; default: the first level in sorted order.
    public var references: [String: String]
    public var weight: String?
    /// Identifier column; nil means `id` if the header has one.
    public var id: String?
    public var format: CSVFormat

    public init(target: String, features: [String]? = nil, categorical: [String] = [], boolean: [String] = [],
                references: [String: String] = [:], weight: String? = nil, id: String? = nil,
                format: CSVFormat = CSVFormat()) {
        self.target = target; self.features = features; self.categorical = categorical; self.boolean = boolean
        self.references = references; self.weight = weight; self.id = id; self.format = format
    }
}

/// Where training data came from, kept in the model artifact.
public struct DataFingerprint: Codable, Equatable, Sendable {
    public var file: String
    public var rows: Int
    public var bytes: Int
    /// SHA-256 of the file's bytes.
    public var sha256: String
}

/// A training file decoded into the design matrix X (n × p, intercept first), the 0/1 target y,
/// optional frequency weights w, and the encoding that scoring must reproduce.
public struct TrainingData: Sendable {
    public var design: Matrix
    public var target: [Double]
    public var weights: [Double]?
    /// The file line on which each row starts, for messages that name rows.
    public var lines: [Int]
    public var encoding: DesignEncoding
    public var targetName: String
    public var weightName: String?
    public var fingerprint: DataFingerprint

    public init(design: Matrix, target: [Double], weights: [Double]? = nil, lines: [Int]? = nil,
                encoding: DesignEncoding, targetName: String, weightName: String? = nil,
                fingerprint: DataFingerprint? = nil) {
        self.design = design; self.target = target; self.weights = weights
        self.lines = lines ?? (0..<design.rows).map { $0 + 2 }
        self.encoding = encoding; self.targetName = targetName; self.weightName = weightName
        self.fingerprint = fingerprint ?? DataFingerprint(file: "(memory)", rows: design.rows, bytes: 0, sha256: "")
    }

    /// Reads and encodes a CSV file in one streaming pass.
    public static func read(path: String, spec: TableSpec) throws(DataError) -> TrainingData {
        let hasher = HashBox()
        let reader = try CSVReader(path: path, format: spec.format) { hasher.update($0) }
        let header = reader.header
        func index(_ name: String) throws(DataError) -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw .unknownColumn(file: path, name: name, available: header)
            }
            return i
        }
        let targetIndex = try index(spec.target)
        let weightIndex = try spec.weight.map { (w) throws(DataError) in try index(w) }
        if let w = spec.weight, w == spec.target { throw .conflictingRoles(column: w, roles: "target and weight") }
        var idName = spec.id
        if idName == nil, header.contains("id"), spec.target != "id", spec.weight != "id",
           !(spec.features ?? []).contains("id") { idName = "id" }
        if let idName { _ = try index(idName) }
        let featureNames = spec.features ?? header.filter { $0 != spec.target && $0 != spec.weight && $0 != idName }
        var seenFeatures = Set<String>()
        for f in featureNames {
            _ = try index(f)
            if f == spec.target { throw .conflictingRoles(column: f, roles: "target and feature") }
            if f == spec.weight { throw .conflictingRoles(column: f, roles: "weight and feature") }
            if !seenFeatures.insert(f).inserted { throw .invalidOption("column '\(f)' is listed twice among the features") }
        }
        for c in spec.categorical + spec.boolean {
            _ = try index(c)
            guard seenFeatures.contains(c) else { throw .invalidOption("column '\(c)' is declared categorical or boolean but is not a feature") }
        }
        if let both = spec.categorical.first(where: spec.boolean.contains) {
            throw .conflictingRoles(column: both, roles: "categorical and boolean")
        }
        for column in spec.references.keys.sorted() where !spec.categorical.contains(column) {
            _ = try index(column)
            throw .referenceForNonCategorical(column: column)
        }
        if featureNames.isEmpty { throw .invalidOption("no feature columns: the file has only the target, weight and id") }

        // Provisional layout: intercept, then the numeric and boolean features in order. Categorical
        // codes are kept aside and expanded once their levels are known.
        let kinds: [FeatureKind] = featureNames.map {
            spec.categorical.contains($0) ? .categorical : spec.boolean.contains($0) ? .boolean : .numeric
        }
        let columns = try featureNames.map { (f) throws(DataError) in try index(f) }
        let dense = (0..<featureNames.count).filter { kinds[$0] != .categorical }
        let categorical = (0..<featureNames.count).filter { kinds[$0] == .categorical }
        let provisionalWidth = 1 + dense.count
        var storage: [Double] = []
        var y: [Double] = []
        var w: [Double] = []
        var lines: [Int] = []
        var codes = [[Int32]](repeating: [], count: categorical.count)
        var levelCodes = [[String: Int32]](repeating: [:], count: categorical.count)
        var levelNames = [[String]](repeating: [], count: categorical.count)
        var row = [Double](repeating: 1, count: provisionalWidth)
        let denseColumns = dense.map { columns[$0] }
        let denseBoolean = dense.map { kinds[$0] == .boolean }

        while try reader.next() {
            for k in 0..<denseColumns.count {
                row[k + 1] = denseBoolean[k] ? try reader.boolean(denseColumns[k]) : try reader.number(denseColumns[k])
            }
            storage.append(contentsOf: row)
            y.append(try reader.binaryTarget(targetIndex))
            if let weightIndex { w.append(try reader.weight(weightIndex)) }
            for (k, f) in categorical.enumerated() {
                let level = try reader.level(columns[f])
                if let code = levelCodes[k][level] {
                    codes[k].append(code)
                } else {
                    let code = Int32(levelNames[k].count)
                    levelCodes[k][level] = code
                    levelNames[k].append(level)
                    codes[k].append(code)
                }
            }
            lines.append(reader.line)
        }
        let n = reader.recordCount
        if n == 0 { throw .headerOnly(file: path) }

        // Freeze the categorical encodings: sorted levels, reference, code → design offset.
        var features: [FeatureEncoding] = featureNames.enumerated().map { f, name in
            FeatureEncoding(name: name, kind: kinds[f])
        }
        var remap = [[Int]](repeating: [], count: categorical.count)  // provisional code → term offset or −1
        for (k, f) in categorical.enumerated() {
            let name = featureNames[f]
            let levels = sortedLevels(levelNames[k])
            let reference = spec.references[name] ?? levels[0]
            guard levels.contains(reference) else {
                throw .unknownReferenceLevel(column: name, level: reference, known: levels)
            }
            features[f].levels = levels
            features[f].reference = reference
            let terms = levels.filter { $0 != reference }
            remap[k] = levelNames[k].map { terms.firstIndex(of: $0) ?? -1 }
        }
        let encoding = DesignEncoding(features: features)
        var design: Matrix
        if categorical.isEmpty {
            design = Matrix(rows: n, columns: provisionalWidth, storage: storage)
        } else {
            design = Matrix(rows: n, columns: encoding.width)
            var offsets: [Int] = []  // design column of each feature's first term
            var next = 1
            for feature in features { offsets.append(next); next += feature.termNames.count }
            storage.withUnsafeBufferPointer { src in
                design.storage.withUnsafeMutableBufferPointer { dst in
                    let p = encoding.width
                    for i in 0..<n {
                        let from = i * provisionalWidth, to = i * p
                        dst[to] = 1
                        for (k, f) in dense.enumerated() { dst[to + offsets[f]] = src[from + k + 1] }
                        for (k, f) in categorical.enumerated() {
                            let t = remap[k][Int(codes[k][i])]
                            if t >= 0 { dst[to + offsets[f] + t] = 1 }
                        }
                    }
                }
            }
        }
        let fingerprint = DataFingerprint(file: path, rows: n, bytes: reader.bytesRead, sha256: hasher.hexDigest())
        return TrainingData(design: design, target: y, weights: weightIndex == nil ? nil : w, lines: lines,
                            encoding: encoding, targetName: spec.target, weightName: spec.weight,
                            fingerprint: fingerprint)
    }
}

/// Accumulates a SHA-256 over the chunks a reader sees.
final class HashBox {
    private var hasher = SHA256()
    func update(_ bytes: UnsafeBufferPointer<UInt8>) { hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes)) }
    func hexDigest() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}

import Foundation
