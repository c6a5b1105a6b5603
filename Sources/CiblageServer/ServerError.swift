import ControlQueue
import Hummingbird
import Workflows

/// A refusal with its HTTP status, the field at fault when there is one, and a message safe to show
/// (it never carries another person's data).
package struct ServerError: Error, Sendable {
    package var status: HTTPResponse.Status
    package var message: String
    package var field: String?

    init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.status = status; self.message = message; self.field = field
    }

    /// The HTTP meaning of the workflows' refusals.
    init(_ error: any Error) {
        switch error {
        case let e as ServerError: self = e
        case let e as RequestError: self.init(.unprocessableContent, e.message { $0 }, field: e.parameter)
        case let e as QueueError:
            switch e.kind {
            case .invalid: self.init(.unprocessableContent, e.message.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""),
                                     field: Self.firstField(e.message))
            // Never say whose item it is: another's and a missing one are the same 404.
            case .notFound: self.init(.notFound, "not found")
            case .conflict: self.init(.conflict, e.message)
            case .forbidden: self.init(.forbidden, e.message)
            case .unavailable: self.init(.serviceUnavailable, e.message)
            }
        // Hummingbird's own: a body over the limit (NIOTooManyBytesError), no route (404), a wrong method.
        case let e as any HTTPResponseError where e.status == .contentTooLarge:
            self.init(.contentTooLarge, "the body is larger than \(ServerConfiguration.maximumBodyBytes) bytes")
        case let e as HTTPError: self.init(e.status, e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError: self.init(e.status, e.status.reasonPhrase)
        default: self.init(.internalServerError, "internal error")
        }
    }

    /// The first `{name}` of a message: the field a refusal names.
    private static func firstField(_ message: String) -> String? {
        guard let open = message.firstIndex(of: "{"), let close = message[open...].firstIndex(of: "}") else { return nil }
        return String(message[message.index(after: open)..<close])
    }
}
