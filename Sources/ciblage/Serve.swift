import ArgumentParser
import CiblageServer
import ControlQueue
import Foundation
import Workflows

/// `ciblage serve`: the web application (pages and JSON API) over one store.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web application: controllers' queue, superviseurs' dashboard, datascientists' reports, and the JSON API under /api/v1.",
        discussion: """
            Users come from the store (`ciblage users add`). Run several processes on one PostgreSQL store to share the load: \
            sessions live in the store. The session cookie is Secure: browsers keep it on https and on 127.0.0.1/localhost; \
            elsewhere put the server behind a TLS proxy.
            """)
    @Option(help: "The queue store: a SQLite file, or postgres://user:password@host:port/database for several server processes.")
    var store: String = "ciblage-queue.sqlite"
    @Option(help: "Address to listen on, HOST:PORT.") var listen: String = "127.0.0.1:8080"
    @Option(help: "A campaign file whose objective the dashboard follows (repeat for several).") var campaign: [String] = []
    @Option(help: "A folder of HTML reports (evaluation, audit, card) served to datascientists.") var reports: String?
    @Option(help: "bcrypt cost of passwords set through the server (10 to 14; 12 in production).") var bcryptCost: Int = 12
    @Option(help: "Lease of a pulled item, in minutes.") var lease: Double = 240
    @Option(help: "Threads that wait on the store for requests (1 to 256); more only helps when the store, not this machine's cores, is what requests wait for.")
    var storeThreads: Int = 16

    func validate() throws {
        _ = try configuration()
    }

    func configuration() throws -> ServerConfiguration {
        var c = ServerConfiguration()
        c.store = store
        try check { () throws(RequestError) in try c.setListen(listen) }
        c.campaigns = campaign
        c.reports = reports
        guard (4...16).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be between 4 and 16") }
        c.bcryptCost = UInt8(bcryptCost)
        guard lease.isFinite, lease > 0, lease <= 7 * 24 * 60 else { throw ValidationError("--lease must be more than 0 and at most a week of minutes") }
        c.lease = .seconds(Int64((lease * 60).rounded()))
        guard (1...256).contains(storeThreads) else { throw ValidationError("--store-threads must be between 1 and 256") }
        c.storeThreads = storeThreads
        return c
    }

    func run() async throws {
        let c = try configuration()
        printError("serving \(c.store) on http://\(c.host):\(c.port)/ (Ctrl-C to stop)")
        try await CiblageApplication.run(c)
    }
}

/// `ciblage users …`: the people of a store. Whoever can open the store directly is its administrator.
struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add, list and disable the users of a store, and issue API tokens (run by whoever can open the store: its administrator).",
        subcommands: [Add.self, List.self, Disable.self, Token.self])

    struct StoreOption: ParsableArguments {
        @Option(help: "The queue store (SQLite file or postgres:// URL).") var store: String = "ciblage-queue.sqlite"
        func identity() throws -> IdentityOperations { try IdentityOperations(url: store) }
    }

    /// The password, read from standard input (one line), never from the command line.
    static func readPassword() throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("--password-stdin: no password on standard input")
        }
        return line
    }

    static var administrator: Actor { Actor(name: ProcessInfo.processInfo.environment["USER"] ?? "admin") }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user with a role and sectors.")
        @Argument(help: "User name (letters, digits, . - _).") var name: String
        @Option(help: "controleur, superviseur, datascientist or admin.") var role: Role
        @Option(help: "A sector the user works on or supervises (repeat for several).") var sector: [String] = []
        @Flag(help: "Read the password from standard input (required: passwords are never arguments).") var passwordStdin = false
        @Option(help: "bcrypt cost (12 in production; 4 only for tests).") var bcryptCost: Int = 12
        @OptionGroup var store: StoreOption

        func validate() throws {
            guard passwordStdin else { throw ValidationError("give --password-stdin and the password on standard input") }
            guard (4...16).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be between 4 and 16") }
        }

        func run() throws {
            var identity = try store.identity()
            identity.bcryptCost = UInt8(bcryptCost)
            let user = try identity.addUser(AddUserRequest(name: name, role: role, sectors: sector, password: try Users.readPassword()), by: Users.administrator)
            print("added \(user.name) (\(user.role.rawValue)" + (user.sectors.isEmpty ? "" : ", sectors \(user.sectors.joined(separator: ", "))") + ")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users.")
        @OptionGroup var store: StoreOption
        func run() throws {
            for u in try store.identity().users() {
                print("\(u.name)\t\(u.role.rawValue)\t\(u.sectors.joined(separator: ","))\t\(u.disabled ? "disabled" : "active")")
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: their sessions and tokens end at once.")
        @Argument(help: "User name.") var name: String
        @OptionGroup var store: StoreOption
        func run() throws {
            try store.identity().disableUser(name, by: Users.administrator)
            print("disabled \(name)")
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API token for scripts (the user's password on standard input); it is printed once and stored hashed.",
            discussion: "Use it as CIBLAGE_TOKEN for the queue commands, or as 'Authorization: Bearer TOKEN' on the API.")
        @Argument(help: "User name.") var name: String
        @Flag(help: "Read the user's password from standard input.") var passwordStdin = false
        @Option(help: "Days the token is valid (1 to 366).") var days: Int = 30
        @OptionGroup var store: StoreOption

        func validate() throws {
            guard passwordStdin else { throw ValidationError("give --password-stdin and the user's password on standard input") }
            guard (1...366).contains(days) else { throw ValidationError("--days must be between 1 and 366") }
        }

        func run() throws {
            let (token, expires) = try store.identity().issueToken(user: name, password: try Users.readPassword(), lifetime: Double(days) * 86_400,
                                                                   by: Actor(name: name, address: "cli"))
            print(token)
            printError("token for \(name), valid until \(ISO8601DateFormatter().string(from: expires))")
        }
    }
}
