import ControlQueue
import Foundation
import HTTPTypes
import Testing
import Workflows

@testable import CiblageServer

/// Every route against every role (and no one): allowed, refused (403), or 404 for another's object.
@Suite struct AuthorisationTests {
    /// One row: a request and the status each person gets. `anonymous` is the request without a session.
    struct Row {
        var method: HTTPRequest.Method
        var path: String
        var json: String?
        var expected: [String: HTTPResponse.Status]
    }

    static let anonymous = "(anonymous)"
    static let everyone = [anonymous] + Harness.people.map(\.0)

}

/// The statuses by role, then exceptions by name.
private func by(anonymous: HTTPResponse.Status = .unauthorized, controleur: HTTPResponse.Status, superviseur: HTTPResponse.Status,
                   datascientist: HTTPResponse.Status, admin: HTTPResponse.Status, except: [String: HTTPResponse.Status] = [:]) -> [String: HTTPResponse.Status] {
        var out = [AuthorisationTests.anonymous: anonymous]
        for (name, role, _) in Harness.people {
            out[name] = [.controleur: controleur, .superviseur: superviseur, .datascientist: datascientist, .admin: admin][role]
        }
        return out.merging(except) { $1 }
}

extension AuthorisationTests {
    @Test func everyRouteAgainstEveryRole() async throws {
        let harness = try Harness()
        let registered = try harness.apiRoutes
        try await harness.test { client in
            var sessions: [String: Session] = [:]
            for (name, _, _) in Harness.people { sessions[name] = try await client.login(name) }
            // alice holds one item of S1; sylvie supervises S1, samuel S2.
            let held = try await client.pull(sessions["alice"]!)
            let item = try #require(held["id"] as? Int)
            #expect(held["sector"] as? String == "S1")
            let second = try #require(try await client.pull(sessions["alice"]!)["id"] as? Int)

            let ok = HTTPResponse.Status.ok, forbidden = HTTPResponse.Status.forbidden, notFound = HTTPResponse.Status.notFound
            let close = #"{"indu": 0, "judgement": "agree"}"#
            var rows: [Row] = []
            rows.append(Row(method: .get, path: "/api/v1/openapi.json", expected: by(anonymous: ok, controleur: ok, superviseur: ok, datascientist: ok, admin: ok)))
            rows.append(Row(method: .get, path: "/api/v1/sessions", expected: by(controleur: ok, superviseur: ok, datascientist: ok, admin: ok)))
            rows.append(Row(method: .post, path: "/api/v1/queue/next", json: #"{"sector": "S2"}"#,
                    expected: by(controleur: ok, superviseur: forbidden, datascientist: forbidden, admin: forbidden, except: ["alice": .noContent])))
            rows.append(Row(method: .get, path: "/api/v1/items", expected: by(controleur: ok, superviseur: ok, datascientist: forbidden, admin: forbidden)))
            rows.append(Row(method: .get, path: "/api/v1/items/\(item)",
                    expected: by(controleur: notFound, superviseur: notFound, datascientist: notFound, admin: notFound, except: ["alice": ok, "sylvie": ok])))
            rows.append(Row(method: .post, path: "/api/v1/items/\(second)/close", json: close,
                    expected: by(controleur: notFound, superviseur: forbidden, datascientist: forbidden, admin: forbidden, except: ["alice": ok])))
            rows.append(Row(method: .post, path: "/api/v1/items/\(second)/release", json: "{}",
                    expected: by(controleur: notFound, superviseur: forbidden, datascientist: forbidden, admin: forbidden, except: ["alice": .conflict])))
            rows.append(Row(method: .post, path: "/api/v1/session", json: #"{"user": "nobody", "password": "not-a-password"}"#,
                    expected: by(controleur: .unauthorized, superviseur: .unauthorized, datascientist: .unauthorized, admin: .unauthorized)))
            rows.append(Row(method: .get, path: "/api/v1/status", expected: by(controleur: forbidden, superviseur: ok, datascientist: ok, admin: forbidden)))
            rows.append(Row(method: .get, path: "/api/v1/outcomes?campaign=c1", expected: by(controleur: forbidden, superviseur: forbidden, datascientist: ok, admin: forbidden)))
            rows.append(Row(method: .get, path: "/api/v1/audit", expected: by(controleur: forbidden, superviseur: forbidden, datascientist: ok, admin: ok)))
            rows.append(Row(method: .get, path: "/api/v1/users", expected: by(controleur: forbidden, superviseur: forbidden, datascientist: forbidden, admin: ok)))
            rows.append(Row(method: .post, path: "/api/v1/users", json: #"{"name": "zoe", "role": "datascientist", "password": "un-long-mot-de-passe"}"#,
                    expected: by(controleur: forbidden, superviseur: forbidden, datascientist: forbidden, admin: .created)))
            rows.append(Row(method: .post, path: "/api/v1/users/zoe/disable", json: "{}",
                    expected: by(controleur: forbidden, superviseur: forbidden, datascientist: forbidden, admin: ok)))
            rows.append(Row(method: .post, path: "/api/v1/items/\(item)/reassign", json: #"{"controller": "bob"}"#,
                    expected: by(controleur: forbidden, superviseur: notFound, datascientist: forbidden, admin: forbidden, except: ["sylvie": ok])))
            rows.append(Row(method: .get, path: "/dossiers", expected: by(anonymous: .seeOther, controleur: ok, superviseur: forbidden, datascientist: forbidden, admin: forbidden)))
            rows.append(Row(method: .get, path: "/dossiers/\(item)",
                    expected: by(anonymous: .seeOther, controleur: notFound, superviseur: notFound, datascientist: forbidden, admin: forbidden,
                                 except: ["bob": ok, "sylvie": ok])))
            rows.append(Row(method: .get, path: "/tableau", expected: by(anonymous: .seeOther, controleur: forbidden, superviseur: ok, datascientist: ok, admin: forbidden)))
            rows.append(Row(method: .get, path: "/tableau/export.csv", expected: by(anonymous: .seeOther, controleur: forbidden, superviseur: ok, datascientist: ok, admin: forbidden)))
            rows.append(Row(method: .get, path: "/modeles", expected: by(anonymous: .seeOther, controleur: forbidden, superviseur: forbidden, datascientist: ok, admin: forbidden)))
            rows.append(Row(method: .get, path: "/api/v1/models", expected: by(controleur: forbidden, superviseur: forbidden, datascientist: ok, admin: forbidden)))
            rows.append(Row(method: .post, path: "/api/v1/models", json: #"{"name": "dmde"}"#,
                    expected: by(controleur: forbidden, superviseur: forbidden, datascientist: .unprocessableContent, admin: forbidden)))
            rows.append(Row(method: .get, path: "/api/v1/models/dmde/v1", expected: by(controleur: forbidden, superviseur: forbidden, datascientist: notFound, admin: forbidden)))
            rows.append(Row(method: .post, path: "/api/v1/models/dmde/v1/approve", json: "{}",
                    expected: by(controleur: forbidden, superviseur: forbidden, datascientist: notFound, admin: forbidden)))
            rows.append(Row(method: .post, path: "/api/v1/models/dmde/v1/retire", json: #"{"reason": "essai"}"#,
                    expected: by(controleur: forbidden, superviseur: forbidden, datascientist: notFound, admin: forbidden)))
            rows.append(Row(method: .get, path: "/modeles/dmde/v1", expected: by(anonymous: .seeOther, controleur: forbidden, superviseur: forbidden, datascientist: notFound, admin: forbidden)))
            rows.append(Row(method: .get, path: "/rapports/none.html", expected: by(anonymous: .seeOther, controleur: forbidden, superviseur: forbidden, datascientist: notFound, admin: forbidden)))
            rows.append(Row(method: .get, path: "/admin", expected: by(anonymous: .seeOther, controleur: forbidden, superviseur: forbidden, datascientist: forbidden, admin: ok)))
            rows.append(Row(method: .get, path: "/sessions", expected: by(anonymous: .seeOther, controleur: ok, superviseur: ok, datascientist: ok, admin: ok)))
            rows.append(Row(method: .get, path: "/", expected: by(anonymous: .seeOther, controleur: .seeOther, superviseur: .seeOther, datascientist: .seeOther, admin: .seeOther)))
            rows.append(Row(method: .get, path: "/connexion", expected: by(anonymous: ok, controleur: .seeOther, superviseur: .seeOther, datascientist: .seeOther, admin: .seeOther)))
            rows.append(Row(method: .get, path: "/assets/ciblage.css", expected: by(anonymous: ok, controleur: ok, superviseur: ok, datascientist: ok, admin: ok)))
            rows.append(Row(method: .delete, path: "/api/v1/sessions/others", expected: by(controleur: ok, superviseur: ok, datascientist: ok, admin: ok)))
            rows.append(Row(method: .delete, path: "/api/v1/session", expected: by(controleur: .noContent, superviseur: .noContent, datascientist: .noContent, admin: .noContent)))
            for row in rows {
                for person in Self.everyone {
                    let status = try await client.request(row.method, row.path, session: sessions[person], json: row.json).status
                    #expect(status == row.expected[person], "\(row.method) \(row.path) as \(person): \(status)")
                }
            }
            // After the reassignment the item is bob's: alice no longer sees it.
            let alice = try await client.login("alice")
            #expect(try await client.request(.get, "/api/v1/items/\(item)", session: alice).status == .notFound)

            // The rows cover every route of the API.
            let covered = Set(rows.filter { $0.path.hasPrefix("/api/") }.map { row in
                "\(row.method.rawValue) " + row.path.split(separator: "?")[0].replacingOccurrences(of: "/\(item)", with: "/{id}").replacingOccurrences(of: "/\(second)", with: "/{id}")
                    .replacingOccurrences(of: "/zoe/", with: "/{name}/").replacingOccurrences(of: "/dmde/v1", with: "/{name}/{version}")
            })
            #expect(covered == Set(registered), "routes without a row: \(Set(registered).subtracting(covered).sorted())")
        }
    }

