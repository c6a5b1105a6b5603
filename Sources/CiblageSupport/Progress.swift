/// How far a long task has gone, as a workflow reports it to whatever edge shows it (a line on a
/// terminal, nothing in a pipe). Reports never change a result: they are called, in order, from the
/// thread that merges the work.
public struct ProgressUpdate: Sendable, Equatable {
    public enum Unit: String, Sendable { case bytes, rows, replicates, steps }
    /// What is being done, in a few words ("reading pbdf.csv", "bootstrap").
    public var phase: String
    public var done: Double
    /// nil when the total is not known in advance.
    public var total: Double?
    public var unit: Unit

    public init(phase: String, done: Double, total: Double?, unit: Unit) {
        self.phase = phase; self.done = done; self.total = total; self.unit = unit
    }
}

/// Receives progress updates; must be cheap (it is called at most once per block or replicate).
public typealias ProgressHandler = @Sendable (ProgressUpdate) -> Void
