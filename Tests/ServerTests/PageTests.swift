import ControlQueue
import Foundation
import HTTPTypes
import Testing
import Workflows

@testable import CiblageServer

/// The pages: the controleur's flow, form errors by field, escaping, the dashboard's figures.
@Suite struct PageTests {
    @Test func aControleurPullsOpensAndClosesThroughThePages() async throws {
        let harness = try Harness()
        try await harness.test { client in
            // Login through the form: a redirect home with the cookie.
            let login = try await client.request(.post, "/connexion", form: "user=alice&password=\(Harness.password)")
            #expect(login.status == .seeOther && login.headers[.location] == "/dossiers")
            let cookie = try #require(Client.sessionCookie(login))
            let page = try await client.request(.get, "/dossiers", session: Session(cookie: cookie, csrf: ""))
            let csrf = try #require(Self.hidden("csrf", in: page.text))
            let alice = Session(cookie: cookie, csrf: csrf)
            #expect(page.text.contains("Dossier suivant") && page.text.contains("accesskey=\"n\""))

            let next = try await client.request(.post, "/dossiers/suivant", session: alice, csrf: false, form: "csrf=\(csrf)&channel=")
            let location = try #require(next.headers[.location])
            #expect(next.status == .seeOther && location.hasPrefix("/dossiers/"))
            let dossier = try await client.request(.get, location, session: alice)
            #expect(dossier.status == .ok)
            for text in ["Dossier D1000", "Loyer déclaré", "Enfant de 19 ans ou plus", "R311-3-1-2", "classé par valeur attendue", "Bail restant",
                         "Valeur attendue", "500,00 €"] {
                #expect(dossier.text.contains(text), "\(text)")
            }
            // A refused form says which field and why, keeps what was typed, and changes nothing.
            let before = try harness.snapshot()
            let refused = try await client.request(.post, location + "/cloture", session: alice, csrf: false,
                                                   form: "csrf=\(csrf)&indu=-12&rappel=abc&judgement=override&reason=")
            #expect(refused.status == .unprocessableContent)
            for text in ["le montant ne peut pas être négatif", "un montant en euros est attendu", "un motif est obligatoire", "value=\"-12\"",
                         "Le formulaire contient des erreurs : indu, rappel, motif."] {
                #expect(refused.text.contains(text), "\(text)")
            }
            #expect(try harness.snapshot() == before)
            let closed = try await client.request(.post, location + "/cloture", session: alice, csrf: false,
                                                  form: "csrf=\(csrf)&indu=1%20250,50&rappel=0&induMonths=7&fraud=1&judgement=agree&reason=")
            #expect(closed.status == .seeOther && closed.headers[.location] == "/dossiers?message=clos")
            let id = try #require(Int64(location.split(separator: "/").last!))
            let stored = try #require(try harness.store.items(in: .all).first { $0.id == id })
            #expect(stored.outcome == Outcome(indu: 1250.5, rappel: 0, induMonths: 7, fraud: true, judgement: .agree))
            let mine = try await client.request(.get, "/dossiers?message=clos", session: alice)
            #expect(mine.text.contains("Dossier clôturé.") && mine.text.contains("Traités (1)"))
        }
    }

