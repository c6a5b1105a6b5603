import ArgumentParser
import ControlQueue
import ControlQueuePostgres
import Dossiers
import Foundation
import RiskModel

/// `ciblage queue …`: plan a campaign into the store, and the controllers' operations.
struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The control queue: plan a campaign, pull, list, close and release items, follow progress, export outcomes, verify the audit log.",
        subcommands: [Plan.self, Next.self, List.self, Close.self, Release.self, Status.self, Export.self, Verify.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(help: "The queue store: a SQLite file (default ciblage-queue.sqlite), or postgres://user:password@host:port/database to share one queue between machines.")
        var store: String = "ciblage-queue.sqlite"

        func open() throws -> QueueStore {
            if store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") { return try PostgresQueueStore(url: store) }
            return try SQLiteQueueStore(path: store)
        }
    }

    static func actor() -> String { ProcessInfo.processInfo.environment["USER"] ?? "ciblage" }

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Choose dossiers for each channel of a campaign and add them to the store (all or nothing; no duplicates on re-planning).")
        @Option(help: "Campaign file (YAML).") var campaign: String
        @Option(help: "Population CSV to plan from.") var data: String
        @Option(help: "Also write the plan as CSV (id, channel, sector, selection, inclusion probability, score, reasons): for review, and for `ciblage audit --selected`.") var output: String?
        @OptionGroup var store: StoreOptions
        func run() throws {
            let c = try Campaign.load(path: campaign)
            let model = try c.loadModel(campaignFile: campaign)
            let queue = try store.open()
            let summary = try Planner.plan(campaign: c, model: model, population: data)
            let result = try queue.plan(campaign: c.name, modelChecksum: model.checksum ?? "", items: summary.items, actor: Queue.actor())
            if let output { try AtomicFile.write(Data(summary.csv().utf8), to: output) }
            let explore = summary.items.filter { $0.selection == "explore" }.count
            print("planned \(c.name): \(result.inserted) new items (\(result.skipped) already planned), \(explore) drawn at random, from \(summary.eligible) eligible of \(summary.population) dossiers")
        }
    }

    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign the best unassigned item to a controller, with a lease, and show it.")
        @Option(help: "Controller name.") var controller: String
        @Option(help: "sur_pieces or sur_place.") var channel: String?
        @Option(help: "Only items of this sector.") var sector: String?
        @Option(help: "Lease in minutes; an item not closed in time returns to the pool.") var lease: Double = 240
        @Option(name: .customLong("repeat"), help: "Load testing: make this many calls and print only the item ids (latencies on stderr).") var repeatCount: Int = 1
        @OptionGroup var store: StoreOptions
        func run() throws {
            let kind = try channel.map { (c: String) throws -> ChannelKind in
                guard let k = ChannelKind(rawValue: c) else { throw ValidationError("--channel must be sur_pieces or sur_place") }
                return k
            }
            let queue = try store.open()
            if repeatCount > 1 {
                // Load test: one transaction per call; prints the ids, then latency figures on stderr.
                var latencies: [Double] = []
                let clock = ContinuousClock()
                for _ in 0..<repeatCount {
                    let start = clock.now
                    let item = try queue.next(controller: controller, channel: kind, sector: sector, lease: lease * 60, now: Date())
                    let d = clock.now - start
                    latencies.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
                    if let item { print(item.id) }
                }
                latencies.sort()
                FileHandle.standardError.write(Data(String(format: "calls %d, p50 %.2f ms, p99 %.2f ms, total %.2f s\n", latencies.count,
                    1000 * latencies[latencies.count / 2], 1000 * latencies[min(latencies.count - 1, latencies.count * 99 / 100)], latencies.reduce(0, +)).utf8))
                return
            }
            guard let item = try queue.next(controller: controller, channel: kind, sector: sector, lease: lease * 60, now: Date()) else {
                print("no item left for \(controller)"); return
            }
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
        @Option(help: "Controller name.") var controller: String
        @OptionGroup var store: StoreOptions
        func run() throws { for item in try store.open().list(controller: controller) { print(Queue.describe(item)) } }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the outcome of a control and the controller's judgement of the selection.")
        @Argument(help: "Item number.") var item: Int64
        @Option(help: "Controller name (must hold the item).") var controller: String
        @Option(help: "Indu found, in EUR.") var indu: Double = 0
        @Option(help: "Rappel found, in EUR.") var rappel: Double = 0
        @Flag(help: "Fraud qualified.") var fraud = false
        @Option(help: "'agree' with the selection, or 'override' (needs --reason).") var judgement: String = "agree"
        @Option(help: "Why the controller overrides the selection.") var reason: String?
        @OptionGroup var store: StoreOptions
        func run() throws {
            try store.open().close(item: item, controller: controller,
                                   outcome: Outcome(indu: indu, rappel: rappel, fraud: fraud, judgement: judgement, judgementReason: reason), now: Date())
            print("closed item \(item)")
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give an assigned item back to the pool.")
        @Argument(help: "Item number.") var item: Int64
        @Option(help: "Controller name (must hold the item).") var controller: String
        @OptionGroup var store: StoreOptions
        func run() throws { try store.open().release(item: item, controller: controller, now: Date()); print("released item \(item)") }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Progress per channel and sector: planned, assigned, closed, hit rate and euros found (against the objective).")
        @Option(help: "Campaign name (default: all).") var campaign: String?
        @Option(help: "Campaign file, to compare with its objective.") var campaignFile: String?
        @OptionGroup var store: StoreOptions
        func run() throws {
            let rows = try store.open().status(campaign: campaign, now: Date())
            print("channel     sector        planned  assigned  closed  hit rate   euros found")
            var euros = 0.0, closed = 0
            for r in rows {
                euros += r.eurosFound; closed += r.closed
                let hitRate = r.closed > 0 ? String(format: "%.1f%%", 100 * Double(r.hits) / Double(r.closed)) : "-"
                print(r.channel.padding(toLength: 12, withPad: " ", startingAt: 0) + r.sector.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + String(format: "%9d %9d %7d ", r.planned, r.assigned, r.closed)
                      + String(repeating: " ", count: max(0, 9 - hitRate.count)) + hitRate + String(format: " %13.0f", r.eurosFound))
            }
            if let file = campaignFile, let objective = try Campaign.load(path: file).objective {
                if let e = objective.euros { print(String(format: "objective: %.0f EUR, found %.0f EUR (%.1f%%)", e, euros, 100 * euros / e)) }
                if let v = objective.volume { print("objective: \(v) controls, closed \(closed) (\(String(format: "%.1f", 100 * Double(closed) / Double(v)))%)") }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the closed outcomes as labelled rows with provenance and inclusion probabilities, for retraining.")
        @Option(help: "Campaign name.") var campaign: String
        @Option(help: "Output CSV.") var output: String
        @Option(help: "Label threshold: indu of at least this many EUR counts as target 1.") var amount: Double = 600
        @OptionGroup var store: StoreOptions
        func run() throws {
            let items = try store.open().export(campaign: campaign, actor: Queue.actor(), now: Date())
            var text = "id,cible,montant_indu,montant_rappel,fraude,provenance,proba_inclusion,score,canal,jugement,modele\n"
            for q in items {
                let o = q.outcome!
                text += "\(csvField(q.item.dossier)),\(o.indu >= amount ? 1 : 0),\(o.indu),\(o.rappel),\(o.fraud ? 1 : 0),"
                    + "\(q.item.selection == "explore" ? "random" : "targeted"),\(q.item.inclusionProbability),\(q.item.score),\(q.item.channel.rawValue),"
                    + "\(o.judgement),\(q.modelChecksum)\n"
            }
            try AtomicFile.write(Data(text.utf8), to: output)
            print("wrote \(output): \(items.count) closed items")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the audit chain and name the first entry altered, removed or reordered.")
        @OptionGroup var store: StoreOptions
        func run() throws {
            let v = try store.open().verifyAudit()
            if v.ok { print("audit log verified: \(v.entries) entries, chain intact") } else {
                throw QueueError("audit log does NOT verify: \(v.problem ?? "")")
            }
        }
    }
}
