import ControlQueue
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import Workflows

@testable import CiblageServer

/// A store with one user per role (and a second controleur and superviseur), 24 planned items over
/// sectors S1 and S2, and the application over it, tested in process.
struct Harness {
    let store: any QueueStore
    let path: String
    var configuration: ServerConfiguration

    static let password = "mot-de-passe-de-test"
    /// name → (role, sectors)
    static let people: [(String, Role, [String])] = [
        ("alice", .controleur, ["S1"]), ("bob", .controleur, ["S1", "S2"]), ("carla", .controleur, ["S2"]),
        ("sylvie", .superviseur, ["S1"]), ("samuel", .superviseur, ["S2"]), ("dana", .datascientist, []), ("dora", .datascientist, []),
        ("adam", .admin, []),
    ]

    init(items: Int = 24, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("q.sqlite").path
        store = try QueueStoreLocation(path).open()
        var identity = IdentityOperations(store: store)
        identity.bcryptCost = 4
        for (name, role, sectors) in Self.people {
            try identity.addUser(AddUserRequest(name: name, role: role, sectors: sectors, password: Self.password), by: Actor(name: "setup"))
        }
        var planned: [PlannedItem] = []
        for i in 0..<items {
            let random = i % 5 == 4
            planned.append(PlannedItem(dossier: "D\(1000 + i)", channel: i % 3 == 0 ? .surPlace : .surPieces, sector: i % 2 == 0 ? "S1" : "S2",
                                       score: 0.9 - 0.01 * Double(i), expectedAmount: 1000, expectedValue: 500 - Double(i),
                                       selection: random ? "explore" : "exploit", inclusionProbability: random ? 0.25 : 1,
                                       reasons: "Loyer déclaré | Enfant de 19 ans ou plus | Revenus trimestriels"))
        }
        _ = try store.plan(campaign: "c1", modelChecksum: "sha256:abc", items: planned, by: Actor(name: "setup"))
        configuration = ServerConfiguration()
        configuration.store = path
        configuration.bcryptCost = 4
        configuration.storeThreads = 2
        configure(&configuration)
    }

    /// Runs `body` against the application in process.
    func test(_ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        var logger = Logger(label: "ciblage.server.test")
        logger.logLevel = .error
        let (app, _) = try CiblageApplication.make(configuration, store: store, logger: logger)
        try await app.test(.router) { client in try await body(Client(client: client)) }
    }

    var apiRoutes: [String] { get throws { try CiblageApplication.make(configuration, store: store).apiRoutes } }

    /// What every refused request must leave as it was: the items and the audit log.
    func snapshot() throws -> Snapshot { Snapshot(items: try store.items(in: .all), audit: try store.auditEntries().count) }
}

struct Snapshot: Equatable {
    var items: [QueueItem]
    var audit: Int
}

/// A logged-in browser or script: the session cookie and the CSRF token.
struct Session: Sendable {
    var cookie: String
    var csrf: String
}

/// The test client with the requests the tests make, and sessions.
struct Client: Sendable {
    let client: any TestClientProtocol

    @discardableResult
    func request(_ method: HTTPRequest.Method, _ uri: String, session: Session? = nil, csrf: Bool = true, json: String? = nil,
                 form: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let session {
            headers[.cookie] = "\(ServerConfiguration.sessionCookie)=\(session.cookie)"
            if csrf, json != nil || method != .get { headers[HTTPField.Name("X-CSRF-Token")!] = session.csrf }
        }
        var body: ByteBuffer?
        if let json { headers[.contentType] = "application/json"; body = ByteBuffer(string: json) }
        if let form { headers[.contentType] = "application/x-www-form-urlencoded"; body = ByteBuffer(string: form) }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }

    func login(_ user: String, password: String = Harness.password, cookie: String? = nil) async throws -> Session {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = "\(ServerConfiguration.sessionCookie)=\(cookie)" }
        let r = try await request(.post, "/api/v1/session", json: #"{"user": "\#(user)", "password": "\#(password)"}"#, headers: headers)
        try #require(r.status == .ok, "login of \(user): \(r.status)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])
        return Session(cookie: try #require(Self.sessionCookie(r)), csrf: try #require(object["csrfToken"] as? String))
    }

    static func sessionCookie(_ r: TestResponse) -> String? {
        guard let header = r.headers[.setCookie], header.hasPrefix(ServerConfiguration.sessionCookie + "=") else { return nil }
        return String(header.dropFirst(ServerConfiguration.sessionCookie.count + 1).prefix { $0 != ";" })
    }

    /// Pulls an item as a controleur; fails the test when none comes.
    func pull(_ session: Session, json: String = "{}") async throws -> [String: Any] {
        let r = try await request(.post, "/api/v1/queue/next", session: session, json: json)
        try #require(r.status == .ok, "pull: \(r.status)")
        return try r.object()
    }
}

extension TestResponse {
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }
    func object() throws -> [String: Any] { try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) }
}
