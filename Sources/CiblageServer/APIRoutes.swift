import ControlQueue
import Foundation
import Hummingbird
import Workflows

/// The JSON API under `/api/v1` (contract: see the server issue and `OpenAPIDocument`). Each handler
/// checks the role, reads its body strictly, calls one workflow on the store's pool, and encodes.
package struct APIRoutes {
    let state: ServerState
    /// Every route registered, as "METHOD /path" with `{param}`: checked against the OpenAPI document by a test.
    private(set) var registered: [String] = []

    init(state: ServerState) { self.state = state }

    mutating func add(to router: Router<ServerContext>) {
        let state = self.state
        let group = router.group("api/v1")
        func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response) {
            registered.append("\(method.rawValue) /api/v1/\(path)".replacingOccurrences(of: ":id", with: "{id}").replacingOccurrences(of: ":name", with: "{name}")
                                .replacingOccurrences(of: ":version", with: "{version}"))
            group.on(RouterPath(path), method: method, use: handler)
        }

        on(.get, "openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }

        // MARK: Sessions

        on(.post, "session") { request, context in
            let body = try await JSONBody(request, context: context, allowed: ["user", "password"])
            let name = try body.string("user", required: true, maxLength: 64)!
            let password = try body.string("password", required: true, maxLength: 1024)!
            let opened = try await Login.open(state: state, user: name, password: password, request: request, context: context)
            var response = JSONResponse.make(["csrfToken": opened.record.csrfToken, "user": opened.user.name, "role": opened.user.role.rawValue])
            response.setCookie(Login.cookie(opened.id))
            return response
        }
        on(.delete, "session") { request, context in
            let identity = try context.requireIdentity()
            if let id = identity.sessionID { try await state.run { try state.identity.endSession(id: id, actor: identity.actor) } }
            var response = Response(status: .noContent)
            response.setCookie(Login.expiredCookie)
            return response
        }
        on(.get, "sessions") { _, context in
            let identity = try context.requireIdentity()
            let sessions = try await state.run { try state.identity.sessions(of: identity.user.name) }
            return JSONResponse.make(sessions.map { SessionJSON($0, current: $0.idHash == identity.session?.idHash) })
        }
        on(.delete, "sessions/others") { _, context in
            let identity = try context.requireIdentity()
            guard let id = identity.sessionID else { throw ServerError(.unprocessableContent, "only a session can end the others") }
            let ended = try await state.run { try state.identity.endOtherSessions(keeping: id, actor: identity.actor) }
            return JSONResponse.make(["ended": ended])
        }

        // MARK: The controleur's queue

        on(.post, "queue/next") { request, context in
            let identity = try context.require(.controleur)
            let body = try await JSONBody(request, context: context, allowed: ["channel", "sector"])
            var pull = PullRequest(actor: identity.actor)
            pull.lease = state.configuration.lease
            if let channel = try body.string("channel", maxLength: 64) {
                guard let kind = ChannelKind(rawValue: channel) else {
                    throw ServerError(.unprocessableContent, "channel must be one of \(ChannelKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "channel")
                }
                pull.channel = kind
            }
            pull.sector = try body.string("sector", maxLength: 64)
            let request = pull
            guard let item = try await state.run({ try state.queue.next(request) }) else { return Response(status: .noContent) }
            return JSONResponse.make(ItemJSON(item))
        }
        on(.get, "items") { _, context in
            let identity = try context.require(.controleur, .superviseur)
            let items = try await state.run {
                identity.role == .controleur ? try state.queue.items(of: identity.actor) : try state.queue.items(supervisedBy: identity.actor)
            }
            return JSONResponse.make(items.map(ItemJSON.init))
        }
        on(.get, "items/:id") { _, context in
            let identity = try context.requireIdentity()
            let id = try Self.itemID(context)
            guard let item = try await state.run({ try state.queue.item(id, viewedBy: identity.actor) }) else { throw ServerError(.notFound, "not found") }
            return JSONResponse.make(ItemJSON(item))
        }
        on(.post, "items/:id/close") { request, context in
            let identity = try context.require(.controleur)
            let id = try Self.itemID(context)
            let outcome = try await Self.outcome(from: JSONBody(request, context: context, allowed: ["indu", "rappel", "induMonths", "fraud", "judgement", "reason"]))
            try await state.run { try state.queue.close(CloseRequest(item: id, actor: identity.actor, outcome: outcome)) }
            return JSONResponse.make(StateJSON(id: id, state: "closed"))
        }
        on(.post, "items/:id/release") { request, context in
            let identity = try context.require(.controleur)
            let id = try Self.itemID(context)
            _ = try await JSONBody(request, context: context, allowed: [])
            try await state.run { try state.queue.release(item: id, by: identity.actor) }
            return JSONResponse.make(StateJSON(id: id, state: "planned"))
        }
        on(.post, "items/:id/reassign") { request, context in
            let identity = try context.require(.superviseur)
            let id = try Self.itemID(context)
            let body = try await JSONBody(request, context: context, allowed: ["controller"])
            let controller = try body.string("controller", required: true, maxLength: 64)!
            try await state.run { try state.queue.reassign(item: id, to: controller, by: identity.actor, lease: state.configuration.lease) }
            return JSONResponse.make(StateJSON(id: id, state: "assigned", controller: controller))
        }

        // MARK: Following progress

        on(.get, "status") { request, context in
            let identity = try context.require(.superviseur, .datascientist)
            let campaign = request.uri.queryParameters["campaign"].map(String.init)
            let dashboard = try await state.run { try state.queue.dashboard(for: identity.actor, campaign: campaign, objectives: state.objectives) }
            return JSONResponse.make(DashboardJSON(dashboard))
        }
        on(.get, "outcomes") { request, context in
            let identity = try context.require(.datascientist)
            guard let campaign = request.uri.queryParameters["campaign"].map(String.init), !campaign.isEmpty else {
                throw ServerError(.unprocessableContent, "campaign is required", field: "campaign")
            }
            let csv = try await state.run { try state.queue.outcomesCSV(campaign: campaign, actor: identity.actor) }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"outcomes.csv\""],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
        }
        on(.get, "audit") { _, context in
            _ = try context.require(.datascientist, .admin)
            let v = try await state.run { try state.queue.verifyAudit() }
            return JSONResponse.make(AuditJSON(entries: v.entries, ok: v.ok, firstBadEntry: v.firstBadEntry, problem: v.problem))
        }

        // MARK: The model registry (datascientists)

        on(.get, "models") { _, context in
            _ = try context.require(.datascientist)
            let versions = try await state.run { try state.registry.versions() }
            return JSONResponse.make(versions.map(ModelVersionJSON.init))
        }
        on(.post, "models") { request, context in
            let identity = try context.require(.datascientist)
            let body = try await JSONBody(request, context: context, allowed: ["name", "version", "validFrom", "validUntil", "regime", "model", "evaluation", "audit", "card"],
                                          limit: ServerConfiguration.maximumRegistrationBytes)
            let terms = RegistrationTerms(name: try body.string("name", required: true, maxLength: 64)!, version: try body.string("version", required: true, maxLength: 64)!,
                                          validFrom: try body.string("validFrom", required: true, maxLength: 10)!, validUntil: try body.string("validUntil", maxLength: 10),
                                          regime: try body.string("regime", maxLength: 64))
            func document(_ field: String) throws -> Data { Data(try body.string(field, required: true, maxLength: 8 << 20)!.utf8) }
            let submission = ModelSubmission(terms: terms, artifact: try document("model"),
                                             evidence: ModelEvidence(evaluation: try document("evaluation"), audit: try document("audit"), card: try document("card")))
            let version = try await state.run {
                do { return try state.registry.register(submission, by: identity.actor, now: state.configuration.now()) } catch let e as QueueError { throw e } catch let e as RequestError { throw e } catch {
                    // A document that is not what it should be (not a model, not a report): the field's fault.
                    throw ServerError(.unprocessableContent, "\(error)")
                }
            }
            return JSONResponse.make(ModelVersionJSON(version), status: .created)
        }
        on(.get, "models/:name/:version") { _, context in
            _ = try context.require(.datascientist)
            let reference = try Self.modelReference(context)
            let loaded = try await state.run { try state.registry.show(reference) }
            return JSONResponse.make(ModelVersionJSON(loaded.version!))
        }
        on(.post, "models/:name/:version/approve") { request, context in
            let identity = try context.require(.datascientist)
            let reference = try Self.modelReference(context)
            _ = try await JSONBody(request, context: context, allowed: [])
            let version = try await state.run { try state.registry.approve(reference, by: identity.actor, now: state.configuration.now()) }
            return JSONResponse.make(ModelVersionJSON(version))
        }
        on(.post, "models/:name/:version/retire") { request, context in
            let identity = try context.require(.datascientist)
            let reference = try Self.modelReference(context)
            let reason = try await JSONBody(request, context: context, allowed: ["reason"]).string("reason", required: true, maxLength: 2000)!
            let version = try await state.run { try state.registry.retire(reference, reason: reason, by: identity.actor, now: state.configuration.now()) }
            return JSONResponse.make(ModelVersionJSON(version))
        }

        // MARK: Users (admins)

        on(.get, "users") { _, context in
            _ = try context.require(.admin)
            let users = try await state.run { try state.identity.users() }
            return JSONResponse.make(users.map(UserJSON.init))
        }
        on(.post, "users") { request, context in
            let identity = try context.require(.admin)
            let body = try await JSONBody(request, context: context, allowed: ["name", "role", "sectors", "password"])
            let name = try body.string("name", required: true, maxLength: 64)!
            guard let role = Role(rawValue: try body.string("role", required: true, maxLength: 32)!) else {
                throw ServerError(.unprocessableContent, "role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))", field: "role")
            }
            let sectors = (try body.string("sectors", maxLength: 1024) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let password = try body.string("password", required: true, maxLength: 1024)!
            let user = try await state.run { try state.identity.addUser(AddUserRequest(name: name, role: role, sectors: sectors, password: password), by: identity.actor) }
            return JSONResponse.make(UserJSON(user), status: .created)
        }
        on(.post, "users/:name/disable") { _, context in
            let identity = try context.require(.admin)
            guard let name = context.parameters.get("name") else { throw ServerError(.notFound, "not found") }
            guard name != identity.user.name else { throw ServerError(.unprocessableContent, "an admin cannot disable their own account", field: "name") }
            try await state.run { try state.identity.disableUser(name, by: identity.actor) }
            return JSONResponse.make(["name": name, "state": "disabled"])
        }
    }

    /// An item id from the path; anything but a positive integer is a 404 (ids are never guessed from text).
    static func itemID(_ context: ServerContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), text.count <= 18, text.allSatisfy(\.isASCII), let id = Int64(text), id > 0 else {
            throw ServerError(.notFound, "not found")
        }
        return id
    }

    /// `NAME@VERSION` from the path; anything that is not a reference is a 404.
    static func modelReference(_ context: ServerContext) throws -> String {
        guard let name = context.parameters.get("name"), let version = context.parameters.get("version"),
              let reference = ModelReference(parsing: "\(name)@\(version)"), case .exact = reference.version else { throw ServerError(.notFound, "not found") }
        return reference.description
    }

    package static func outcome(from body: JSONBody) throws -> Outcome {
        let indu = try body.number("indu", required: true)!
        let rappel = try body.number("rappel") ?? 0
        let months = try body.integer("induMonths")
        let fraud = try body.boolean("fraud") ?? false
        guard let judgement = Judgement(rawValue: try body.string("judgement", required: true, maxLength: 16)!) else {
            throw ServerError(.unprocessableContent, "judgement must be agree or override", field: "judgement")
        }
        let reason = try body.string("reason", maxLength: 2000)
        let outcome = Outcome(indu: indu, rappel: rappel, induMonths: months, fraud: fraud, judgement: judgement, judgementReason: reason)
        do { try outcome.validate() } catch let e as QueueError { throw ServerError(e) }
        return outcome
    }
}

