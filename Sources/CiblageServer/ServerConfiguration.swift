import ControlQueue
import Foundation
import Workflows

/// What `ciblage serve` is told.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The store URL: a SQLite file, or postgres://… for several server processes on one queue.
    public var store = "ciblage-queue.sqlite"
    /// Campaign files whose objectives the dashboard measures progress against (by campaign name).
    public var campaigns: [String] = []
    /// A folder of HTML reports (evaluations, audits, cards) served to datascientists.
    public var reports: String?
    public var bcryptCost: UInt8 = 12
    public var sessions = SessionPolicy()
    public var throttle = LoginThrottle()
    /// Threads that run the store's blocking calls, off the event loops.
    public var storeThreads = 16
    public var lease: Duration = .seconds(240 * 60)
    /// The time sessions are opened and checked at: the system clock, or a test's.
    public var now: @Sendable () -> Date = { Date() }

    public static let maximumBodyBytes = 64 * 1024
    /// A model's registration: the artifact and its evidence, as strings in one JSON body.
    public static let maximumRegistrationBytes = 16 * 1024 * 1024
    /// `__Host-`: the browser only keeps it when Secure, Path=/ and no Domain (no subdomain can set it).
    public static let sessionCookie = "__Host-ciblage-session"

    public init() {}

    /// Parses HOST:PORT (an IPv6 host in brackets).
    public mutating func setListen(_ text: String) throws(RequestError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            throw RequestError("listen", "{listen} must be HOST:PORT, e.g. 127.0.0.1:8080, got \(text.debugDescription)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw RequestError("listen", "{listen} needs a host, e.g. 127.0.0.1:\(port)") }
        self.host = host; self.port = port
    }
}
