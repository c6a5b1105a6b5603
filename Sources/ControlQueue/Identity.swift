import Foundation

/// What a person may do, checked per request by the server and per object by the store's queries.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Pulls, views, releases and closes items of their own sectors that they hold.
    case controleur
    /// Follows the dashboard of their sectors, reassigns items, reads overrides.
    case superviseur
    /// Reads models, evaluations, audits, cards; exports outcomes for retraining.
    case datascientist
    /// Manages users.
    case admin
}

/// A person known to the store. The password is kept only as a bcrypt hash.
public struct UserAccount: Codable, Equatable, Sendable {
    public var name: String
    public var role: Role
    /// The sectors whose items the user works on or supervises (empty: none).
    public var sectors: [String]
    public var passwordHash: String
    public var disabled: Bool
    public init(name: String, role: Role, sectors: [String], passwordHash: String, disabled: Bool = false) {
        self.name = name; self.role = role; self.sectors = sectors; self.passwordHash = passwordHash; self.disabled = disabled
    }

    /// The rules of a user name: it appears in the audit log and in URLs of the admin pages, so it is
    /// kept to letters, digits and `.-_`.
    public static func validate(name: String) throws {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw QueueError("{name} must be 1 to 64 letters, digits, '.', '-' or '_', got \(name.debugDescription)")
        }
    }
}

/// Who does an operation, as the audit log records it and as the store's queries restrict it.
///
/// An actor without a role is the store's administrator acting directly (the CLI on a store without
/// users, or `queue plan` run by whoever can open the store): the queries then apply no sector rule.
public struct Actor: Equatable, Sendable {
    public var name: String
    public var role: Role?
    /// The sectors the actor may work on; nil: no restriction (a direct administrator).
    public var sectors: [String]?
    /// The client's address, for the audit trail (not personal data of a dossier).
    public var address: String?

    public init(name: String, role: Role? = nil, sectors: [String]? = nil, address: String? = nil) {
        self.name = name; self.role = role; self.sectors = sectors; self.address = address
    }

    public init(_ user: UserAccount, address: String?) {
        self.init(name: user.name, role: user.role, sectors: user.sectors, address: address)
    }

    /// What the audit log's details add about the actor: role and address, when known.
    public var auditContext: String {
        [role.map { "role=\($0.rawValue)" }, address.map { "address=\($0)" }].compactMap { $0 }.joined(separator: " ")
    }

    /// Joins the actor's context to an entry's details.
    public func details(_ details: String) -> String {
        [details, auditContext].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// May the actor see items of this sector?
    public func covers(sector: String) -> Bool { sectors.map { $0.contains(sector) } ?? true }
}

/// Which items a query may return for an actor: authorisation written into the store's `WHERE`.
public enum ItemScope: Equatable, Sendable {
    /// Items the person holds (assigned to them, or closed by them), in their sectors.
    case heldBy(String, sectors: [String]?)
    /// Any item of these sectors (a superviseur).
    case sectors([String])
    /// Every item (the store's administrator).
    case all

    /// The scope of what an actor may view: a controleur what they hold, a superviseur their
    /// sectors, a direct administrator everything, anyone else nothing.
    public static func viewable(by actor: Actor) -> ItemScope? {
        switch actor.role {
        case .controleur: return .heldBy(actor.name, sectors: actor.sectors)
        case .superviseur: return .sectors(actor.sectors ?? [])
        case nil: return .all
        case .datascientist, .admin: return nil
        }
    }
}

/// A login session, as stored: the id itself is never stored, only its SHA-256.
public struct SessionRecord: Equatable, Sendable {
    public var idHash: String
    public var user: String
    /// The token every state-changing request of this session must carry.
    public var csrfToken: String
    public var created: Date
    public var lastSeen: Date
    public var address: String?
    public init(idHash: String, user: String, csrfToken: String, created: Date, lastSeen: Date, address: String?) {
        self.idHash = idHash; self.user = user; self.csrfToken = csrfToken; self.created = created; self.lastSeen = lastSeen; self.address = address
    }
}

/// The store's side of identities: users, API tokens, sessions and failed logins. Both stores
/// implement it; every change to users is in the audit log.
public protocol IdentityStore: Sendable {
    func addUser(_ user: UserAccount, by actor: Actor) throws
    func user(named name: String) throws -> UserAccount?
    func users() throws -> [UserAccount]
    func setDisabled(_ disabled: Bool, user name: String, by actor: Actor) throws
    /// Has the store any user? A store without users is run by whoever opens it (the CLI's old way).
    func hasUsers() throws -> Bool

    /// Records an API token by its SHA-256; the token itself is shown once and never stored.
    func addToken(hash: String, user: String, expires: Date, by actor: Actor) throws
    /// The user of an unexpired token (disabled users have none).
    func tokenUser(hash: String, now: Date) throws -> UserAccount?

    func createSession(_ session: SessionRecord) throws
    func session(idHash: String) throws -> SessionRecord?
    /// The session and its user in one query: what every request of a browser needs.
    func sessionWithUser(idHash: String) throws -> (SessionRecord, UserAccount)?
    func touchSession(idHash: String, at: Date) throws
    func deleteSession(idHash: String) throws
    /// Ends the user's sessions but one (nil: all). Returns how many ended.
    @discardableResult func deleteSessions(user: String, except: String?) throws -> Int
    func sessions(user: String) throws -> [SessionRecord]

    /// Failed logins, kept for throttling (per account and per address).
    func recordLoginFailure(user: String, address: String, at: Date) throws
    func loginFailures(user: String?, address: String?, since: Date) throws -> Int
    /// Appends an entry for an event that is about no item (login, logout, refused access).
    func recordEvent(actor: Actor, action: String, item: Int64?, details: String, now: Date) throws
}
