/// Wraps a value the caller guarantees to be used safely across threads (disjoint writes only).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
