import ControlQueue
import Foundation
import Logging
import Mustache
import NIOPosix
import Workflows

/// What every route shares: the workflows over one store, the thread pool their blocking calls run
/// on, the pages' templates and the campaigns' objectives. Server processes keep nothing else, so
/// several can serve one PostgreSQL queue.
struct ServerState: Sendable {
    let configuration: ServerConfiguration
    let queue: QueueOperations
    let identity: IdentityOperations
    let registry: ModelRegistryOperations
    let pool: NIOThreadPool
    let pages: Pages
    let objectives: [String: Objective]
    let logger: Logger

    /// Runs a blocking store call on the pool: the stores are synchronous, and the event loops and
    /// the concurrency pool (2 threads here) must never wait on a database.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
