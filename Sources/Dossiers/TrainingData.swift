import CiblageSupport
import Crypto
import Foundation
import LinearAlgebra

/// Where a label comes from (DOMAIN.md, "Consequences for the design" §1).
public enum LabelProvenance: String, Codable, Sendable, CaseIterable {
    /// Drawn at random (PBDF-like survey): unbiased for the population.
    case random
    /// Selected by a model or a rule: biased unless weighted by its inclusion probability.
    case targeted
    case other
}

/// Which labelled rows to train on, and how to correct for the way they were selected.
public struct ProvenanceSelection: Sendable, Equatable {
    public enum Weighting: String, Sendable, Codable { case none, inverseProbability = "inverse-probability" }
    public var column: String
    public var use: Set<LabelProvenance>
    /// Column of inclusion probabilities π ∈ (0, 1]; with `.inverseProbability` each row's weight is w/π.
    public var inclusionColumn: String?
    public var weighting: Weighting

    public init(column: String, use: Set<LabelProvenance> = [.random], inclusionColumn: String? = nil, weighting: Weighting = .none) {
        self.column = column; self.use = use; self.inclusionColumn = inclusionColumn; self.weighting = weighting
    }
}

/// What the row selection did, kept in the model so that nobody has to guess what it was trained on.
public struct SelectionSummary: Codable, Equatable, Sendable {
    public var provenanceColumn: String
    public var used: [String]
    public var rowsUsed: Int
    public var rowsExcluded: [String: Int]
    public var weighting: String
    public var note: String

    /// Targeted rows were used without inverse-probability weights: the estimates carry the bias of
    /// the selection that labelled them.
    public var carriesSelectionBias: Bool {
        used.contains(LabelProvenance.targeted.rawValue) && weighting == ProvenanceSelection.Weighting.none.rawValue
    }
}

/// The sensitive columns' values of a subsample of training rows (`ProxyDetection.sample`): what the
/// proxy check reads from the CSV, kept in a training cache.
public struct SensitiveSample: Codable, Equatable, Sendable {
    public var attributes: [String]
    /// Row indices into the design matrix.
    public var rows: [Int]
    /// Per row, the attributes' values.
    public var values: [[String]]
    public init(attributes: [String], rows: [Int], values: [[String]]) { self.attributes = attributes; self.rows = rows; self.values = values }
}

/// Only the rows whose `column` holds one of `values` (e.g. the households of one outreach channel,
/// or the held-out ones, of a randomised campaign).
public struct RowFilter: Sendable, Equatable {
    public var column: String
    public var values: Set<String>
    public init(column: String, values: Set<String>) { self.column = column; self.values = values }
}

/// A sensitive column used as a model input by explicit override.
public struct SensitiveOverride: Codable, Equatable, Sendable {
    public var column: String
    public var reason: String
}

/// What the user said about the columns of a training file: the command-line flags, or a feature spec.
public struct TableSpec: Sendable {
    public var target: String
    /// Input columns; nil means every column but the target, the weight and the id.
    public var features: [String]?
    public var categorical: [String]
    public var boolean: [String]
    public var dates: [String]
    /// Reference level per categorical (or binned) column; default: the first level in sorted order.
    public var references: [String: String]
    public var weight: String?
    /// Identifier column; nil means `id` if the header has one.
    public var id: String?
    public var format: CSVFormat
    public var missing: [String: MissingPolicy]
    public var bins: [String: Binning]
    /// Declared levels of categorical columns: any other level is an error.
    public var declaredLevels: [String: [String]]
    public var provenance: ProvenanceSelection?
    /// Rows kept by their value in a column; nil: all.
    public var rowFilter: RowFilter?
    /// The spec these settings came from, embedded in the model.
    public var featureSpec: FeatureSpec?
    public var sensitiveOverrides: [SensitiveOverride]
    /// Amount column (euros of indu found) for the severity part of the two-part model.
    public var amount: String?
    /// Workers parsing the file (the result is the same for any number).
    public var threads: Int = Parallelism.defaultThreads
    /// Bytes of the file per block handed to a worker.
    public var blockBytes: Int = 1 << 20
    /// Told the bytes read.
    public var progress: ProgressHandler?

