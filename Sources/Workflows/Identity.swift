import ControlQueue
import Crypto
import Foundation
import HummingbirdBcrypt

/// Add a person to the store.
public struct AddUserRequest: Sendable {
    public var name: String
    public var role: Role
    public var sectors: [String]
    public var password: String
    public init(name: String, role: Role, sectors: [String] = [], password: String) {
        self.name = name; self.role = role; self.sectors = sectors; self.password = password
    }

    public func validate() throws(RequestError) {
        do { try UserAccount.validate(name: name) } catch let e as QueueError { throw RequestError("name", e.template) } catch {
            throw RequestError("name", "\(error)")
        }
        try PasswordRule.check(password)
        if role == .controleur || role == .superviseur, sectors.isEmpty {
            throw RequestError("sector", "a \(role.rawValue) needs at least one {sector}: authorisation is by sector")
        }
        for s in sectors where s.isEmpty || s.count > 64 { throw RequestError("sector", "each {sector} must be 1 to 64 characters") }
    }
}

/// The password rule: long enough to resist guessing, short enough for bcrypt, which ignores what
/// is past 72 bytes (a longer one is refused rather than silently cut).
public enum PasswordRule {
    public static let minimumLength = 12
    public static let maximumBytes = 72

    public static func check(_ password: String) throws(RequestError) {
        guard password.count >= minimumLength else {
            throw RequestError("password", "the {password} must have at least \(minimumLength) characters")
        }
        guard password.utf8.count <= maximumBytes else {
            throw RequestError("password", "the {password} must be at most \(maximumBytes) bytes (bcrypt ignores the rest)")
        }
    }
}

/// Session lifetimes (OWASP ASVS 3.3): idle and absolute.
public struct SessionPolicy: Sendable {
    public var idle: TimeInterval = 30 * 60
    public var absolute: TimeInterval = 12 * 3600
    /// `last_seen` is written at most this often, so that a busy session does not write on every request.
    public var touchInterval: TimeInterval = 60
    public init() {}
}

/// Login throttling (ASVS 2.2.1): at most `accountLimit` failures per `window` for one account,
/// and `addressLimit` for one client address, whatever the account.
public struct LoginThrottle: Sendable {
    public var window: TimeInterval = 3600
    public var accountLimit = 100
    public var addressLimit = 300
    public init() {}
}

/// The outcome of a login attempt.
public enum LoginResult: Sendable, Equatable {
    case accepted(UserAccount)
    case refused
    /// Too many failures: the attempt was not even checked.
    case throttled
}

/// A session just opened: the id goes into the cookie once and is stored only as its hash.
public struct OpenedSession: Sendable {
    public var id: String
    public var record: SessionRecord
    public var user: UserAccount
}

/// Users, tokens and sessions over one store: what the `users` commands and the server's login call.
public struct IdentityOperations: Sendable {
    public let store: any QueueStore
    /// bcrypt's cost: 12 in production (about 0.3 s), 4 in tests.
    public var bcryptCost: UInt8 = 12
    public var sessions = SessionPolicy()
    public var throttle = LoginThrottle()

    public init(store: any QueueStore) { self.store = store }
    public init(url: String) throws { store = try QueueStoreLocation(url).open() }

    /// Adds a user. `actor` is who does it: an admin in the server, the store's administrator in the CLI.
    @discardableResult
    public func addUser(_ request: AddUserRequest, by actor: Actor) throws -> UserAccount {
        try request.validate()
        let user = UserAccount(name: request.name, role: request.role, sectors: request.sectors,
                               passwordHash: Bcrypt.hash(request.password, cost: bcryptCost))
        try store.addUser(user, by: actor)
        return user
    }

    public func disableUser(_ name: String, by actor: Actor) throws { try store.setDisabled(true, user: name, by: actor) }

    public func users() throws -> [UserAccount] { try store.users() }

    /// Checks a password against the throttle first, then the hash. Every failure is recorded (for
    /// throttling and in the audit log) without the password.
    public func login(user name: String, password: String, address: String, now: Date = Date()) throws -> LoginResult {
        let since = now.addingTimeInterval(-throttle.window)
        if try store.loginFailures(user: name, address: nil, since: since) >= throttle.accountLimit
            || store.loginFailures(user: nil, address: address, since: since) >= throttle.addressLimit {
            try store.recordEvent(actor: Actor(name: name, address: address), action: "login-throttled", item: nil, details: "", now: now)
            return .throttled
        }
        // A missing user costs the same bcrypt as a wrong password, so that timing does not tell which.
        let account = try store.user(named: name)
        let hash = account?.passwordHash ?? Self.decoyHash
        let matches = password.utf8.count <= PasswordRule.maximumBytes && Bcrypt.verify(password, hash: hash)
        guard let account, matches, !account.disabled else {
            try store.recordLoginFailure(user: name, address: address, at: now)
            try store.recordEvent(actor: Actor(name: name, address: address), action: "login-failed", item: nil,
                                  details: account == nil ? "unknown-user" : account!.disabled ? "disabled" : "bad-password", now: now)
            return .refused
        }
        return .accepted(account)
    }

