import ControlQueue
import Foundation
import Testing
import Workflows

/// Users, tokens, sessions, failed logins and the per-object scopes, on both stores.
@Suite struct IdentityStoreTests {
    static func items(_ n: Int) -> [PlannedItem] {
        (0..<n).map { i in
            PlannedItem(dossier: "D\(i)", channel: .surPieces, sector: i % 2 == 0 ? "S1" : "S2", score: 0.5, expectedAmount: nil,
                        expectedValue: Double(100 - i), selection: "exploit", inclusionProbability: 1, reasons: "")
        }
    }

    @Test(arguments: StoreKind.available)
    func usersTokensAndSessionsRoundTrip(_ kind: StoreKind) async throws {
        let store = try await kind.make().store.store
        try await offPool {
            var identity = IdentityOperations(store: store)
            identity.bcryptCost = 4
            #expect(try !store.hasUsers())
            let alice = try identity.addUser(AddUserRequest(name: "alice", role: .controleur, sectors: ["S1"], password: "mot-de-passe-alice"), by: Actor(name: "root"))
            #expect(try store.hasUsers() && store.user(named: "alice") == alice && alice.passwordHash.hasPrefix("$2"))
            let refusal1 = #expect(throws: QueueError.self) { try identity.addUser(AddUserRequest(name: "alice", role: .admin, password: "mot-de-passe-alice"), by: Actor(name: "root")) }
            #expect(refusal1?.description == "user alice already exists")
            let refusal2 = #expect(throws: RequestError.self) { try identity.addUser(AddUserRequest(name: "bob", role: .controleur, password: "mot-de-passe-bob"), by: Actor(name: "root")) }
            #expect(refusal2?.description == "a controleur needs at least one sector: authorisation is by sector")
            let refusal3 = #expect(throws: RequestError.self) { try identity.addUser(AddUserRequest(name: "bob", role: .admin, password: String(repeating: "é", count: 40)), by: Actor(name: "root")) }
            #expect(refusal3?.description == "the password must be at most 72 bytes (bcrypt ignores the rest)")
            let refusal4 = #expect(throws: RequestError.self) { try identity.addUser(AddUserRequest(name: "bob'; --", role: .admin, password: "mot-de-passe-bob"), by: Actor(name: "root")) }
            #expect(refusal4?.description == #"name must be 1 to 64 letters, digits, '.', '-' or '_', got "bob\'; --""#)

            #expect(try identity.login(user: "alice", password: "mot-de-passe-alice", address: "10.0.0.1") == .accepted(alice))
            #expect(try identity.login(user: "alice", password: "wrong-wrong-wrong", address: "10.0.0.1") == .refused)
            #expect(try identity.login(user: "nobody", password: "wrong-wrong-wrong", address: "10.0.0.2") == .refused)
            #expect(try store.loginFailures(user: "alice", address: nil, since: .distantPast) == 1)
            #expect(try store.loginFailures(user: nil, address: "10.0.0.2", since: .distantPast) == 1)

            let (token, expires) = try identity.issueToken(user: "alice", password: "mot-de-passe-alice", lifetime: 3600, by: Actor(name: "alice"))
            #expect(try identity.user(forToken: token)?.name == "alice")
            #expect(try identity.user(forToken: token, now: expires.addingTimeInterval(1)) == nil)
            #expect(try identity.user(forToken: token + "x") == nil)

            let s1 = try identity.openSession(for: alice, address: "10.0.0.1"), s2 = try identity.openSession(for: alice, address: "10.0.0.3")
            #expect(s1.id != s2.id && s1.record.csrfToken != s2.record.csrfToken)
            #expect(try identity.session(id: s1.id)?.0.csrfToken == s1.record.csrfToken)
            #expect(try store.session(idHash: s1.id) == nil, "the id itself is never stored")
            #expect(try identity.endOtherSessions(keeping: s1.id, actor: Actor(alice, address: nil)) == 1)
            #expect(try identity.session(id: s2.id) == nil && identity.session(id: s1.id) != nil)

            try identity.disableUser("alice", by: Actor(name: "root"))
            #expect(try identity.session(id: s1.id) == nil && identity.user(forToken: token) == nil)
            #expect(try identity.login(user: "alice", password: "mot-de-passe-alice", address: "10.0.0.1") == .refused)
            let actions = try store.auditEntries().map(\.action)
            #expect(actions.contains("user-add") && actions.contains("token-issue") && actions.contains("login-failed") && actions.contains("user-disable"))
            #expect(try store.verifyAudit().ok)
        }
    }