    public init(target: String, features: [String]? = nil, categorical: [String] = [], boolean: [String] = [],
                dates: [String] = [], references: [String: String] = [:], weight: String? = nil, id: String? = nil,
                format: CSVFormat = CSVFormat(), missing: [String: MissingPolicy] = [:], bins: [String: Binning] = [:],
                declaredLevels: [String: [String]] = [:], provenance: ProvenanceSelection? = nil) {
        self.target = target; self.features = features; self.categorical = categorical; self.boolean = boolean
        self.dates = dates; self.references = references; self.weight = weight; self.id = id; self.format = format
        self.missing = missing; self.bins = bins; self.declaredLevels = declaredLevels; self.provenance = provenance
        featureSpec = nil
        sensitiveOverrides = []
        amount = nil
    }

    /// The settings a feature spec implies. Sensitive columns stay out of the model unless named in
    /// `allowSensitive` (column → reason), which is recorded in the model.
    public init(spec: FeatureSpec, allowSensitive: [String: String] = [:], format: CSVFormat = CSVFormat(),
                provenanceUse: Set<LabelProvenance> = [.random], weighting: ProvenanceSelection.Weighting = .none) throws(DataError) {
        guard let target = spec.columns(.target).first else { throw .invalidSpec(file: spec.name, problem: "no column has role target") }
        for column in allowSensitive.keys.sorted() {
            guard let c = spec.column(column) else { throw .invalidOption("{allowSensitive} \(column): the spec has no such column") }
            guard c.role == .sensitive || c.role == .agent else {
                throw .invalidOption("{allowSensitive} \(column): the column is not marked sensitive or agent (role \(c.role.rawValue))")
            }
            guard let reason = allowSensitive[column], !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .sensitiveFeature(column: column)
            }
        }
        let inputs = spec.columns.filter { $0.role == .feature || ([.sensitive, .agent].contains($0.role) && allowSensitive[$0.name] != nil) }
        self.init(target: target.name, features: inputs.map(\.name), weight: spec.columns(.weight).first?.name,
                  id: spec.columns(.id).first?.name, format: format)
        for c in inputs {
            switch c.type ?? .numeric {
            case .categorical: categorical.append(c.name)
            case .boolean: boolean.append(c.name)
            case .date: dates.append(c.name)
            case .numeric: break
            }
            if let r = c.reference { references[c.name] = r }
            if let m = c.missing { missing[c.name] = m }
            if let b = c.bins { bins[c.name] = b }
            if let l = c.levels { declaredLevels[c.name] = l }
        }
        if let p = spec.columns(.provenance).first {
            provenance = ProvenanceSelection(column: p.name, use: provenanceUse, inclusionColumn: spec.columns(.inclusion).first?.name,
                                             weighting: weighting)
        }
        featureSpec = spec
        sensitiveOverrides = allowSensitive.keys.sorted().map { SensitiveOverride(column: $0, reason: allowSensitive[$0]!) }
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
    public var featureSpec: FeatureSpec?
    public var sensitiveOverrides: [SensitiveOverride]
    public var selection: SelectionSummary?
    /// Amounts of the amount column (0 where the target is 0), when the spec names one.
    public var amounts: [Double]?
    public var amountName: String?
    /// Set when read from a cache: the proxy check's sample, so that it needs no CSV.
    public var sensitiveSample: SensitiveSample?

    public init(design: Matrix, target: [Double], weights: [Double]? = nil, lines: [Int]? = nil,
                encoding: DesignEncoding, targetName: String, weightName: String? = nil,
                fingerprint: DataFingerprint? = nil) {
        self.design = design; self.target = target; self.weights = weights
        self.lines = lines ?? (0..<design.rows).map { $0 + 2 }
        self.encoding = encoding; self.targetName = targetName; self.weightName = weightName
        self.fingerprint = fingerprint ?? DataFingerprint(file: "(memory)", rows: design.rows, bytes: 0, sha256: "")
        featureSpec = nil
        sensitiveOverrides = []
        selection = nil
        amounts = nil
        amountName = nil
    }