/// Opening a session, shared by the API and the login page.
enum Login {
    static func open(state: ServerState, user: String, password: String, request: Request, context: ServerContext) async throws -> OpenedSession {
        let address = context.address, now = state.configuration.now()
        let result = try await state.run { try state.identity.login(user: user, password: password, address: address, now: now) }
        switch result {
        case .throttled:
            state.logger.notice("login throttled from \(address)")
            throw ServerError(.tooManyRequests, "too many failed logins: wait and retry")
        case .refused:
            state.logger.notice("login failed from \(address)")
            throw ServerError(.unauthorized, "wrong user or password")
        case .accepted(let account):
            // A new id at every login (no fixation); the session the client came with, if any, ends.
            if let old = request.cookies[ServerConfiguration.sessionCookie]?.value, let identity = context.identity, identity.sessionID == old {
                try await state.run { try state.identity.endSession(id: old, actor: identity.actor) }
            }
            return try await state.run { try state.identity.openSession(for: account, address: address, now: now) }
        }
    }

    /// `__Host-` prefix, Secure, HttpOnly, SameSite=Strict, Path=/, no Domain, no Max-Age (the server
    /// enforces the idle and absolute limits).
    static func cookie(_ id: String) -> Cookie {
        Cookie(name: ServerConfiguration.sessionCookie, value: id, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    static let expiredCookie = Cookie(name: ServerConfiguration.sessionCookie, value: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0,
                                      path: "/", secure: true, httpOnly: true, sameSite: .strict)
}
