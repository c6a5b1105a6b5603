import ControlQueue
import Foundation
import HTTPTypes
import Testing
import Workflows

@testable import CiblageServer

/// Sessions, CSRF, throttling and headers (OWASP ASVS 2.2, 3.2, 3.3, 4.2.2, 14.4).
@Suite struct SessionSecurityTests {
    @Test func aStateChangeWithoutTheCSRFTokenIsRefusedAndChangesNothing() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice"), other = try await client.login("alice")
            let before = try harness.snapshot()
            #expect(try await client.request(.post, "/api/v1/queue/next", session: alice, csrf: false, json: "{}").status == .forbidden)
            let wrong = Session(cookie: alice.cookie, csrf: String(alice.csrf.reversed()))
            #expect(try await client.request(.post, "/api/v1/queue/next", session: wrong, json: "{}").status == .forbidden)
            // Another session's token is not this session's.
            #expect(try await client.request(.post, "/api/v1/queue/next", session: Session(cookie: alice.cookie, csrf: other.csrf), json: "{}").status == .forbidden)
            // Forms: the csrf field, checked the same way.
            #expect(try await client.request(.post, "/dossiers/suivant", session: alice, csrf: false, form: "channel=").status == .forbidden)
            #expect(try await client.request(.post, "/dossiers/suivant", session: alice, csrf: false, form: "csrf=nope&channel=").status == .forbidden)
            #expect(try harness.snapshot() == before)
            // With the token, the same requests go through.
            #expect(try await client.request(.post, "/dossiers/suivant", session: alice, csrf: false, form: "csrf=\(alice.csrf)&channel=").status == .seeOther)
            #expect(try await client.request(.post, "/api/v1/queue/next", session: alice, json: "{}").status == .ok)
        }
    }

    @Test func aCrossSiteRequestIsRefusedEvenWithTheToken() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice")
            let before = try harness.snapshot()
            for headers: HTTPFields in [[HTTPField.Name("Sec-Fetch-Site")!: "cross-site"], [HTTPField.Name("Sec-Fetch-Site")!: "same-site"],
                                        [.origin: "http://evil.example"]] {
                #expect(try await client.request(.post, "/api/v1/queue/next", session: alice, json: "{}", headers: headers).status == .forbidden)
            }
            // Login CSRF too.
            #expect(try await client.request(.post, "/api/v1/session", json: #"{"user": "alice", "password": "\#(Harness.password)"}"#,
                                             headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]).status == .forbidden)
            #expect(try harness.snapshot() == before)
            #expect(try await client.request(.post, "/api/v1/queue/next", session: alice, json: "{}",
                                             headers: [HTTPField.Name("Sec-Fetch-Site")!: "same-origin"]).status == .ok)
        }
    }

    @Test func loginIssuesANewSessionIdAndEndsTheOldOne() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let first = try await client.login("alice")
            // A client that comes with a session id (planted, or its own) gets a new one at login.
            let second = try await client.login("alice", cookie: first.cookie)
            #expect(second.cookie != first.cookie && second.csrf != first.csrf)
            #expect(try await client.request(.get, "/api/v1/sessions", session: first).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/sessions", session: second).status == .ok)
            // An id the server never issued is not a session.
            #expect(try await client.request(.get, "/api/v1/sessions", session: Session(cookie: "chosen-by-attacker", csrf: "x")).status == .unauthorized)
        }
    }

    @Test func theCookieHasTheHostPrefixAndEveryFlag() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let r = try await client.request(.post, "/api/v1/session", json: #"{"user": "alice", "password": "\#(Harness.password)"}"#)
            let cookie = try #require(r.headers[.setCookie])
            #expect(cookie.hasPrefix("__Host-"))
            for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] { #expect(cookie.contains(flag), "\(flag) in \(cookie)") }
            #expect(!cookie.contains("Domain"))
        }
    }

    @Test func sessionsExpireWhenIdleAndAfterTheAbsoluteLimit() async throws {
        // The server's clock is the test's: no sleeping, no dependence on the machine's load.
        let clock = TestClock()
        let harness = try Harness { $0.now = { clock.now } }
        try await harness.test { client in
            let idle = try await client.login("alice")
            for _ in 0..<3 {  // activity every 20 min keeps it alive past the 30-min idle limit
                clock.advance(20 * 60)
                #expect(try await client.request(.get, "/api/v1/sessions", session: idle).status == .ok)
            }
            clock.advance(31 * 60)
            #expect(try await client.request(.get, "/api/v1/sessions", session: idle).status == .unauthorized)
            #expect(try await client.request(.get, "/dossiers", session: idle).status == .seeOther)

            let busy = try await client.login("alice")
            for _ in 0..<35 {  // 11 h 40 min of activity
                clock.advance(20 * 60)
                #expect(try await client.request(.get, "/api/v1/sessions", session: busy).status == .ok)
            }
            clock.advance(25 * 60)  // 12 h 05 min after login, 25 min after the last request
            #expect(try await client.request(.get, "/api/v1/sessions", session: busy).status == .unauthorized)
        }
    }

    @Test func sessionsSurviveARestartOfTheServer() async throws {
        let harness = try Harness()
        let session = Box<Session>()
        try await harness.test { client in session.value = try await client.login("alice") }
        // A new application over the same store: the session is in the store, not in the process.
        try await harness.test { client in
            let r = try await client.request(.get, "/api/v1/sessions", session: session.value!)
            #expect(r.status == .ok)
        }
    }

    @Test func logoutAndEndingTheOtherSessions() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let a = try await client.login("alice"), b = try await client.login("alice"), c = try await client.login("alice")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(try await client.request(.get, "/api/v1/sessions", session: a).body.readableBytesView)) as? [[String: Any]])
            #expect(list.count == 3 && list.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(try await client.request(.delete, "/api/v1/sessions/others", session: a).object()["ended"] as? Int == 2)
            #expect(try await client.request(.get, "/api/v1/sessions", session: b).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/sessions", session: c).status == .unauthorized)
            #expect(try await client.request(.delete, "/api/v1/session", session: a).status == .noContent)
            #expect(try await client.request(.get, "/api/v1/sessions", session: a).status == .unauthorized)
            // The page logout too.
            let d = try await client.login("alice")
            let r = try await client.request(.post, "/deconnexion", session: d, csrf: false, form: "csrf=\(d.csrf)")
            #expect(r.status == .seeOther && r.headers[.location] == "/connexion")
            #expect(try await client.request(.get, "/api/v1/sessions", session: d).status == .unauthorized)
        }
    }

    @Test func aDisabledUserLosesSessionsAndTokens() async throws {
        let harness = try Harness()
        let token = try IdentityOperations(store: harness.store).issueToken(user: "alice", password: Harness.password, by: Actor(name: "alice")).token
        try await harness.test { client in
            let alice = try await client.login("alice"), adam = try await client.login("adam")
            #expect(try await client.request(.get, "/api/v1/items", headers: [.authorization: "Bearer \(token)"]).status == .ok)
            #expect(try await client.request(.post, "/api/v1/users/alice/disable", session: adam, json: "{}").status == .ok)
            #expect(try await client.request(.get, "/api/v1/sessions", session: alice).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/items", headers: [.authorization: "Bearer \(token)"]).status == .unauthorized)
            #expect(try await client.request(.post, "/api/v1/session", json: #"{"user": "alice", "password": "\#(Harness.password)"}"#).status == .unauthorized)
        }
    }

    @Test func aBearerTokenActsWithItsUsersRoleWithoutCSRF() async throws {
        let harness = try Harness()
        let identity = IdentityOperations(store: harness.store)
        let token = try identity.issueToken(user: "alice", password: Harness.password, by: Actor(name: "alice")).token
        let refusal29 = #expect(throws: QueueError.self) { try identity.issueToken(user: "alice", password: "wrong-password-here", by: Actor(name: "alice")) }
        #expect(refusal29?.description == "wrong user or password for alice")
        try await harness.test { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let r = try await client.request(.post, "/api/v1/queue/next", json: "{}", headers: bearer)
            let pulled = try r.object()
            #expect(r.status == .ok && pulled["controller"] as? String == "alice")
            #expect(try await client.request(.get, "/api/v1/status", headers: bearer).status == .forbidden)
            #expect(try await client.request(.get, "/api/v1/items", headers: [.authorization: "Bearer cbl_forged"]).status == .unauthorized)
            // Tokens are for the API; a page asked with one goes to the login page.
            #expect(try await client.request(.get, "/dossiers", headers: bearer).status == .seeOther)
        }
    }

    @Test func loginIsThrottledPerAccountAndPerAddress() async throws {
        let harness = try Harness { $0.throttle.accountLimit = 5; $0.throttle.addressLimit = 12 }
        try await harness.test { client in
            for _ in 0..<5 {
                #expect(try await client.request(.post, "/api/v1/session", json: #"{"user": "alice", "password": "wrong-password-1"}"#).status == .unauthorized)
            }
            // The account is throttled, even with the right password; the attempt is not checked.
            #expect(try await client.request(.post, "/api/v1/session", json: #"{"user": "alice", "password": "\#(Harness.password)"}"#).status == .tooManyRequests)
            // Other accounts from the same address still can, until the address's limit.
            _ = try await client.login("bob")
            for name in ["x1", "x2", "x3", "x4", "x5", "x6", "x7"] {
                #expect(try await client.request(.post, "/api/v1/session", json: #"{"user": "\#(name)", "password": "wrong-password-1"}"#).status == .unauthorized)
            }
            #expect(try await client.request(.post, "/api/v1/session", json: #"{"user": "bob", "password": "\#(Harness.password)"}"#).status == .tooManyRequests)
            // The login page says so too.
            let page = try await client.request(.post, "/connexion", form: "user=bob&password=\(Harness.password)")
            #expect(page.status == .tooManyRequests && page.text.contains("Trop de tentatives"))
        }
        // Every failure is in the audit log, without the password.
        let failures = try harness.store.auditEntries().filter { $0.action == "login-failed" }
        #expect(failures.count == 12)
        #expect(try harness.store.auditEntries().allSatisfy { !$0.details.contains("wrong-password") && !$0.details.contains(Harness.password) })
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let alice = try await client.login("alice")
            let responses = [
                try await client.request(.get, "/connexion"), try await client.request(.get, "/dossiers", session: alice),
                try await client.request(.get, "/api/v1/items", session: alice), try await client.request(.get, "/api/v1/items"),
                try await client.request(.get, "/api/v1/items/999999", session: alice), try await client.request(.get, "/nowhere"),
                try await client.request(.post, "/api/v1/queue/next", session: alice, json: String(repeating: " ", count: 70_000)),
                try await client.request(.get, "/tableau", session: alice), try await client.request(.get, "/assets/ciblage.js"),
            ]
            for r in responses {
                #expect(r.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true, "\(r.status)")
                #expect(r.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("frame-ancestors 'none'") == true)
                #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(r.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(r.headers[.cacheControl] != nil)
            }
            #expect(responses[1].headers[.cacheControl] == "no-store" && responses[2].headers[.cacheControl] == "no-store")
            #expect(responses[6].status == .contentTooLarge)
        }
    }
}

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// A value handed from one test closure to the next.
final class Box<T: Sendable>: @unchecked Sendable { var value: T? }