    /// Reads and encodes a CSV file in one streaming pass.
    public static func read(path: String, spec: TableSpec) throws(DataError) -> TrainingData {
        let hasher = HashBox()
        let reader = try CSVBlockReader(path: path, format: spec.format, blockSize: spec.blockBytes) { hasher.update($0) }
        reader.progress = spec.progress
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
        let amountIndex = try spec.amount.map { (a) throws(DataError) in try index(a) }
        if let a = spec.amount, (spec.features ?? []).contains(a) { throw .conflictingRoles(column: a, roles: "amount and feature") }
        let reserved = Set([spec.target, spec.weight, idName, spec.provenance?.column, spec.provenance?.inclusionColumn, spec.amount].compactMap { $0 })
        let featureNames = spec.features ?? header.filter { !reserved.contains($0) }
        var seenFeatures = Set<String>()
        for f in featureNames {
            _ = try index(f)
            if f == spec.target { throw .conflictingRoles(column: f, roles: "target and feature") }
            if f == spec.weight { throw .conflictingRoles(column: f, roles: "weight and feature") }
            if !seenFeatures.insert(f).inserted { throw .invalidOption("column '\(f)' is listed twice among the features") }
        }
        for c in spec.categorical + spec.boolean + spec.dates {
            _ = try index(c)
            guard seenFeatures.contains(c) else { throw .invalidOption("column '\(c)' is declared categorical, boolean or date but is not a feature") }
        }
        if let both = spec.categorical.first(where: spec.boolean.contains) {
            throw .conflictingRoles(column: both, roles: "categorical and boolean")
        }
        for column in spec.references.keys.sorted() where !spec.categorical.contains(column) && spec.bins[column] == nil {
            _ = try index(column)
            throw .referenceForNonCategorical(column: column)
        }
        if featureNames.isEmpty { throw .invalidOption("no feature columns: the file has only the target, weight and id") }
        let provenanceIndex = try spec.provenance.map { (p) throws(DataError) in try index(p.column) }
        let filterIndex = try spec.rowFilter.map { (f) throws(DataError) in try index(f.column) }
        if let f = spec.rowFilter, featureNames.contains(f.column) { throw .conflictingRoles(column: f.column, roles: "row filter and feature") }
        let inclusionIndex = try spec.provenance?.inclusionColumn.map { (c) throws(DataError) in try index(c) }
        let ipw = spec.provenance?.weighting == .inverseProbability
        if ipw && inclusionIndex == nil {
            throw .invalidOption("inverse-probability weighting needs a column with role inclusion (inclusion probabilities)")
        }

        // Provisional layout: intercept, then the numeric, boolean, date and binned features in order.
        // Categorical codes are kept aside and expanded once their levels are known.
        let kinds: [FeatureKind] = featureNames.map {
            spec.categorical.contains($0) ? .categorical : spec.boolean.contains($0) ? .boolean : .numeric
        }
        let valueTypes: [ColumnType] = featureNames.map {
            spec.categorical.contains($0) ? .categorical : spec.boolean.contains($0) ? .boolean : spec.dates.contains($0) ? .date : .numeric
        }
        let columns = try featureNames.map { (f) throws(DataError) in try index(f) }
        let dense = (0..<featureNames.count).filter { kinds[$0] != .categorical }
        let categorical = (0..<featureNames.count).filter { kinds[$0] == .categorical }
        let provisionalWidth = 1 + dense.count
        let denseColumns = dense.map { columns[$0] }
        let denseTypes = dense.map { valueTypes[$0] }
        let denseMissing = dense.map { spec.missing[featureNames[$0]] }
        let categoricalMissing = categorical.map { spec.missing[featureNames[$0]] }
        let declared = categorical.map { spec.declaredLevels[featureNames[$0]].map(Set.init) }
        let weighted = weightIndex != nil || ipw
        let categoricalColumns = categorical.map { columns[$0] }
        let categoricalNames = categorical.map { featureNames[$0] }

        // Blocks of records are parsed in parallel (CSVBlockReader); each block's rows and its own
        // level codes are merged in file order, so the result does not depend on the thread count.
        // The dense rows go straight into the matrix's storage when every record becomes a row (no
        // provenance or row filter): a block may write its rows from the row index `lines before the
        // block` on, an upper bound of the rows before it, so that blocks parsed at the same time
        // never overlap; the merge, in file order, moves a block's rows down only when blank lines
        // or multi-line records left a gap. Rows past the estimated capacity go to the block's own
        // array and are appended at the end. This saves a copy of the matrix and the page faults of
        // the blocks' arrays.
        let placementRows = spec.provenance == nil && spec.rowFilter == nil ? reader.estimatedDataLines() : 0
        let firstDataLine = reader.firstDataLine
        var tail: [Double] = []
        var y: [Double] = []
        var w: [Double] = []
        var lines: [Int] = []
        var amounts: [Double] = []
        var codes = [[Int32]](repeating: [], count: categorical.count)
        var levelCodes = [[String: Int32]](repeating: [:], count: categorical.count)
        var levelNames = [[String]](repeating: [], count: categorical.count)
        var excluded: [String: Int] = [:]
        /// Sizes the arrays for the whole file from its first block, so that they never grow: an
        /// array that doubles holds its old and new buffers at once, up to twice the design matrix
        /// (train's peak was 1.7× the matrix). The estimate is generous (+25%): capacity never
        /// written is never resident.
        func reserveForTheWholeFile(_ first: TrainingBlock) {
            guard reader.fileSize > 0, !first.y.isEmpty else { return }
            let rows = Int(1.25 * Double(reader.fileSize) * Double(first.y.count) / Double(max(1, spec.blockBytes))) + 1
            if placementRows == 0 { tail.reserveCapacity(rows * provisionalWidth) }
            y.reserveCapacity(rows)
            lines.reserveCapacity(rows)
            if weighted { w.reserveCapacity(rows) }
            if amountIndex != nil { amounts.reserveCapacity(rows) }
            for k in 0..<categorical.count { codes[k].reserveCapacity(rows) }
        }
        // The numbers converted as records are tokenised (CSVReader.next(numbers:into:)): numeric
        // features into their row slot, then the target, amount, weight and inclusion after the row.
        // NaN there means: decode with the general code (policies, spellings, errors).
        let targetSlot = provisionalWidth, amountSlot = provisionalWidth + 1
        let weightSlot = provisionalWidth + 2, inclusionSlot = provisionalWidth + 3
        var destinations: [Int: Int] = [targetIndex: targetSlot]
        for k in denseColumns.indices where denseTypes[k] == .numeric || denseTypes[k] == .boolean { destinations[denseColumns[k]] = k + 1 }
        if let amountIndex { destinations[amountIndex] = amountSlot }
        if let weightIndex { destinations[weightIndex] = weightSlot }
        if ipw, let inclusionIndex { destinations[inclusionIndex] = inclusionSlot }
        let numbers = NumberColumns(fieldCount: header.count, destinations: destinations)
        var placement = UncheckedSendable<UnsafeMutablePointer<Double>?>(nil)
        let parse = { (reader: CSVReader) throws(DataError) -> TrainingBlock in
            var part = TrainingBlock(categories: categorical.count)
            part.base = reader.startLine - firstDataLine
            let placed = placement.value
            var buffer = [Double](repeating: 1, count: provisionalWidth + 4)
            try buffer.withUnsafeMutableBufferPointer { (slots) throws(DataError) in
                let out = slots.baseAddress!
                let row = UnsafeBufferPointer(start: out, count: provisionalWidth)
                while try reader.next(numbers: numbers, into: out) {
                    if let provenanceIndex, let selection = spec.provenance {
                        let text = try reader.string(provenanceIndex).trimmingSpaces
                        guard let provenance = LabelProvenance(rawValue: text) else {
                            throw .invalidProvenance(file: path, line: reader.line, column: selection.column, value: text)
                        }
                        if !selection.use.contains(provenance) { part.excluded[provenance.rawValue, default: 0] += 1; continue }
                    }
                    if let filterIndex, let filter = spec.rowFilter {
                        let text = try reader.string(filterIndex).trimmingSpaces
                        if !filter.values.contains(text) { part.excluded["\(filter.column)=\(text)", default: 0] += 1; continue }
                    }
                    for k in 0..<denseColumns.count {
                        let v = out[k + 1]
                        switch denseTypes[k] {
                        case .numeric where !v.isNaN: continue
                        case .boolean where reader.isPlainBoolean(denseColumns[k], converted: v): continue
                        default: out[k + 1] = try reader.value(denseColumns[k], type: denseTypes[k], missing: denseMissing[k])
                        }
                    }
                    if let placed, part.base + part.placedRows < placementRows {
                        (placed + (part.base + part.placedRows) * provisionalWidth).update(from: out, count: provisionalWidth)
                        part.placedRows += 1
                    } else {
                        part.storage.append(contentsOf: row)
                    }
                    let target = out[targetSlot]
                    part.y.append(target == 0 || target == 1 ? target : try reader.binaryTarget(targetIndex))
                    if let amountIndex {
                        let a = out[amountSlot]
                        part.amounts.append(a >= 0 ? a : try reader.weight(amountIndex))
                    }
                    if weighted {
                        var wi = 1.0
                        if let weightIndex {
                            let v = out[weightSlot]
                            wi = v >= 0 ? v : try reader.weight(weightIndex)
                        }
                        if ipw, let inclusionIndex {
                            let v = out[inclusionSlot]
                            let pi = v >= 0 ? v : try reader.weight(inclusionIndex)
                            guard pi > 0 && pi <= 1 else {
                                throw .invalidInclusionProbability(file: path, line: reader.line, column: reader.columnName(inclusionIndex), value: reader.text(inclusionIndex))
                            }
                            wi /= pi
                        }
                        part.w.append(wi)
                    }
                    for k in 0..<categoricalColumns.count {
                        let level = try reader.level(categoricalColumns[k], missing: categoricalMissing[k])
                        if let code = part.levelCodes[k][level] {
                            part.codes[k].append(code)
                        } else {
                            if let allowed = declared[k], !allowed.contains(level), categoricalMissing[k] != .level(level) {
                                throw .undeclaredLevel(file: path, line: reader.line, column: categoricalNames[k], level: level,
                                                       declared: spec.declaredLevels[categoricalNames[k]]!)
                            }
                            let code = Int32(part.levelNames[k].count)
                            part.levelCodes[k][level] = code
                            part.levelNames[k].append(level)
                            part.codes[k].append(code)
                        }
                    }
                    part.lines.append(reader.line)
                }
            }
            return part
        }
        var rowsPlaced = 0, arraysSized = false
        var storage: [Double]
        do { storage = try [Double](unsafeUninitializedCapacity: placementRows * provisionalWidth) { buffer, count in
            placement = UncheckedSendable(placementRows > 0 ? buffer.baseAddress : nil)
            if let base = buffer.baseAddress { adviseHugePages(base, bytes: buffer.count * MemoryLayout<Double>.stride) }
            do { try reader.forEachBlock(threads: spec.threads, parse: { (r: CSVReader) throws -> TrainingBlock in try parse(r) }) { part in
                if !arraysSized { reserveForTheWholeFile(part); arraysSized = true }
                if part.placedRows > 0, let placed = placement.value {
                    if part.base != rowsPlaced {  // a gap before the block: move its rows down (the ranges may overlap)
                        memmove(placed + rowsPlaced * provisionalWidth, placed + part.base * provisionalWidth,
                                part.placedRows * provisionalWidth * MemoryLayout<Double>.stride)
                    }
                    rowsPlaced += part.placedRows
                }
                tail.append(contentsOf: part.storage)
                y.append(contentsOf: part.y)
                w.append(contentsOf: part.w)
                lines.append(contentsOf: part.lines)
                amounts.append(contentsOf: part.amounts)
                for (key, count) in part.excluded { excluded[key, default: 0] += count }
                for k in 0..<categorical.count {
                    // The block's codes, renumbered in the order levels first appear in the file.
                    let global: [Int32] = part.levelNames[k].map { level in
                        if let code = levelCodes[k][level] { return code }
                        let code = Int32(levelNames[k].count)
                        levelCodes[k][level] = code
                        levelNames[k].append(level)
                        return code
                    }
                    codes[k].append(contentsOf: part.codes[k].map { global[Int($0)] })
                }
            } } catch let error as DataError { throw error } catch { throw DataError.cannotOpen(file: path, reason: "\(error)") }
            count = rowsPlaced * provisionalWidth
        } } catch let error as DataError { throw error } catch { throw .cannotOpen(file: path, reason: "\(error)") }
        if storage.isEmpty { storage = tail } else { storage.append(contentsOf: tail) }
        tail = []
        let n = y.count
        if reader.recordCount == 0 { throw .headerOnly(file: path) }
        if n == 0, let filter = spec.rowFilter {
            throw .noRowsSelected(file: path, reason: "no row has \(filter.column) in \(filter.values.sorted().joined(separator: ", "))")
        }
        if n == 0 {
            throw .noRowsSelected(file: path, reason: "every row has a provenance outside \(spec.provenance!.use.map(\.rawValue).sorted().joined(separator: ", ")) (\(excluded.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")))")
        }

        // Freeze the encodings: categorical levels and references; bins of binned columns.
        var features: [FeatureEncoding] = featureNames.enumerated().map { f, name in
            FeatureEncoding(name: name, kind: kinds[f], valueType: valueTypes[f] == .numeric ? nil : valueTypes[f],
                            missing: spec.missing[name])
        }
        var remap = [[Int]](repeating: [], count: categorical.count)  // provisional code → term offset or −1
        for (k, f) in categorical.enumerated() {
            let name = featureNames[f]
            var levels = sortedLevels(levelNames[k])
            if let order = spec.declaredLevels[name] {
                levels = order.filter(levels.contains) + levels.filter { !order.contains($0) }
            }
            let reference = spec.references[name] ?? levels[0]
            guard levels.contains(reference) else {
                throw .unknownReferenceLevel(column: name, level: reference, known: levels)
            }
            features[f].levels = levels
            features[f].reference = reference
            let terms = levels.filter { $0 != reference }
            remap[k] = levelNames[k].map { terms.firstIndex(of: $0) ?? -1 }
        }
        var binned: [Int: (slot: Int, cuts: [Double], reference: Int)] = [:]  // feature → provisional slot, cuts, reference bin
        for (k, f) in dense.enumerated() {
            guard let binning = spec.bins[featureNames[f]] else { continue }
            let values = (0..<n).map { storage[$0 * provisionalWidth + k + 1] }
            let cuts: [Double]
            switch binning {
            case .cuts(let c): cuts = c
            case .quantiles(let q): cuts = quantileCuts(values, bins: q)
            }
            guard !cuts.isEmpty else { throw .invalidOption("column '\(featureNames[f])' has a single value: it cannot be cut into \(binning) bins") }
            let labels = FeatureEncoding.binLabels(cuts: cuts)
            let present = Set(values.map { FeatureEncoding.bin($0, cuts: cuts) })
            let reference = spec.references[featureNames[f]] ?? labels[present.min()!]
            guard let r = labels.firstIndex(of: reference) else {
                throw .unknownReferenceLevel(column: featureNames[f], level: reference, known: labels)
            }
            features[f].kind = .categorical
            features[f].cuts = cuts
            features[f].levels = labels.enumerated().filter { present.contains($0.offset) || $0.offset == r }.map(\.element)
            features[f].reference = reference
            binned[f] = (k + 1, cuts, r)
        }
        let encoding = DesignEncoding(features: features)
        var design: Matrix
        if categorical.isEmpty && binned.isEmpty {
            design = Matrix(rows: n, columns: provisionalWidth, storage: storage)
        } else {
            design = Matrix(rows: n, columns: encoding.width)
            let offsets = encoding.termRanges.map(\.lowerBound)  // design column of each feature's first term
            // Bin index → term offset (−1 for the reference bin), per binned feature.
            var binTerms: [Int: [Int]] = [:]
            for (f, b) in binned {
                let terms = features[f].levels!.filter { $0 != features[f].reference }
                binTerms[f] = FeatureEncoding.binLabels(cuts: b.cuts).map { terms.firstIndex(of: $0) ?? -1 }
            }
            storage.withUnsafeBufferPointer { src in
                design.storage.withUnsafeMutableBufferPointer { dst in
                    let p = encoding.width
                    for i in 0..<n {
                        let from = i * provisionalWidth, to = i * p
                        dst[to] = 1
                        for (k, f) in dense.enumerated() {
                            if let b = binned[f] {
                                let t = binTerms[f]![FeatureEncoding.bin(src[from + b.slot], cuts: b.cuts)]
                                if t >= 0 { dst[to + offsets[f] + t] = 1 }
                            } else {
                                dst[to + offsets[f]] = src[from + k + 1]
                            }
                        }
                        for (k, f) in categorical.enumerated() {
                            let t = remap[k][Int(codes[k][i])]
                            if t >= 0 { dst[to + offsets[f] + t] = 1 }
                        }
                    }
                }
            }
        }
        let fingerprint = DataFingerprint(file: path, rows: reader.recordCount, bytes: reader.bytesRead, sha256: hasher.hexDigest())
        var data = TrainingData(design: design, target: y, weights: weighted ? w : nil, lines: lines,
                                encoding: encoding, targetName: spec.target, weightName: spec.weight,
                                fingerprint: fingerprint)
        data.featureSpec = spec.featureSpec
        data.sensitiveOverrides = spec.sensitiveOverrides
        if amountIndex != nil { data.amounts = amounts; data.amountName = spec.amount }
        if let selection = spec.provenance {
            let targetedUsed = selection.use.contains(.targeted)
            let note: String
            if !targetedUsed {
                note = "trained on \(selection.use.map(\.rawValue).sorted().joined(separator: " and ")) rows only: labels of model-selected controls are left out, so the model is not fitted to its own selection"
            } else if ipw {
                note = "targeted rows included with inverse-probability weights 1/π from '\(selection.inclusionColumn!)', which corrects for how they were selected"
            } else {
                note = "WARNING: targeted rows included without inverse-probability weights: their labels come from a selection (model or rule), so estimates carry selection bias"
            }
            data.selection = SelectionSummary(provenanceColumn: selection.column, used: selection.use.map(\.rawValue).sorted(),
                                              rowsUsed: n, rowsExcluded: excluded, weighting: selection.weighting.rawValue, note: note)
        } else if let filter = spec.rowFilter {
            // The rows a filtered model was fitted on are part of what it is: the model records them.
            data.selection = SelectionSummary(provenanceColumn: filter.column, used: filter.values.sorted(), rowsUsed: n, rowsExcluded: excluded,
                                              weighting: ProvenanceSelection.Weighting.none.rawValue,
                                              note: "trained on the rows whose \(filter.column) is \(filter.values.sorted().joined(separator: " or ")) only")
        }
        return data
    }
}

