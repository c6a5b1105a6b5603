import ControlQueue
import Hummingbird
import NIOCore

/// The request context: who is asking (resolved by `AuthenticationMiddleware`) and from where.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address; nil in in-process router tests.
    public var remoteAddress: SocketAddress?
    /// The authenticated person, if any.
    var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are small forms and JSON objects; anything larger is refused with 413.
    public var maxUploadSize: Int { ServerConfiguration.maximumBodyBytes }

    /// The address written in the audit log (the IP only, never a port).
    var address: String { remoteAddress?.ipAddress ?? "local" }
}

/// An authenticated person, by session cookie (a browser) or by API token (a script).
struct Identity: Sendable {
    var user: UserAccount
    /// The session, for cookie logins; nil for a bearer token.
    var session: SessionRecord?
    /// The session id of the cookie (kept to end "my other sessions").
    var sessionID: String?
    var actor: Actor

    var role: Role { user.role }
}

extension ServerContext {
    /// The identity, or 401: no route serves personal data to an anonymous request.
    func requireIdentity() throws -> Identity {
        guard let identity else { throw ServerError(.unauthorized, "authentication required") }
        return identity
    }

    /// The identity if its role is one of `roles`, else 403 (and the refusal is logged by the caller's middleware).
    func require(_ roles: Role...) throws -> Identity {
        let identity = try requireIdentity()
        guard roles.contains(identity.role) else {
            throw ServerError(.forbidden, "a \(identity.role.rawValue) may not do this")
        }
        return identity
    }
}