    @Test func anotherControllersItemAnswers404AndChangesNothing() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice"), bob = try await client.login("bob")
            let item = try #require(try await client.pull(alice)["id"] as? Int)
            let before = try harness.snapshot()
            #expect(try await client.request(.get, "/api/v1/items/\(item)", session: bob).status == .notFound)
            #expect(try await client.request(.post, "/api/v1/items/\(item)/close", session: bob, json: #"{"indu": 0, "judgement": "agree"}"#).status == .notFound)
            #expect(try await client.request(.post, "/api/v1/items/\(item)/release", session: bob, json: "{}").status == .notFound)
            #expect(try await client.request(.get, "/dossiers/\(item)", session: bob).status == .notFound)
            #expect(try await client.request(.post, "/dossiers/\(item)/cloture", session: bob, form: "csrf=\(bob.csrf)&indu=0&judgement=agree").status == .notFound)
            #expect(try harness.snapshot() == before)
            // The 404 does not say whose item it is.
            let body = try await client.request(.get, "/api/v1/items/\(item)", session: bob).text
            #expect(!body.contains("alice"))
        }
    }

    @Test func controleursOnlyPullTheirOwnSectors() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let carla = try await client.login("carla")  // S2 only
            for _ in 0..<12 { #expect(try await client.pull(carla)["sector"] as? String == "S2") }
            #expect(try await client.request(.post, "/api/v1/queue/next", session: carla, json: "{}").status == .noContent)
            #expect(try await client.request(.post, "/api/v1/queue/next", session: carla, json: #"{"sector": "S1"}"#).status == .noContent)
        }
    }

    @Test func superviseursSeeOnlyTheirSectors() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let samuel = try await client.login("samuel")
            let status = try await client.request(.get, "/api/v1/status", session: samuel).object()
            let sectors = Set((status["lines"] as? [[String: Any]] ?? []).compactMap { $0["sector"] as? String })
            #expect(sectors == ["S2"])
            let items = try #require(try JSONSerialization.jsonObject(with: Data(try await client.request(.get, "/api/v1/items", session: samuel).body.readableBytesView)) as? [[String: Any]])
            #expect(items.count == 12 && items.allSatisfy { $0["sector"] as? String == "S2" })
        }
    }
}