    /// A fixed hash of a random password: verified against when the user does not exist.
    private static let decoyHash = Bcrypt.hash(randomToken(), cost: 4)

    /// Opens a session with a new id (never one the client chose: no session fixation).
    public func openSession(for user: UserAccount, address: String, now: Date = Date()) throws -> OpenedSession {
        let id = randomToken()
        let record = SessionRecord(idHash: Self.digest(id), user: user.name, csrfToken: randomToken(), created: now, lastSeen: now, address: address)
        try store.createSession(record)
        try store.recordEvent(actor: Actor(user, address: address), action: "login", item: nil, details: "", now: now)
        return OpenedSession(id: id, record: record, user: user)
    }

    /// The live session of a cookie and its user, or nil when it is unknown, idle too long, too old,
    /// or its user disabled. An expired session is deleted.
    public func session(id: String, now: Date = Date()) throws -> (SessionRecord, UserAccount)? {
        let hash = Self.digest(id)
        guard let (record, user) = try store.sessionWithUser(idHash: hash) else { return nil }
        guard now.timeIntervalSince(record.lastSeen) <= sessions.idle, now.timeIntervalSince(record.created) <= sessions.absolute, !user.disabled else {
            try store.deleteSession(idHash: hash)
            return nil
        }
        if now.timeIntervalSince(record.lastSeen) >= sessions.touchInterval { try store.touchSession(idHash: hash, at: now) }
        return (record, user)
    }

    public func endSession(id: String, actor: Actor, now: Date = Date()) throws {
        try store.deleteSession(idHash: Self.digest(id))
        try store.recordEvent(actor: actor, action: "logout", item: nil, details: "", now: now)
    }

    /// "End my other sessions": every session of the user but this one.
    @discardableResult
    public func endOtherSessions(keeping id: String, actor: Actor, now: Date = Date()) throws -> Int {
        let n = try store.deleteSessions(user: actor.name, except: Self.digest(id))
        try store.recordEvent(actor: actor, action: "logout-others", item: nil, details: "sessions=\(n)", now: now)
        return n
    }

    public func sessions(of user: String) throws -> [SessionRecord] { try store.sessions(user: user) }

    /// Issues an API token for scripts, after checking the user's password: random, shown once, stored
    /// as its SHA-256, with the user's role, expiring.
    public func issueToken(user name: String, password: String, lifetime: TimeInterval = 30 * 86_400, by actor: Actor,
                           now: Date = Date()) throws -> (token: String, expires: Date) {
        guard (3600...(366 * 86_400)).contains(lifetime) else { throw RequestError("days", "a token lives between one hour and a year") }
        switch try login(user: name, password: password, address: actor.address ?? "local", now: now) {
        case .accepted: break
        case .refused: throw QueueError("wrong user or password for \(name)", kind: .forbidden)
        case .throttled: throw QueueError("too many failed logins for \(name): wait and retry", kind: .forbidden)
        }
        let token = "cbl_" + randomToken()
        let expires = now.addingTimeInterval(lifetime)
        try store.addToken(hash: Self.digest(token), user: name, expires: expires, by: actor)
        return (token, expires)
    }

    /// The user of an API token, if it is known, unexpired and its user active.
    public func user(forToken token: String, now: Date = Date()) throws -> UserAccount? {
        try store.tokenUser(hash: Self.digest(token), now: now)
    }

    /// Who acts in a CLI command. A store with users takes the identity from an API token
    /// (`CIBLAGE_TOKEN`), never from a name given on the command line; a store without users is run
    /// by whoever opens it, named by `fallback` (a flag or `$USER`).
    public func actor(token: String?, fallback: String) throws -> Actor {
        guard try store.hasUsers() else { return Actor(name: fallback) }
        guard let token, !token.isEmpty else {
            throw QueueError("this store has users: set CIBLAGE_TOKEN to a token from 'ciblage users token NAME' (names given by flag or $USER are not accepted)", kind: .forbidden)
        }
        guard let user = try user(forToken: token) else { throw QueueError("CIBLAGE_TOKEN is unknown, expired or its user disabled", kind: .forbidden) }
        return Actor(user, address: "cli")
    }

    static func digest(_ secret: String) -> String { SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined() }
}

/// 32 random bytes from the system's generator, base64url without padding.
func randomToken() -> String {
    var g = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
    return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
