import ControlQueue
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Workflows

extension HTTPField.Name {
    static let csrfToken = Self("X-CSRF-Token")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
    static let permissionsPolicy = Self("Permissions-Policy")!
}

/// The outermost layer: turns every refusal into its response (JSON under `/api/`, a page or a
/// redirect to the login page elsewhere) and puts the security headers on every response, errors
/// included (OWASP ASVS 14.4).
struct ResponseMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let state: ServerState

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let refusal = ServerError(error)
            if refusal.status == .internalServerError {
                state.logger.error("internal error on \(request.method) \(Self.route(request.uri.path)): \(String(describing: type(of: error)))")
            } else if [.unauthorized, .forbidden, .notFound].contains(refusal.status) {
                // Access failures are logged (ASVS 7.1), with the route's shape and no identifier of a dossier.
                state.logger.notice("refused \(refusal.status.code) \(request.method) \(Self.route(request.uri.path)) from \(context.address)")
            }
            response = Self.render(refusal, for: request, pages: state.pages)
        }
        Self.secure(&response.headers, path: request.uri.path)
        return response
    }

    static func render(_ refusal: ServerError, for request: Request, pages: Pages) -> Response {
        if request.uri.path.hasPrefix("/api/") {
            var object: [String: String] = ["error": refusal.message]
            if let field = refusal.field { object["field"] = field }
            return JSONResponse.make(object, status: refusal.status)
        }
        if refusal.status == .unauthorized {
            return Response(status: .seeOther, headers: [.location: "/connexion"])
        }
        return pages.error(refusal)
    }

    static func secure(_ headers: inout HTTPFields, path: String) {
        // The served reports carry their own inline styles and SVG charts, and no script: they get a
        // stricter policy that allows only that.
        headers[.contentSecurityPolicy] = path.hasPrefix("/rapports/")
            ? "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
            : "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        headers[.xFrameOptions] = "DENY"
        headers[.crossOriginOpenerPolicy] = "same-origin"
        headers[.permissionsPolicy] = "camera=(), microphone=(), geolocation=()"
        // Pages and API answers carry personal data: never cached. Assets are the same for everyone.
        headers[.cacheControl] = path.hasPrefix("/assets/") ? "public, max-age=3600" : "no-store"
    }

    /// A path with its numeric segments replaced, for logs: `/api/v1/items/{id}/close`.
    static func route(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { $0.allSatisfy(\.isNumber) && !$0.isEmpty ? "{id}" : String($0) }
            .joined(separator: "/")
    }
}

/// Resolves who is asking: an API token (`Authorization: Bearer …`) or the session cookie; then, for
/// a cookie session, refuses a state change without the session's CSRF token or from another site.
///
/// Why a request without `Origin` or `Sec-Fetch-Site` is not refused: browsers send one of them on
/// every cross-site POST, so an attack always carries a cross-site value and is refused; a script
/// with a session cookie (curl) sends neither and still needs the CSRF token, which only a page of
/// this origin can read.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let state: ServerState
    /// Routes that open a session: they have no token yet (the origin check still applies).
    static let loginRoutes: Set<String> = ["/api/v1/session", "/connexion"]

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let address = context.address
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer "), request.uri.path.hasPrefix("/api/") else {
                throw ServerError(.unauthorized, "only 'Authorization: Bearer TOKEN' is accepted, on the API")
            }
            let token = String(authorization.dropFirst("Bearer ".count))
            guard let user = try await state.run({ [identity = state.identity] in try identity.user(forToken: token) }) else {
                throw ServerError(.unauthorized, "the token is unknown, expired, or its user disabled")
            }
            context.identity = Identity(user: user, session: nil, sessionID: nil, actor: Actor(user, address: address))
        } else if let id = request.cookies[ServerConfiguration.sessionCookie]?.value, !id.isEmpty {
            let now = state.configuration.now()
            if let (record, user) = try await state.run({ [identity = state.identity] in try identity.session(id: id, now: now) }) {
                context.identity = Identity(user: user, session: record, sessionID: id, actor: Actor(user, address: address))
            }
        }
        let unsafe = ![.get, .head, .options].contains(request.method)
        if unsafe {
            if Self.isCrossSite(request) { throw ServerError(.forbidden, "cross-site request refused") }
            if let session = context.identity?.session, !Self.loginRoutes.contains(request.uri.path) {
                var presented = request.headers[.csrfToken]
                if presented == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                    let buffer = try await request.collectBody(upTo: ServerConfiguration.maximumBodyBytes)
                    presented = FormBody.decode(String(decoding: buffer.readableBytesView, as: UTF8.self))["csrf"]
                }
                guard let presented, Self.constantTimeEqual(presented, session.csrfToken) else {
                    throw ServerError(.forbidden, "missing or wrong CSRF token (X-CSRF-Token header or csrf field)")
                }
            }
        }
        return try await next(request, context)
    }

    static func isCrossSite(_ request: Request) -> Bool {
        if let site = request.headers[.secFetchSite] { return site != "same-origin" }
        if let origin = request.headers[.origin] {
            guard let host = request.head.authority else { return true }
            return origin != "http://\(host)" && origin != "https://\(host)"
        }
        return false
    }

    /// Compares in time that does not depend on where the strings differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// JSON answers, keys sorted so that the same state gives the same bytes.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
