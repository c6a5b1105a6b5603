import CiblageSupport
import Crypto
import Dossiers
import Foundation

/// One row of the coefficient table. Inference fields are null for penalised fits.
public struct CoefficientEstimate: Codable, Equatable, Sendable {
    public var term: String
    public var estimate: Double
    public var stdError: Double?
    public var z: Double?
    public var pValue: Double?
    public var ciLower: Double?
    public var ciUpper: Double?
    public var oddsRatio: Double
    public var oddsRatioLower: Double?
    public var oddsRatioUpper: Double?

    private enum CodingKeys: String, CodingKey {
        case term, estimate, stdError, z, pValue, ciLower, ciUpper, oddsRatio, oddsRatioLower, oddsRatioUpper
    }

    public init(term: String, estimate: Double, stdError: Double?, z: Double?, pValue: Double?, ciLower: Double?,
                ciUpper: Double?, oddsRatio: Double, oddsRatioLower: Double?, oddsRatioUpper: Double?) {
        self.term = term; self.estimate = estimate; self.stdError = stdError; self.z = z; self.pValue = pValue
        self.ciLower = ciLower; self.ciUpper = ciUpper; self.oddsRatio = oddsRatio
        self.oddsRatioLower = oddsRatioLower; self.oddsRatioUpper = oddsRatioUpper
    }

    /// Writes absent inference as explicit nulls, as the artifact contract says.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(term, forKey: .term); try c.encode(estimate, forKey: .estimate)
        try c.encode(stdError, forKey: .stdError); try c.encode(z, forKey: .z); try c.encode(pValue, forKey: .pValue)
        try c.encode(ciLower, forKey: .ciLower); try c.encode(ciUpper, forKey: .ciUpper)
        try c.encode(oddsRatio, forKey: .oddsRatio)
        try c.encode(oddsRatioLower, forKey: .oddsRatioLower); try c.encode(oddsRatioUpper, forKey: .oddsRatioUpper)
    }
}

public struct Penalty: Codable, Equatable, Sendable {
    /// "none" or "l2".
    public var kind: String
    public var lambda: Double
}

/// Goodness of fit and the state of the solver.
public struct FitStatistics: Codable, Equatable, Sendable {
    public var rows: Int
    public var rowsWithPositiveWeight: Int
    /// Σw: the number of observations under frequency weights.
    public var sumWeights: Double
    public var weightedPositives: Double
    public var logLikelihood: Double
    public var nullLogLikelihood: Double
    public var likelihoodRatioChiSquare: Double
    public var likelihoodRatioDF: Int
    public var likelihoodRatioPValue: Double
    public var mcFaddenRSquared: Double
    public var aic: Double
    /// −2ℓ + k·log(Σw).
    public var bic: Double
    public var iterations: Int
    public var converged: Bool
    public var maxAbsGradient: Double
    public var newtonDecrement: Double
    public var tolerance: Double
    public var penalty: Penalty
    /// What the covariance is, in words; never the unpenalised one for a penalised fit.
    public var covariance: String
    public var solver: String
}

public struct TargetDefinition: Codable, Equatable, Sendable {
    public var column: String
    /// The outcome whose probability is modelled.
    public var event: String = "1"
}

/// Why a model file could not be loaded.
public enum ArtifactError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case notAModel(file: String, reason: String)
    case newerFormat(file: String, version: Int, supported: Int)
    case checksumMismatch(file: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): "\(f): cannot read the model file: \(r)"
        case .notAModel(let f, let r): "\(f): not a valid Ciblage model file (\(r)); the file may be truncated or corrupted"
        case .newerFormat(let f, let v, let s):
            "\(f): model format version \(v) was written by a newer Ciblage; this version reads formats up to \(s). Upgrade Ciblage."
        case .checksumMismatch(let f):
            "\(f): the checksum does not match the content: the file was modified or corrupted after it was written; retrain or restore it"
        }
    }
}

/// One input's power to predict one level of a sensitive attribute: the AUC of a one-variable model
/// (the input's value for numeric inputs, its level's rate of the attribute for categorical ones).
public struct ProxyFinding: Codable, Equatable, Sendable {
    public var input: String
    public var attribute: String
    public var level: String
    public var auc: Double
    public var flagged: Bool
    public init(input: String, attribute: String, level: String, auc: Double, flagged: Bool) {
        self.input = input; self.attribute = attribute; self.level = level; self.auc = auc; self.flagged = flagged
    }
}

/// The proxy check run at training time: for each (input, attribute) the best level's AUC.
public struct ProxyCheck: Codable, Equatable, Sendable {
    public var threshold: Double
    public var rows: Int
    public var attributes: [String]
    public var findings: [ProxyFinding]
    public var flagged: [ProxyFinding] { findings.filter(\.flagged) }
    public init(threshold: Double, rows: Int, attributes: [String], findings: [ProxyFinding]) {
        self.threshold = threshold; self.rows = rows; self.attributes = attributes; self.findings = findings
    }
}

/// The model artifact (contract: see docs/ARCHITECTURE.md): everything needed to score, explain and
/// audit, with a SHA-256 checksum of its own content.
public struct ModelArtifact: Codable, Equatable, Sendable {
    public static let currentFormatVersion = 1
    public static let generatorName = "ciblage 0.1.0"