    @Test func userTextIsEscapedEverywhereItIsShown() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice"), sylvie = try await client.login("sylvie")
            let item = try #require(try await client.pull(alice)["id"] as? Int)
            let script = "<script>alert('x')</script> & \"quoted\""
            let body = try JSONSerialization.data(withJSONObject: ["indu": 0, "judgement": "override", "reason": script])
            #expect(try await client.request(.post, "/api/v1/items/\(item)/close", session: alice, json: String(decoding: body, as: UTF8.self)).status == .ok)
            for path in ["/tableau", "/dossiers/\(item)"] {
                let page = try await client.request(.get, path, session: sylvie).text
                #expect(!page.contains("<script>alert"), "\(path)")
                #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"), "\(path)")
                #expect(!page.contains("<script>") && page.contains("<script src=\"/assets/ciblage.js\"></script>"))
            }
        }
    }

    @Test func theDashboardCountsInVolumeAndEurosAgainstTheObjective() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-campaign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let campaign = folder.appendingPathComponent("c1.yaml")
        try Data("name: c1\nmodel: m.json\nchannels:\n  - {name: sur_pieces, capacity: 10, costPerControl: 20}\nobjective: {euros: 10000, volume: 8}\n".utf8).write(to: campaign)
        let harness = try Harness { $0.campaigns = [campaign.path] }
        try await harness.test { client in
            let bob = try await client.login("bob"), sylvie = try await client.login("sylvie")
            // bob closes four items: two with an indu, one override; the random share gets one closed item.
            for (i, indu) in [1500.0, 0, 1000, 0].enumerated() {
                let item = try #require(try await client.pull(bob)["id"] as? Int)
                let judgement = i == 3 ? #""override", "reason": "dossier déjà contrôlé""# : #""agree""#
                let months = indu > 0 ? #", "induMonths": 6"# : ""
                #expect(try await client.request(.post, "/api/v1/items/\(item)/close", session: bob,
                                                 json: #"{"indu": \#(indu)\#(months), "judgement": \#(judgement)}"#).status == .ok)
            }
            let status = try await client.request(.get, "/api/v1/status?campaign=c1", session: sylvie).object()
            let totals = try #require((status["campaigns"] as? [[String: Any]])?.first)
            // sylvie supervises S1: only bob's S1 items count.
            let mine = try harness.store.items(in: .sectors(["S1"])).filter { $0.state == .closed }
            #expect(totals["closed"] as? Int == mine.count)
            #expect(totals["eurosFound"] as? Double == mine.reduce(0) { $0 + ($1.outcome?.indu ?? 0) })
            #expect(totals["progressPercent"] as? Double == 100 * mine.reduce(0) { $0 + ($1.outcome?.indu ?? 0) } / 10000)
            let euros = try await client.request(.get, "/tableau?vue=euros", session: sylvie).text
            let volume = try await client.request(.get, "/tableau", session: sylvie).text
            #expect(euros.contains("10\u{202F}000,00 €") && volume.contains("8 contrôles"))
            #expect(volume.contains("Réattribuer") && volume.contains("Charge par contrôleur"))
            // One campaign chosen: the list still offers every campaign, the chosen one selected.
            let chosen = try await client.request(.get, "/tableau?campagne=c1", session: sylvie).text
            #expect(chosen.contains(#"<option value="c1" selected>c1</option>"#) && chosen.contains("8 contrôles"))
            let other = try await client.request(.get, "/tableau?campagne=autre", session: sylvie).text
            #expect(other.contains(#"<option value="c1">c1</option>"#) && !other.contains("8 contrôles"))
            let csv = try await client.request(.get, "/tableau/export.csv", session: sylvie).text
            #expect(csv.hasPrefix("campagne,canal,secteur,planifies") && !csv.contains("S2"))
        }
    }

    @Test func superviseursReassignOnlyToControleursOfTheSector() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice"), sylvie = try await client.login("sylvie")
            let item = try #require(try await client.pull(alice)["id"] as? Int)  // S1
            let before = try harness.snapshot()
            let refused = try await client.request(.post, "/api/v1/items/\(item)/reassign", session: sylvie, json: #"{"controller": "carla"}"#)
            #expect(refused.status == .unprocessableContent && refused.text.contains("does not cover sector S1"))
            #expect(try await client.request(.post, "/api/v1/items/\(item)/reassign", session: sylvie, json: #"{"controller": "sylvie"}"#).status == .unprocessableContent)
            #expect(try harness.snapshot() == before)
            let page = try await client.request(.post, "/tableau/reattribution", session: sylvie, csrf: false, form: "csrf=\(sylvie.csrf)&item=\(item)&controller=bob")
            #expect(page.status == .seeOther)
            let moved = try #require(try harness.store.items(in: .all).first { $0.id == Int64(item) })
            #expect(moved.controller == "bob" && moved.state == .assigned)
        }
    }

    @Test func anAdminAddsAUserFromThePageWithFieldErrors() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let adam = try await client.login("adam")
            let short = try await client.request(.post, "/admin/utilisateurs", session: adam, csrf: false,
                                                 form: "csrf=\(adam.csrf)&name=eve&role=controleur&sectors=S1&password=court")
            #expect(short.status == .unprocessableContent && short.text.contains("password : the password must have at least 12 characters"))
            let ok = try await client.request(.post, "/admin/utilisateurs", session: adam, csrf: false,
                                              form: "csrf=\(adam.csrf)&name=eve&role=controleur&sectors=S1,%20S2&password=un-mot-de-passe-long")
            #expect(ok.status == .seeOther)
            #expect(try harness.store.user(named: "eve")?.sectors == ["S1", "S2"])
            _ = try await client.login("eve", password: "un-mot-de-passe-long")
        }
    }

    /// The value of a hidden input.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }
}

/// The OpenAPI document names exactly the routes the server has.
@Suite struct OpenAPITests {
    @Test func theDocumentDescribesEveryRouteAndNoOther() async throws {
        let harness = try Harness()
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var described: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys { described.insert("\(method.uppercased()) /api/v1\(path)") }
        }
        let routes = Set(try harness.apiRoutes)
        #expect(described == routes, "missing: \(routes.subtracting(described).sorted()); extra: \(described.subtracting(routes).sorted())")
        try await harness.test { client in
            let served = try await client.request(.get, "/api/v1/openapi.json")
            #expect(served.status == .ok && served.text == OpenAPIDocument.json)
        }
    }
}

/// The audit log records who did what, with role and address, and every view of a dossier.
@Suite struct AuditTrailTests {
    @Test func everyActionAndViewIsRecordedWithTheAuthenticatedUser() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice"), sylvie = try await client.login("sylvie")
            let item = try #require(try await client.pull(alice)["id"] as? Int)
            _ = try await client.request(.get, "/dossiers/\(item)", session: alice)
            _ = try await client.request(.get, "/api/v1/items/\(item)", session: sylvie)
            _ = try await client.request(.post, "/api/v1/items/\(item)/close", session: alice, json: #"{"indu": 0, "judgement": "agree"}"#)
        }
        let entries = try harness.store.auditEntries()
        let trail = entries.filter { $0.item != nil }.map { "\($0.actor) \($0.action)" }
        #expect(trail == ["alice assign", "alice view", "sylvie view", "alice close"])
        for e in entries where e.item != nil { #expect(e.details.contains("role=") && e.details.contains("address=")) }
        #expect(entries.filter { $0.action == "login" }.map(\.actor) == ["alice", "sylvie"])
        #expect(try harness.store.verifyAudit().ok)
    }
}
