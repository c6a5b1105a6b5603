import Foundation

extension QueueItem {
    /// Only the controller holding an assigned item may close it.
    public func ensureClosable(by controller: String) throws {
        switch state {
        case .closed: throw QueueError("item \(id) is already closed (by \(self.controller ?? "?")); nothing changed")
        case .planned: throw QueueError("item \(id) is not assigned: pull it with 'queue next' first; nothing changed")
        case .assigned where self.controller != controller:
            throw QueueError("item \(id) is assigned to \(self.controller ?? "?"), not to \(controller); nothing changed")
        case .assigned: return
        }
    }

    /// Only the controller holding an assigned item may release it.
    public func ensureReleasable(by controller: String) throws {
        guard state == .assigned else { throw QueueError("item \(id) is \(state.rawValue), not assigned: it cannot be released; nothing changed") }
        guard self.controller == controller else { throw QueueError("item \(id) is assigned to \(self.controller ?? "?"), not to \(controller); nothing changed") }
    }
}
