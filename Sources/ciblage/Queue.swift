import ArgumentParser
import CiblageServer
import ControlQueue
import Dossiers
import Foundation
import CiblageSupport
import Workflows

/// `ciblage queue …`: plan a campaign into the store, and the controllers' operations.
struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The control queue: plan a campaign, pull, list, close and release items, follow progress, export outcomes, verify the audit log.",
        subcommands: [Plan.self, Next.self, List.self, Close.self, Release.self, Status.self, Export.self, Verify.self, Purge.self, Keygen.self, Checkpoint.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(help: "The queue store: a SQLite file (default ciblage-queue.sqlite), or postgres://user:password@host:port/database to share one queue between machines.")
        var store: String?

        /// The store the command opens (ciblage-queue.sqlite when none is named).
        var url: String { store ?? "ciblage-queue.sqlite" }
        func operations() throws -> QueueOperations { try QueueOperations(url: url) }
    }

    /// The controllers' commands (next, list, close, release) may go through a server instead of the store.
    struct RemoteOptions: ParsableArguments {
        @Option(help: "Go through this server's API (http://HOST:PORT; default: CIBLAGE_SERVER) instead of opening --store, as the user of CIBLAGE_TOKEN.")
        var server: String?

        var resolved: String? { server ?? ProcessInfo.processInfo.environment["CIBLAGE_SERVER"] }

        /// Through a server the token says who acts and the server sets the lease: flags that would say otherwise are refused.
        func refuse(_ flags: [(String, Bool)]) throws {
            guard resolved != nil else { return }
            for (flag, given) in flags where given {
                throw ValidationError("\(flag) does not go with --server: the server acts for the user of CIBLAGE_TOKEN, with its own lease")
            }
        }

        /// The server's client when --server (or CIBLAGE_SERVER) is given.
        func client() throws -> QueueClient? {
            guard let url = resolved else { return nil }
            return try QueueClient(server: url, token: Queue.token)
        }
    }

    /// The signing key and checkpoint log of `plan` and `checkpoint` (defaults: CIBLAGE_AUDIT_KEY, CIBLAGE_AUDIT_CHECKPOINTS).
    struct SigningOptions: ParsableArguments {
        @Option(help: "Ed25519 private key that signs audit checkpoints (from `queue keygen`; default: CIBLAGE_AUDIT_KEY). Keep it outside the store.")
        var key: String?
        @Option(help: "Checkpoint log (JSON lines) that signed checkpoints are appended to (default: CIBLAGE_AUDIT_CHECKPOINTS). Keep it outside the store.")
        var checkpoint: String?

        var resolved: CheckpointSigning? {
            let env = ProcessInfo.processInfo.environment
            guard let key = key ?? env["CIBLAGE_AUDIT_KEY"], let log = checkpoint ?? env["CIBLAGE_AUDIT_CHECKPOINTS"] else { return nil }
            return CheckpointSigning(key: key, log: log)
        }

        func validate() throws {
            if (key == nil) != (checkpoint == nil) { throw ValidationError("--key and --checkpoint go together") }
        }
    }

    /// The API token of the person running the command (`ciblage users token`).
    static var token: String? { ProcessInfo.processInfo.environment["CIBLAGE_TOKEN"] }

    /// Who the audit log records for store-wide commands (plan, export): the token's user, else $USER.
    static func administrator(_ queue: QueueOperations) throws -> Actor {
        try queue.administrator(token: token, fallback: ProcessInfo.processInfo.environment["USER"] ?? "ciblage")
    }

    static let controllerHelp: ArgumentHelp = "Controller name. On a store with users, the identity comes from CIBLAGE_TOKEN and this must match it (or be left out)."

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Choose dossiers for each channel of a campaign and add them to the store (all or nothing; no duplicates on re-planning).")
        @Option(help: "Campaign file (YAML).") var campaign: String
        @Option(help: "Population CSV to plan from.") var data: String
        @Option(help: "Also write the plan as CSV (id, channel, sector, selection, inclusion probability, score, reasons): for review, and for `ciblage audit --selected`.") var output: String?
        @Option(help: "Also write every dossier's score there, the file `ciblage score --output` writes (same bytes), from this same pass over the population: the national run reads and scores its population once.") var scores: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var signing: SigningOptions
        @OptionGroup var csv: CSVOptions
        @OptionGroup var threads: ThreadOptions
        func run() throws {
            let queue = try store.operations()
            var request = PlanRequest(campaign: campaign, population: data, actor: try Queue.administrator(queue))
            request.output = output
            request.scores = scores
            request.checkpoint = signing.resolved
            request.format = try csv.format()
            request.threads = threads.resolved
            let r = try withProgress { try queue.plan(request, progress: $0) }
            if let x = r.exclusions {
                print("planned \(r.campaign): \(r.inserted) households to contact (\(r.skipped) already planned), \(r.heldOut) held out at random (in the plan file only), from \(r.eligible) eligible of \(r.population) households")
                print("  left out: opted out \(x.optedOut), contacts at the maximum \(x.tooManyContacts), in the cool-down \(x.coolingDown), filtered or excluded \(x.filtered)")
            } else {
                print("planned \(r.campaign): \(r.inserted) new items (\(r.skipped) already planned), \(r.explored) drawn at random, from \(r.eligible) eligible of \(r.population) \(r.unit?.englishPlural ?? "dossiers")")
            }
            if let log = request.checkpoint?.log { print("signed a checkpoint of the audit log into \(log)") }
        }
    }

    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign the best unassigned item to a controller, with a lease, and show it.")
        @Option(help: Queue.controllerHelp) var controller: String?
        @Option(help: "Only items of this channel.") var channel: ChannelKind?
        @Option(help: "Only items of this sector.") var sector: String?
        @Option(help: "Lease in minutes (default 240); an item not closed in time returns to the pool.") var lease: Double?
        @Option(name: .customLong("repeat"), help: "Load testing: make this many calls and print only the item ids (latencies on stderr).") var repeatCount: Int = 1
        @OptionGroup var store: StoreOptions
        @OptionGroup var remote: RemoteOptions

        func validate() throws {
            guard repeatCount >= 1 else { throw ValidationError("--repeat must be at least 1") }
            guard (lease ?? 240).isFinite else { throw ValidationError("--lease must be a number of minutes") }
            try remote.refuse([("--controller", controller != nil), ("--lease", lease != nil), ("--repeat", repeatCount != 1), ("--store", store.store != nil)])
            try check(request(Actor(name: controller ?? "-")).validate)
        }

        func request(_ actor: Actor) -> PullRequest {
            var r = PullRequest(actor: actor)
            r.channel = channel
            r.sector = sector
            r.lease = .milliseconds(Int64(((lease ?? 240) * 60_000).rounded()))
            return r
        }

        func run() throws {
            if let server = try remote.client() {
                guard let item = try server.next(channel: channel, sector: sector) else { print("no item left"); return }
                print(Queue.describe(item))
                return
            }
            let queue = try store.operations()
            let request = request(try queue.person(claimed: controller, token: Queue.token))
            if repeatCount > 1 {
                // Load test: one transaction per call; prints the ids, then latency figures on stderr,
                // with the wall-clock window of the calls (so that runs in parallel can show they overlapped).
                var latencies: [Double] = []
                let clock = ContinuousClock()
                let first = Date().timeIntervalSince1970
                for _ in 0..<repeatCount {
                    let start = clock.now
                    let item = try queue.next(request)
                    let d = clock.now - start
                    latencies.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
                    if let item { print(item.id) }
                }
                latencies.sort()
                let last = Date().timeIntervalSince1970
                printError(String(format: "calls %d, p50 %.2f ms, p99 %.2f ms, total %.2f s, from %.3f to %.3f (Unix time)", latencies.count,
                    1000 * latencies[latencies.count / 2], 1000 * latencies[min(latencies.count - 1, latencies.count * 99 / 100)], latencies.reduce(0, +),
                    first, last))
                return
            }
            guard let item = try queue.next(request) else { print("no item left for \(request.actor.name)"); return }
            print(Queue.describe(item))
        }
    }

    static func describe(_ q: QueueItem) -> String {
        let i = q.item
        return "item \(q.id): dossier \(i.dossier), \(i.channel.rawValue), sector \(i.sector), score \(String(format: "%.4f", i.score)), "
            + "expected amount \(i.expectedAmount.map { String(format: "%.0f EUR", $0) } ?? "n/a"), expected value \(String(format: "%.2f", i.expectedValue)), "
            + "selection \(i.selection) (π = \(String(format: "%.6f", i.inclusionProbability))), state \(q.state.rawValue)"
            + (q.controller.map { ", controller \($0)" } ?? "") + (i.reasons.isEmpty ? "" : "\n  reasons: \(i.reasons)")
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a controller's items.")
        @Option(help: Queue.controllerHelp) var controller: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var remote: RemoteOptions
        func validate() throws { try remote.refuse([("--controller", controller != nil), ("--store", store.store != nil)]) }
        func run() throws {
            if let server = try remote.client() {
                for item in try server.items() { print(Queue.describe(item)) }
                return
            }
            let queue = try store.operations()
            for item in try queue.items(of: try queue.person(claimed: controller, token: Queue.token)) { print(Queue.describe(item)) }
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the outcome of a control and the controller's judgement of the selection.")
        @Argument(help: "Item number.") var item: Int64
        @Option(help: Queue.controllerHelp) var controller: String?
        @Option(help: "Indu found, in EUR.") var indu: Double = 0
        @Option(help: "Number of consecutive months the indu covers (required when --indu is more than 0): the target rule of the cible uses it.") var induMonths: Int?
        @Option(help: "Rappel found, in EUR.") var rappel: Double = 0
        @Flag(help: "Fraud qualified.") var fraud = false
        @Option(help: "'agree' with the selection, or 'override' (needs --reason).") var judgement: Judgement = .agree
        @Option(help: "Why the controller overrides the selection.") var reason: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var remote: RemoteOptions

        var outcome: Outcome {
            Outcome(indu: indu, rappel: rappel, induMonths: induMonths, fraud: fraud, judgement: judgement, judgementReason: reason)
        }

        func validate() throws {
            try remote.refuse([("--controller", controller != nil), ("--store", store.store != nil)])
            do { try outcome.validate() } catch let e as QueueError { throw ValidationError(e.cliMessage) }
        }

        func run() throws {
            if let server = try remote.client() {
                try server.close(item: item, outcome: outcome)
            } else {
                let queue = try store.operations()
                try queue.close(CloseRequest(item: item, actor: try queue.person(claimed: controller, token: Queue.token), outcome: outcome))
            }
            print("closed item \(item)")
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give an assigned item back to the pool.")
        @Argument(help: "Item number.") var item: Int64
        @Option(help: Queue.controllerHelp) var controller: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var remote: RemoteOptions
        func validate() throws { try remote.refuse([("--controller", controller != nil), ("--store", store.store != nil)]) }
        func run() throws {
            if let server = try remote.client() {
                try server.release(item: item)
            } else {
                let queue = try store.operations()
                try queue.release(item: item, by: try queue.person(claimed: controller, token: Queue.token))
            }
            print("released item \(item)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Progress per channel and sector: planned, assigned, closed, hit rate and euros found (against the objective).")
        @Option(help: "Campaign name (default: all).") var campaign: String?
        @Option(help: "Campaign file, to compare with its objective.") var campaignFile: String?
        @OptionGroup var store: StoreOptions
        func run() throws {
            let progress = try store.operations().progress(campaign: campaign, campaignFile: campaignFile)
            print("channel     sector        planned  assigned  closed  hit rate   euros found")
            for r in progress.rows {
                let hitRate = r.closed > 0 ? String(format: "%.1f%%", 100 * Double(r.hits) / Double(r.closed)) : "-"
                print(r.channel.padding(toLength: 12, withPad: " ", startingAt: 0) + r.sector.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + String(format: "%9d %9d %7d ", r.planned, r.assigned, r.closed)
                      + String(repeating: " ", count: max(0, 9 - hitRate.count)) + hitRate + String(format: " %13.0f", r.eurosFound))
            }
            if let objective = progress.objective {
                let euros = progress.eurosFound, closed = progress.closed
                if let e = objective.euros { print(String(format: "objective: %.0f EUR, found %.0f EUR (%.1f%%)", e, euros, 100 * euros / e)) }
                if let v = objective.volume { print("objective: \(v) controls, closed \(closed) (\(String(format: "%.1f", 100 * Double(closed) / Double(v)))%)") }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the closed outcomes as labelled rows with provenance and inclusion probabilities, for retraining.",
            discussion: "The label (column cible) is the target rule of the cible applied to what the controller recorded: an indu of at least --amount EUR covering at least --months consecutive months, the rule `ciblage target` applies to monthly histories."
        )
        @Option(help: "Campaign name.") var campaign: String
        @Option(help: "Output CSV.") var output: String
        @Option(help: "Target rule: minimum indu in EUR.") var amount: Double = 600
        @Option(help: "Target rule: minimum number of consecutive months the indu covers.") var months: Int = 6
        @OptionGroup var store: StoreOptions

        func validate() throws { try check(request(Actor(name: "-")).validate) }

        func request(_ actor: Actor) -> OutcomeExportRequest {
            var r = OutcomeExportRequest(campaign: campaign, output: output, actor: actor)
            r.definition.minimumAmount = amount
            r.definition.minimumMonths = months
            return r
        }

        func run() throws {
            let queue = try store.operations()
            let rows = try queue.exportOutcomes(request(try Queue.administrator(queue)))
            print("wrote \(output): \(rows) closed items")
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the retention rules: delete controls closed more than --score-years ago, redact access entries older than --access-months.",
            discussion: "Redacted entries lose their actor and details but keep their place and hash, so 'queue verify' still checks the whole chain. Sessions past their limit are deleted. The purge itself is recorded in the audit log. Run it monthly, after the checkpoint.")
        @Option(help: "Years a closed control (its score and outcome) is kept after it closed.") var scoreYears: Int = 6
        @Option(help: "Months access entries (logins, views of dossiers) are kept, 6 to 12.") var accessMonths: Int = 12
        @OptionGroup var store: StoreOptions

        func validate() throws {
            do { try RetentionPolicy(scoreYears: scoreYears, accessMonths: accessMonths).validate() } catch let e as QueueError { throw ValidationError(ParameterText.render(e.template, naming: flag)) }
        }

        func run() throws {
            let queue = try store.operations()
            let s = try queue.purge(RetentionPolicy(scoreYears: scoreYears, accessMonths: accessMonths), by: try Queue.administrator(queue))
            print("purged: \(s.itemsDeleted) closed controls deleted, \(s.entriesRedacted) access entries redacted, \(s.sessionsDeleted) sessions deleted")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the audit chain and name the first entry altered, removed or reordered.",
            discussion: "With --checkpoint and --public-key, also check every signed checkpoint: entries deleted after a checkpoint, a chain rewritten since, and a checkpoint edited or signed by another key are named.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Checkpoint log written by `queue plan --key … --checkpoint …` or `queue checkpoint`.") var checkpoint: String?
        @Option(help: "The trusted public key (KEY.pub from `queue keygen`).") var publicKey: String?

        func validate() throws { try check(request().validate) }

        func request() -> AuditVerificationRequest {
            var r = AuditVerificationRequest()
            r.checkpoints = checkpoint
            r.publicKey = publicKey
            return r
        }

        func run() throws {
            let v = try store.operations().verifyAudit(request())
            if v.ok {
                print("audit log verified: \(v.entries) entries, chain intact" + (v.checkpoints > 0 ? ", \(v.checkpoints) signed checkpoints agree" : ""))
            } else {
                throw QueueError("audit log does NOT verify: \(v.problem ?? "")")
            }
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the Ed25519 key pair that signs audit checkpoints: KEY (private, mode 0600) and KEY.pub.")
        @Option(help: "Where to write the private key; the public key goes to the same path with .pub.") var output: String
        func run() throws {
            let key = try generateAuditKey(path: output)
            print("wrote \(output) (keep it outside the store) and \(output).pub (public key \(key.hex))")
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign the head of the audit log and append the checkpoint to a log kept outside the store (run at least daily).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var signing: SigningOptions

        func validate() throws {
            guard signing.resolved != nil else { throw ValidationError("give --key and --checkpoint (or CIBLAGE_AUDIT_KEY and CIBLAGE_AUDIT_CHECKPOINTS)") }
        }

        func run() throws {
            guard let signing = signing.resolved else { return }
            if let c = try store.operations().signCheckpoint(signing) {
                print("signed entry \(c.sequence) (hash \(c.hash.prefix(12))…) into \(signing.log)")
            } else {
                print("the audit log is empty: nothing to sign")
            }
        }
    }
}