    public var formatVersion: Int = ModelArtifact.currentFormatVersion
    public var generator: String = ModelArtifact.generatorName
    public var modelType: String = "logistic-regression"
    public var target: TargetDefinition
    public var weight: String?
    public var encoding: DesignEncoding
    public var coefficients: [CoefficientEstimate]
    /// Covariance of the estimates (unpenalised fits only), rows in term order.
    public var covariance: [[Double]]?
    /// Weighted mean of each design column over the training rows: the reference population of
    /// reason codes (contribution βⱼ·(xⱼ − x̄ⱼ)).
    public var termMeans: [Double]?
    public var fit: FitStatistics
    public var trainingData: DataFingerprint
    /// The severity part of the two-part model (expected indu given an indu), when trained with an amount.
    public var severity: SeverityModel?
    /// The feature spec the model was trained with (labels, sources, roles), when one was given.
    public var spec: FeatureSpec?
    /// Sensitive columns used as inputs by explicit override, with the reason given.
    public var sensitiveOverrides: [SensitiveOverride]?
    /// Which labelled rows were used (provenance) and how selection was corrected for.
    public var selection: SelectionSummary?
    /// How well each input predicts each sensitive attribute on the training rows (proxy check).
    public var proxyCheck: ProxyCheck?
    public var warnings: [String]
    /// "sha256:" + hex digest of the artifact encoded with `checksum` absent.
    public var checksum: String?

    public var termNames: [String] { coefficients.map(\.term) }
    public var estimates: [Double] { coefficients.map(\.estimate) }

    private static func encoder(pretty: Bool) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// The checksum of everything but the checksum field.
    public func computeChecksum() throws -> String {
        var body = self
        body.checksum = nil
        let data = try Self.encoder(pretty: false).encode(body)
        return "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The file's bytes: sorted keys, so the same model always gives the same bytes.
    public func encoded() throws -> Data {
        var sealed = self
        sealed.checksum = try computeChecksum()
        var data = try Self.encoder(pretty: true).encode(sealed)
        data.append(0x0A)
        return data
    }

    /// Writes the artifact atomically (temporary file, then rename).
    public func write(to path: String) throws {
        try AtomicFile.write(try encoded(), to: path)
    }

    /// Loads and verifies a model file: format version first, then structure, then checksum.
    public static func load(from path: String) throws -> ModelArtifact {
        let data: Data
        do { data = Data(try WholeFile.bytes(path)) } catch {
            throw ArtifactError.unreadable(file: path, reason: error.reason)
        }
        return try decode(data, source: path)
    }

    /// Decodes and verifies a model's bytes (a file's, or a registered version's); `source` names
    /// them in errors.
    public static func decode(_ data: Data, source path: String) throws -> ModelArtifact {
        struct Version: Decodable { var formatVersion: Int }
        let version: Version
        do { version = try JSONDecoder().decode(Version.self, from: data) } catch {
            throw ArtifactError.notAModel(file: path, reason: describe(error))
        }
        if version.formatVersion > currentFormatVersion {
            throw ArtifactError.newerFormat(file: path, version: version.formatVersion, supported: currentFormatVersion)
        }
        let model: ModelArtifact
        do { model = try JSONDecoder().decode(ModelArtifact.self, from: data) } catch {
            throw ArtifactError.notAModel(file: path, reason: describe(error))
        }
        guard let stored = model.checksum, stored == (try model.computeChecksum()) else {
            throw ArtifactError.checksumMismatch(file: path)
        }
        guard model.coefficients.count == model.encoding.width,
              model.termNames == model.encoding.termNames else {
            throw ArtifactError.notAModel(file: path, reason: "the coefficient terms do not match the encoding")
        }
        return model
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing field '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? "not valid JSON" : "invalid value at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: return "\(error)"
        }
    }
}

extension ModelArtifact {
    /// The table settings that reproduce this model's columns on new data (for cross-validation and
    /// refits): the spec when there is one, otherwise the frozen encoding's columns and levels.
    public func tableSpec(format: CSVFormat = CSVFormat()) throws -> TableSpec {
        if let spec {
            var t = try TableSpec(spec: spec, allowSensitive: Dictionary(uniqueKeysWithValues: (sensitiveOverrides ?? []).map { ($0.column, $0.reason) }),
                                  format: format, provenanceUse: Set((selection?.used ?? ["random"]).compactMap(LabelProvenance.init)),
                                  weighting: selection?.weighting == "inverse-probability" ? .inverseProbability : .none)
            t.features = encoding.features.map(\.name)
            return t
        }
        var t = TableSpec(target: target.column, features: encoding.features.map(\.name), weight: weight, format: format)
        for f in encoding.features {
            switch (f.kind, f.valueType) {
            case (.categorical, _) where f.cuts == nil: t.categorical.append(f.name)
            case (.boolean, _): t.boolean.append(f.name)
            case (_, .date?): t.dates.append(f.name)
            default: break
            }
            if let r = f.reference { t.references[f.name] = r }
            if let m = f.missing { t.missing[f.name] = m }
            if let c = f.cuts { t.bins[f.name] = .cuts(c) }
        }
        return t
    }
}