    @Test(arguments: StoreKind.available)
    func scopesAreAppliedInTheStoreQueries(_ kind: StoreKind) async throws {
        let store = try await kind.make().store.store
        try await offPool {
            _ = try store.plan(campaign: "c", modelChecksum: "m", items: Self.items(10), by: Actor(name: "root"))
            let alice = Actor(name: "alice", role: .controleur, sectors: ["S1"]), bob = Actor(name: "bob", role: .controleur, sectors: ["S2"])
            let now = Date()
            var pulled: [QueueItem] = []
            while let item = try store.next(for: alice, channel: nil, sector: nil, lease: 600, now: now) { pulled.append(item) }
            #expect(pulled.count == 5 && pulled.allSatisfy { $0.item.sector == "S1" && $0.controller == "alice" })
            #expect(try store.next(for: alice, channel: nil, sector: "S2", lease: 600, now: now) == nil)
            let id = pulled[0].id
            #expect(try store.item(id, in: .heldBy("alice", sectors: ["S1"]), viewedBy: nil, now: now)?.id == id)
            #expect(try store.item(id, in: .heldBy("bob", sectors: ["S2"]), viewedBy: nil, now: now) == nil)
            #expect(try store.item(id, in: .sectors(["S2"]), viewedBy: nil, now: now) == nil)
            #expect(try store.item(id, in: .sectors(["S1"]), viewedBy: nil, now: now)?.id == id)
            #expect(try store.item(id, in: .sectors([]), viewedBy: nil, now: now) == nil)
            #expect(try store.items(in: .sectors(["S2"])).count == 5)
            #expect(try store.status(campaign: nil, sectors: ["S2"], now: now).map(\.sector) == ["S2"])
            let audit = try store.auditEntries().count
            let outcome = Outcome(indu: 0, rappel: 0, fraud: false, judgement: .agree)
            #expect { try store.close(item: id, by: bob, outcome: outcome, now: now) } throws: { ($0 as? QueueError)?.kind == .notFound }
            #expect { try store.release(item: id, by: bob, now: now) } throws: { ($0 as? QueueError)?.kind == .notFound }
            let sylvie = Actor(name: "sylvie", role: .superviseur, sectors: ["S1"])
            #expect { try store.close(item: id, by: sylvie, outcome: outcome, now: now) } throws: { ($0 as? QueueError)?.kind == .forbidden }
            #expect { try store.reassign(item: id, to: "bob", by: Actor(name: "samuel", role: .superviseur, sectors: ["S2"]), lease: 60, now: now) }
                throws: { ($0 as? QueueError)?.kind == .notFound }
            #expect(try store.auditEntries().count == audit)
            try store.reassign(item: id, to: "carla", by: sylvie, lease: 60, now: now)
            #expect(try store.item(id, in: .heldBy("carla", sectors: nil), viewedBy: sylvie, now: now)?.controller == "carla")
            try store.close(item: id, by: Actor(name: "carla", role: .controleur, sectors: ["S1"]), outcome: outcome, now: now)
            #expect { try store.reassign(item: id, to: "alice", by: sylvie, lease: 60, now: now) } throws: { ($0 as? QueueError)?.kind == .conflict }
            let trail = try store.auditEntries().filter { $0.item == id }.map { "\($0.actor) \($0.action)" }
            #expect(trail == ["alice assign", "sylvie reassign", "sylvie view", "carla close"])
            #expect(try store.verifyAudit().ok)
        }
    }
}