/// What one block of a training file gives, before the merge renumbers its level codes.
struct TrainingBlock {
    /// Rows written straight into the matrix's storage from row `base` on (see `TrainingData.read`).
    var base = 0
    var placedRows = 0
    /// Rows past the storage's capacity.
    var storage: [Double] = []
    var y: [Double] = []
    var w: [Double] = []
    var lines: [Int] = []
    var amounts: [Double] = []
    var excluded: [String: Int] = [:]
    var codes: [[Int32]]
    var levelCodes: [[String: Int32]]
    var levelNames: [[String]]
    init(categories: Int) {
        codes = .init(repeating: [], count: categories)
        levelCodes = .init(repeating: [:], count: categories)
        levelNames = .init(repeating: [], count: categories)
    }
}

/// Interior cut points at the k-quantiles of `values` (type-7 quantiles, as numpy's default), with
/// duplicates and the minimum removed so that every bin is non-empty.
public func quantileCuts(_ values: [Double], bins k: Int) -> [Double] {
    let sorted = values.sorted()
    guard let first = sorted.first else { return [] }
    var cuts: [Double] = []
    for q in 1..<k {
        let h = Double(sorted.count - 1) * Double(q) / Double(k)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        let v = sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        if v > first && (cuts.last.map { v > $0 } ?? true) { cuts.append(v) }
    }
    return cuts
}

/// Accumulates a SHA-256 over the chunks a reader sees.
final class HashBox {
    private var hasher = SHA256()
    func update(_ bytes: UnsafeBufferPointer<UInt8>) { hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes)) }
    func hexDigest() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}
