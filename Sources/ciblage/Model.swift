import ArgumentParser
import CiblageSupport
import ControlQueue
import Foundation
import Workflows

/// `ciblage model …`: the registry of approved model versions in the store.
struct ModelRegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "The registry of model versions: register with evidence, approve (four eyes), retire, list, show.",
        discussion: """
            A version is registered with its evidence (evaluation on the labelled random stratum, audit, card), \
            approved by a second datascientist, and scores only while approved and within its validity \
            (both days included, in Europe/Paris). Nothing registered is ever changed: a correction is a \
            new version. score, evaluate, audit, explain, card, monitor, export and campaigns accept \
            NAME@VERSION or NAME@in-force with --store. Acting commands take the identity from CIBLAGE_TOKEN.
            """,
        subcommands: [Register.self, Approve.self, Retire.self, List.self, Show.self, Documents.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(help: "The store holding the registry: a SQLite file (default ciblage-queue.sqlite), or postgres://user:password@host:port/database.")
        var store: String = "ciblage-queue.sqlite"

        func registry() throws -> ModelRegistryOperations { try ModelRegistryOperations(url: store) }
    }

    /// The authenticated datascientist, from CIBLAGE_TOKEN.
    static func actor(_ registry: ModelRegistryOperations) throws -> Actor {
        try registry.actor(token: Queue.token, fallback: ProcessInfo.processInfo.environment["USER"] ?? "admin")
    }

    static func line(_ v: ModelVersion) -> String {
        [v.reference.description, v.state.rawValue, "\(v.validFrom)..\(v.validUntil.map(\.description) ?? "")", v.regime ?? "-",
         "registered by \(v.registeredBy)", v.approvedBy.map { "approved by \($0)" } ?? "-", v.retiredBy.map { "retired by \($0)" } ?? "-"]
            .joined(separator: "\t")
    }

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a trained model as NAME@VERSION with its evidence; it waits for a second datascientist's approval.")
        @Argument(help: "The model file written by 'ciblage train'.") var file: String
        @Option(help: "Model name (letters, digits, . - _), e.g. dmde.") var name: String
        @Option(help: "Version (letters, digits, . - _), e.g. 2026.1.") var version: String
        @Option(help: "First day of validity, YYYY-MM-DD.") var validFrom: String
        @Option(help: "Last day of validity, YYYY-MM-DD (default: until retired).") var validUntil: String?
        @Option(help: "The data regime it was trained for, used by routing (e.g. avant-bascule, apres-bascule).") var regime: String?
        @Option(help: "JSON of 'ciblage evaluate --json' on the labelled random stratum (weighted by its inclusion probabilities).") var evaluation: String
        @Option(help: "JSON of 'ciblage audit --json'.") var audit: String
        @Option(help: "Markdown of 'ciblage card --reference NAME@VERSION --markdown'.") var card: String
        @OptionGroup var store: StoreOption

        func validate() throws { try check(request().validate) }

        func request() -> RegisterModelRequest {
            RegisterModelRequest(model: file, terms: RegistrationTerms(name: name, version: version, validFrom: validFrom, validUntil: validUntil, regime: regime),
                                 evaluation: evaluation, audit: audit, card: card)
        }

        func run() throws {
            let registry = try store.registry()
            let v = try registry.register(request(), by: try ModelRegistryCommand.actor(registry))
            print("registered \(v.reference) (\(v.modelChecksum)), valid \(v.validity); it scores once another datascientist runs 'ciblage model approve \(v.reference)'")
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a registered version (four eyes: not by the datascientist who registered it).")
        @Argument(help: "NAME@VERSION.") var reference: String
        @OptionGroup var store: StoreOption
        func run() throws {
            let registry = try store.registry()
            let v = try registry.approve(reference, by: try ModelRegistryCommand.actor(registry))
            print("approved \(v.reference) (registered by \(v.registeredBy), approved by \(v.approvedBy ?? "")), valid \(v.validity)")
        }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a version out of service, with the reason; it is kept, never deleted.")
        @Argument(help: "NAME@VERSION.") var reference: String
        @Option(help: "Why it is retired (recorded in the registry and the audit log).") var reason: String
        @OptionGroup var store: StoreOption
        func run() throws {
            let registry = try store.registry()
            let v = try registry.retire(reference, reason: reason, by: try ModelRegistryCommand.actor(registry))
            print("retired \(v.reference): \(v.retireReason ?? "")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered versions: state, validity, regime, who registered, approved, retired.")
        @Argument(help: "Only the versions of this model name.") var name: String?
        @OptionGroup var store: StoreOption
        func run() throws {
            let versions = try store.registry().versions(named: name)
            if versions.isEmpty { print("no model version is registered" + (name.map { " under \($0)" } ?? "")) }
            for v in versions { print(ModelRegistryCommand.line(v)) }
        }
    }

    struct Documents: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the deployer's evidence of a version (AI Act): the Art. 27 impact assessment, the Art. 49 registration fields, the Art. 72 monitoring report.",
            discussion: "French, Markdown and HTML, pre-filled from the stored evaluation, audit and card, the campaigns and the queue's outcomes; what only people can write is marked À RÉDIGER.")
        @Argument(help: "NAME@VERSION.") var reference: String
        @Option(help: "Directory to write the six files into.") var outputDir: String
        @Option(help: "The deploying body.") var organisation: String = "Caisse d'allocations familiales"
        @Option(help: "A campaign file that plans with this version (repeat for several).") var campaign: [String] = []
        @Option(help: "JSON of 'ciblage monitor --json' for the month's report.") var monitoring: String?
        @Option(help: "Month of the monitoring report, YYYY-MM (default: this month).") var month: String?
        @OptionGroup var store: StoreOption

        func validate() throws { try check(request().validate) }

        func request() -> DeployerEvidenceRequest {
            var r = DeployerEvidenceRequest(reference: reference, outputDirectory: outputDir)
            r.organisation = organisation; r.campaigns = campaign; r.monitoring = monitoring; r.month = month
            return r
        }

        func run() throws {
            for file in try store.registry().writeDeployerEvidence(request()) { print("wrote \(file)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one version: its record, evidence checksums and, verified, its coefficient table.")
        @Argument(help: "NAME@VERSION.") var reference: String
        @OptionGroup var store: StoreOption
        func run() throws {
            let loaded = try store.registry().show(reference)
            let v = loaded.version!
            print("""
                \(v.reference): \(v.state.rawValue), valid \(v.validity)\(v.regime.map { ", regime \($0)" } ?? "")
                  model checksum  \(v.modelChecksum)
                  stored artifact sha256 \(v.artifactSHA256) (verified)
                  evidence        evaluation \(v.evidence.evaluation)
                                  audit      \(v.evidence.audit)
                                  card       \(v.evidence.card)
                  registered by   \(v.registeredBy) at \(ISO8601DateFormatter().string(from: v.registeredAt))
                """)
            if let by = v.approvedBy, let at = v.approvedAt { print("  approved by     \(by) at \(ISO8601DateFormatter().string(from: at))") }
            if let by = v.retiredBy, let at = v.retiredAt { print("  retired by      \(by) at \(ISO8601DateFormatter().string(from: at)): \(v.retireReason ?? "")") }
            print()
            print(loaded.summary, terminator: "")
        }
    }
}
