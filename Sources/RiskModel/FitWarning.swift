import Dossiers

/// Something a fit did that whoever uses the model must know. The artifact keeps each as the
/// sentence `description` gives (its `warnings` field), so older files read the same.
public enum FitWarning: Equatable, Sendable, CustomStringConvertible {
    /// The outcomes were separated and the fit was stabilised with an L2 penalty (no Wald inference).
    case separationStabilized(SeparationDiagnosis, l2: Double)
    /// Columns are exactly collinear; only the L2 penalty identifies the estimates.
    case collinearUnderPenalty(relations: [String])
    /// Targeted rows were used without inverse-probability weights (`SelectionSummary.note`).
    case selectionBias(note: String)
    /// A sensitive column is a model input by explicit override.
    case sensitiveInput(column: String, reason: String)

    public var description: String {
        switch self {
        case .separationStabilized(let d, let l2):
            return "\(d.kind.rawValue) separation: \(d.finding); fitted with L2 penalty λ = \(formatNumber(l2, digits: 6)) to keep estimates finite (no Wald inference)"
        case .collinearUnderPenalty(let relations):
            return "exact collinearity (estimates identified only through the L2 penalty): " + relations.joined(separator: "; ")
        case .selectionBias(let note): return note
        case .sensitiveInput(let column, let reason): return "sensitive column '\(column)' used as a model input by override: \(reason)"
        }
    }

    /// What the training data itself requires to be said: selection bias, sensitive inputs.
    static func about(_ data: TrainingData) -> [FitWarning] {
        (data.selection.flatMap { $0.carriesSelectionBias ? [FitWarning.selectionBias(note: $0.note)] : nil } ?? [])
            + data.sensitiveOverrides.map { .sensitiveInput(column: $0.column, reason: $0.reason) }
    }
}
