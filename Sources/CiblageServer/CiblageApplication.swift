import ControlQueue
import Foundation
import Hummingbird
import Logging
import NIOPosix
import Workflows

/// Builds and runs the web application over one store.
public enum CiblageApplication {
    /// The router with every route and middleware, for `serve` and for in-process tests.
    /// - Returns: the application and the API routes it registered (for the OpenAPI check).
    public static func make(_ configuration: ServerConfiguration, store: (any QueueStore)? = nil,
                            logger: Logger = Logger(label: "ciblage.server")) throws -> (application: some ApplicationProtocol, apiRoutes: [String]) {
        let store = try store ?? QueueStoreLocation(configuration.store).open(forServer: true)
        var identity = IdentityOperations(store: store)
        identity.bcryptCost = configuration.bcryptCost
        identity.sessions = configuration.sessions
        identity.throttle = configuration.throttle
        var objectives: [String: Objective] = [:]
        for file in configuration.campaigns {
            let campaign = try Campaign.load(path: file)
            if let objective = campaign.objective { objectives[campaign.name] = objective }
        }
        let pool = NIOThreadPool(numberOfThreads: configuration.storeThreads)
        pool.start()
        let state = ServerState(configuration: configuration, queue: QueueOperations(store: store), identity: identity,
                                registry: ModelRegistryOperations(store: store), pool: pool,
                                pages: try Pages(), objectives: objectives, logger: logger)
        let router = Router(context: ServerContext.self)
        router.add(middleware: ResponseMiddleware(state: state))
        router.add(middleware: AuthenticationMiddleware(state: state))
        var api = APIRoutes(state: state)
        api.add(to: router)
        PageRoutes(state: state).add(to: router)
        let application = Application(router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                                            serverName: nil), logger: logger)
        return (application, api.registered)
    }

    /// Serves until SIGINT or SIGTERM.
    public static func run(_ configuration: ServerConfiguration) async throws {
        var logger = Logger(label: "ciblage.server")
        logger.logLevel = .info
        let (application, _) = try make(configuration, logger: logger)
        try await application.runService()
    }
}
