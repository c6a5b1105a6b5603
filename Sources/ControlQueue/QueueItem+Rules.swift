import Foundation

extension QueueItem {
    /// Only the controller holding an assigned item may close it.
    public func ensureClosable(by controller: String) throws {
        switch state {
        case .closed: throw QueueError("item \(id) is already closed (by \(self.controller ?? "?")); nothing changed", kind: .conflict)
        case .planned: throw QueueError("item \(id) is not assigned: pull it with 'queue next' first; nothing changed", kind: .conflict)
        case .assigned where self.controller != controller:
            throw QueueError("item \(id) is assigned to \(self.controller ?? "?"), not to \(controller); nothing changed", kind: .notFound)
        case .assigned: return
        }
    }

    /// Only the controller holding an assigned item may release it.
    public func ensureReleasable(by controller: String) throws {
        guard state == .assigned else { throw QueueError("item \(id) is \(state.rawValue), not assigned: it cannot be released; nothing changed", kind: .conflict) }
        guard self.controller == controller else { throw QueueError("item \(id) is assigned to \(self.controller ?? "?"), not to \(controller); nothing changed", kind: .notFound) }
    }
}
