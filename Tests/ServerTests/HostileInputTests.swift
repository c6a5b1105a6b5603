import ControlQueue
import Foundation
import HTTPTypes
import Testing
import Workflows

@testable import CiblageServer

/// Malformed and hostile requests: each gets its status, and the store is unchanged by every one.
@Suite struct HostileInputTests {
    struct Case: CustomStringConvertible {
        var name: String
        var method: HTTPRequest.Method
        var path: String
        var json: String?
        var form: String?
        var status: HTTPResponse.Status
        /// The field the refusal must name (JSON API), when there is one.
        var field: String?
        var description: String { name }
    }

    /// Built around one item `alice` holds (`{held}`) and one she does not (`{other}`).
    static func cases(held: Int, other: Int) -> [Case] {
        let close = "/api/v1/items/\(held)/close"
        var c: [Case] = []
        func json(_ name: String, _ body: String, _ status: HTTPResponse.Status, field: String? = nil, path: String? = nil, method: HTTPRequest.Method = .post) {
            c.append(Case(name: name, method: method, path: path ?? close, json: body, status: status, field: field))
        }
        // Amounts and types
        json("negative indu", #"{"indu": -1, "judgement": "agree"}"#, .unprocessableContent, field: "indu")
        json("negative rappel", #"{"indu": 0, "rappel": -0.01, "judgement": "agree"}"#, .unprocessableContent, field: "rappel")
        json("indu as a string", #"{"indu": "100", "judgement": "agree"}"#, .unprocessableContent, field: "indu")
        json("indu as a boolean", #"{"indu": true, "judgement": "agree"}"#, .unprocessableContent, field: "indu")
        json("indu as an array", #"{"indu": [1], "judgement": "agree"}"#, .unprocessableContent, field: "indu")
        json("indu as an object", #"{"indu": {"v": 1}, "judgement": "agree"}"#, .unprocessableContent, field: "indu")
        json("indu missing", #"{"judgement": "agree"}"#, .unprocessableContent, field: "indu")
        json("indu null", #"{"indu": null, "judgement": "agree"}"#, .unprocessableContent, field: "indu")
        json("indu too large to be finite", #"{"indu": 1e400, "judgement": "agree"}"#, .badRequest)
        json("indu without its months", #"{"indu": 800, "judgement": "agree"}"#, .unprocessableContent, field: "induMonths")
        json("months without indu", #"{"indu": 0, "induMonths": 3, "judgement": "agree"}"#, .unprocessableContent, field: "induMonths")
        json("months over 120", #"{"indu": 800, "induMonths": 121, "judgement": "agree"}"#, .unprocessableContent, field: "induMonths")
        json("months fractional", #"{"indu": 800, "induMonths": 2.5, "judgement": "agree"}"#, .unprocessableContent, field: "induMonths")
        json("months negative", #"{"indu": 800, "induMonths": -2, "judgement": "agree"}"#, .unprocessableContent, field: "induMonths")
        json("fraud as a string", #"{"indu": 0, "fraud": "yes", "judgement": "agree"}"#, .unprocessableContent, field: "fraud")
        json("fraud as a number", #"{"indu": 0, "fraud": 1, "judgement": "agree"}"#, .unprocessableContent, field: "fraud")
        json("unknown judgement", #"{"indu": 0, "judgement": "maybe"}"#, .unprocessableContent, field: "judgement")
        json("judgement missing", #"{"indu": 0}"#, .unprocessableContent, field: "judgement")
        json("override without a reason", #"{"indu": 0, "judgement": "override"}"#, .unprocessableContent, field: "reason")
        json("override with a blank reason", #"{"indu": 0, "judgement": "override", "reason": "   "}"#, .unprocessableContent, field: "reason")
        json("reason too long", #"{"indu": 0, "judgement": "override", "reason": "\#(String(repeating: "x", count: 2001))"}"#, .unprocessableContent, field: "reason")
        json("reason as a number", #"{"indu": 0, "judgement": "override", "reason": 5}"#, .unprocessableContent, field: "reason")
        json("unknown field", #"{"indu": 0, "judgement": "agree", "controller": "bob"}"#, .unprocessableContent, field: "controller")
        json("unknown field with SQL", #"{"indu": 0, "judgement": "agree", "x'; DROP TABLE items; --": 1}"#, .unprocessableContent)
        // Malformed bodies
        json("not JSON", "indu=0", .badRequest)
        json("truncated JSON", #"{"indu": 0, "judgement": "agr"#, .badRequest)
        json("a JSON array", "[1, 2]", .badRequest)
        json("a JSON string", #""agree""#, .badRequest)
        json("a JSON number", "0", .badRequest)
        json("a lone surrogate escape", #"{"indu": 0, "judgement": "\udc00"}"#, .badRequest)
        json("huge body", #"{"indu": 0, "judgement": "agree", "reason": "\#(String(repeating: "a", count: 70_000))"}"#, .contentTooLarge)
        json("deeply nested", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), .badRequest)
        // Identifiers in the path
        json("another's item", #"{"indu": 0, "judgement": "agree"}"#, .notFound, path: "/api/v1/items/\(other)/close")
        json("missing item", #"{"indu": 0, "judgement": "agree"}"#, .notFound, path: "/api/v1/items/999999/close")
        json("negative id", #"{"indu": 0, "judgement": "agree"}"#, .notFound, path: "/api/v1/items/-1/close")
        json("zero id", #"{"indu": 0, "judgement": "agree"}"#, .notFound, path: "/api/v1/items/0/close")
        json("id overflowing Int64", #"{"indu": 0, "judgement": "agree"}"#, .notFound, path: "/api/v1/items/99999999999999999999999/close")
        json("id with SQL", #"{"indu": 0, "judgement": "agree"}"#, .notFound, path: "/api/v1/items/1%20OR%201=1/close")
        json("id with a quote", #"{"indu": 0, "judgement": "agree"}"#, .notFound, path: "/api/v1/items/1'--/close")
        json("path traversal in id", "{}", .notFound, path: "/api/v1/items/..%2F..%2Fetc%2Fpasswd/release")
        json("an empty login", "{}", .unprocessableContent, field: "user", path: "/api/v1/session")
        json("a sector longer than any", #"{"sector": "\#(String(repeating: "S", count: 65))"}"#, .unprocessableContent, field: "sector", path: "/api/v1/queue/next")
        json("release of another's item", "{}", .notFound, path: "/api/v1/items/\(other)/release")
        c.append(Case(name: "an id in letters", method: .get, path: "/api/v1/items/abc", status: .notFound))
        c.append(Case(name: "an id with a script", method: .get, path: "/api/v1/items/%3Cscript%3E", status: .notFound))
        // Other bodies
        json("next with an unknown channel", #"{"channel": "telephone"}"#, .unprocessableContent, field: "channel", path: "/api/v1/queue/next")
        json("next with a channel of the wrong type", #"{"channel": 3}"#, .unprocessableContent, field: "channel", path: "/api/v1/queue/next")
        json("next with an unknown field", #"{"controller": "bob"}"#, .unprocessableContent, field: "controller", path: "/api/v1/queue/next")
        json("release with a body field", #"{"force": true}"#, .unprocessableContent, field: "force", path: "/api/v1/items/\(held)/release")
        json("login with a number as user", #"{"user": 1, "password": "x"}"#, .unprocessableContent, field: "user", path: "/api/v1/session")
        json("login with an unknown field", #"{"user": "alice", "password": "x", "role": "admin"}"#, .unprocessableContent, field: "role", path: "/api/v1/session")
        json("reassign by a controleur", #"{"controller": "alice"}"#, .forbidden, path: "/api/v1/items/\(held)/reassign")
        json("users by a controleur", #"{"name": "eve", "role": "admin", "password": "0123456789abc"}"#, .forbidden, path: "/api/v1/users")
        c.append(Case(name: "wrong method", method: .put, path: close, json: "{}", status: .notFound))
        c.append(Case(name: "no such route", method: .get, path: "/api/v1/items/\(held)/delete", status: .notFound))
        // Forms
        c.append(Case(name: "form with a negative indu", method: .post, path: "/dossiers/\(held)/cloture", form: "indu=-5&judgement=agree", status: .unprocessableContent))
        c.append(Case(name: "form with text for the indu", method: .post, path: "/dossiers/\(held)/cloture", form: "indu=beaucoup&judgement=agree", status: .unprocessableContent))
        c.append(Case(name: "form override without reason", method: .post, path: "/dossiers/\(held)/cloture", form: "indu=0&judgement=override", status: .unprocessableContent))
        c.append(Case(name: "form with no judgement", method: .post, path: "/dossiers/\(held)/cloture", form: "indu=0", status: .unprocessableContent))
        c.append(Case(name: "form for another's item", method: .post, path: "/dossiers/\(other)/cloture", form: "indu=0&judgement=agree", status: .notFound))
        c.append(Case(name: "form with a bad channel", method: .post, path: "/dossiers/suivant", form: "channel=%3Cscript%3E", status: .unprocessableContent))
        return c
    }

    @Test func everyHostileRequestIsRefusedAndTheStoreIsUnchanged() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice"), bob = try await client.login("bob")
            let held = try #require(try await client.pull(alice)["id"] as? Int)
            let other = try #require(try await client.pull(bob)["id"] as? Int)
            let cases = Self.cases(held: held, other: other)
            #expect(cases.count >= 60)
            let before = try harness.snapshot()
            let failuresBefore = try harness.store.loginFailures(user: nil, address: nil, since: .distantPast)
            for c in cases {
                var form = c.form
                if let f = form { form = "csrf=\(alice.csrf)&" + f }
                let r = try await client.request(c.method, c.path, session: alice, json: c.json, form: form)
                #expect(r.status == c.status, "\(c.name): \(r.status) \(r.text.prefix(200))")
                if let field = c.field {
                    let named = (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))) as? [String: Any]
                    #expect(named?["field"] as? String == field, "\(c.name): \(r.text.prefix(200))")
                }
                #expect(try harness.snapshot() == before, "\(c.name) changed the store")
            }
            #expect(try harness.store.loginFailures(user: nil, address: nil, since: .distantPast) == failuresBefore)
        }
    }

    @Test func reportsAreServedByPlainNameOnly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("<!doctype html><title>audit</title><p>audit".utf8).write(to: folder.appendingPathComponent("audit.html"))
        try Data("secret".utf8).write(to: folder.appendingPathComponent(".secret.html"))
        let harness = try Harness { $0.reports = folder.path }
        try await harness.test { client in
            let dana = try await client.login("dana")
            let page = try await client.request(.get, "/rapports/audit.html", session: dana)
            #expect(page.status == .ok && page.text.contains("<p>audit"))
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.hasPrefix("default-src 'none'") == true)
            #expect(try await client.request(.get, "/modeles", session: dana).text.contains("/rapports/audit.html"))
            for path in ["/rapports/..%2F..%2Fetc%2Fpasswd", "/rapports/../q.sqlite", "/rapports/.secret.html", "/rapports/audit.html%00.txt",
                         "/rapports/%2Fetc%2Fpasswd", "/rapports/AUDIT.HTML"] {
                #expect(try await client.request(.get, path, session: dana).status == .notFound, "\(path)")
            }
        }
    }

    @Test func aClosedItemAnswers409AndTheFirstCloseStands() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice")
            let item = try #require(try await client.pull(alice)["id"] as? Int)
            let close = #"{"indu": 1200.5, "rappel": 30, "induMonths": 7, "fraud": true, "judgement": "agree"}"#
            #expect(try await client.request(.post, "/api/v1/items/\(item)/close", session: alice, json: close).status == .ok)
            let before = try harness.snapshot()
            #expect(try await client.request(.post, "/api/v1/items/\(item)/close", session: alice, json: #"{"indu": 0, "judgement": "agree"}"#).status == .conflict)
            #expect(try await client.request(.post, "/api/v1/items/\(item)/release", session: alice, json: "{}").status == .conflict)
            #expect(try harness.snapshot() == before)
            let stored = try #require(try harness.store.items(in: .all).first { $0.id == Int64(item) })
            #expect(stored.outcome == Outcome(indu: 1200.5, rappel: 30, induMonths: 7, fraud: true, judgement: .agree))
        }
    }
}
