import CiblageSupport
/// Why a model could not be fitted, in words a data scientist can act on.
public enum FitError: ParameterNamingError, Equatable {
    case noRows
    case tooFewRows(rows: Int, terms: Int)
    case constantTarget(column: String, value: Int)
    case constantColumn(term: String, value: Double)
    case collinear([String])
    case separation(SeparationDiagnosis)
    case noConvergence(iterations: Int, maxAbsGradient: Double, newtonDecrement: Double)
    case lineSearchFailed(iteration: Int, newtonDecrement: Double)
    case singularHessian(iteration: Int)
    case invalidOption(String)

    public var template: String {
        switch self {
        case .noRows: return "no rows with a positive weight: nothing to fit"
        case .tooFewRows(let n, let p):
            return "\(n) rows with positive weight for \(p) terms: a logistic model needs more rows than terms"
        case .constantTarget(let c, let v):
            return "target '\(c)' is \(v) on every row with positive weight; a model needs both outcomes"
        case .constantColumn(let t, let v):
            return "column '\(t)' is constant (\(v) on every row): it carries no information and duplicates the intercept; drop it"
        case .collinear(let relations):
            return "exact collinearity: " + relations.joined(separator: "; ")
                + ". Drop one of the columns named in each relation (or merge categorical levels), or use {l2}."
        case .separation(let d): return d.description
        case .noConvergence(let it, let g, let dec):
            return "no convergence after \(it) Newton iterations (max |gradient| \(g), Newton decrement \(dec)); "
                + "raise {maxIterations}, rescale extreme columns, or add {l2}"
        case .lineSearchFailed(let it, let dec):
            return "the line search could not decrease the objective at iteration \(it) (Newton decrement \(dec)); "
                + "the data are probably badly scaled or nearly separated: rescale columns or add {l2}"
        case .singularHessian(let it):
            return "the Hessian became singular at iteration \(it): fitted probabilities are numerically 0 or 1 "
                + "(separation) or columns are collinear; add {l2} or remove the offending columns"
        case .invalidOption(let s): return s
        }
    }
}

/// What separates the outcomes: the kind, the column or level, and the rows concerned.
public struct SeparationDiagnosis: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case complete, quasiComplete = "quasi-complete" }
    public var kind: Kind
    /// The column (feature) responsible, when one column explains it.
    public var column: String?
    /// The categorical level or boolean value responsible, when there is one.
    public var level: String?
    /// One sentence naming what separates, e.g. "all 12 rows with level 'B' of column region have target 0".
    public var finding: String
    /// File lines of the rows concerned (at most 10) and their total number.
    public var lines: [Int]
    public var rowCount: Int

    public var description: String {
        let shown = lines.map(String.init).joined(separator: ", ")
        return "\(kind.rawValue) separation: \(finding) (\(rowCount) rows concerned; lines \(shown)\(rowCount > lines.count ? ", …" : "")). "
            + "No finite maximum-likelihood estimate exists, so no model was written. Merge or drop the level, drop the column, "
            + "or refit with {l2} LAMBDA or {onSeparation} stabilize for finite, penalised estimates."
    }
}
