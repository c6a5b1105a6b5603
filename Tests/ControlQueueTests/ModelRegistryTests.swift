import Accountability
import CiblageSupport
import ControlQueue
import Dossiers
import Foundation
import RiskModel
import Testing
import Workflows

/// A trained model and its three pieces of evidence, written as the CLI would write them.
struct RegistryFixture: Sendable {
    let directory: URL
    let model: String, evaluation: String, audit: String, card: String
    let population: String, sample: String
    let artifact: ModelArtifact

    /// Built once: training, evaluation and audit take a few seconds.
    static let shared: RegistryFixture = try! RegistryFixture()

    init() throws {
        let dir = scratchDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let population = path("pop.csv"), sample = path("pbdf.csv"), model = path("model.json")
        _ = try PopulationSimulator.run(SimulationOptions(dossiers: 3000, seed: 11, candidates: 0, randomSample: 1500),
                                        outputs: SimulationOutputs(population: population, randomSample: sample))
        var table = try TableSpec(spec: PopulationSimulator.featureSpec(candidates: 0))
        table.amount = "montant_indu"
        try LogisticRegression.model(try TrainingData.read(path: sample, spec: table)).write(to: model)
        let artifact = try ModelArtifact.load(from: model)  // as sealed, with its checksum
        var e = EvaluationRequest(model: model, data: sample)
        e.bootstrap = 0
        e.json = path("evaluation.json")
        _ = try Workflows.evaluate(e)
        var a = AuditRequest(model: model, data: population, columns: AuditColumns(attributes: ["handicap"]), selection: .topShare(0.1))
        a.bootstrap = 0
        a.json = path("audit.json")
        _ = try Workflows.audit(a)
        directory = dir; self.population = population; self.sample = sample; self.model = model; self.artifact = artifact
        evaluation = path("evaluation.json"); audit = path("audit.json"); card = path("card.md")
        try writeCard(for: "dmde@1", to: card)
    }

    func writeCard(for reference: String, to path: String) throws {
        var c = CardRequest(model: model)
        c.evaluation = evaluation; c.audit = audit
        c.context = ModelCard.Context(validFrom: "2026-01-01", validUntil: "2026-12-31", reference: reference)
        c.markdown = path
        _ = try Workflows.writeCard(c)
    }

    func request(version: String = "1", validFrom: String = "2026-01-01", validUntil: String? = "2026-12-31") -> RegisterModelRequest {
        RegisterModelRequest(model: model, terms: RegistrationTerms(name: "dmde", version: version, validFrom: validFrom, validUntil: validUntil),
                             evaluation: evaluation, audit: audit, card: card)
    }
}

/// The registry on both stores: four eyes, states, immutability, tampering, validity boundaries.
@Suite struct ModelRegistryTests {
    static let day = CalendarDay("2026-06-15")!
    let ana = Actor(name: "ana", role: .datascientist), bruno = Actor(name: "bruno", role: .datascientist)

    @Test(arguments: StoreKind.available)
    func registrationNeedsTwoDatascientistsAndEvidenceOfThisModel(_ kind: StoreKind) async throws {
        let store = try await kind.make().store.store
        let f = RegistryFixture.shared
        try await offPool {
            let registry = ModelRegistryOperations(store: store)
            let v = try registry.register(f.request(), by: ana)
            #expect(v.state == .registered && v.modelChecksum == f.artifact.checksum && v.registeredBy == "ana")

            // Not in force until approved, and not by the one who registered it.
            let unapproved = #expect(throws: QueueError.self) { try registry.load(ModelReference(parsing: "dmde@1")!, on: Self.day) }
            #expect(unapproved?.description == "model dmde@1 is registered but not approved: a datascientist other than ana must run 'ciblage model approve dmde@1'")
            let same = #expect(throws: QueueError.self) { try registry.approve("dmde@1", by: ana) }
            #expect(same?.description == "model dmde@1 was registered by ana: approval needs a second datascientist (four eyes); nothing changed")
            let controller = #expect(throws: QueueError.self) { try registry.approve("dmde@1", by: Actor(name: "carla", role: .controleur, sectors: ["S1"])) }
            #expect(controller?.description == "a controleur cannot approve a model version: it is a datascientist's")
            let direct = #expect(throws: QueueError.self) { try registry.approve("dmde@1", by: Actor(name: "root")) }
            #expect(direct?.description.hasPrefix("to approve a model version the store needs datascientist accounts (four eyes)") == true)
            #expect(try registry.versions().map(\.state) == [.registered])

            let approved = try registry.approve("dmde@1", by: bruno)
            #expect(approved.state == .approved && approved.approvedBy == "bruno" && approved.registeredBy == "ana")
            let again = #expect(throws: QueueError.self) { try registry.approve("dmde@1", by: bruno) }
            #expect(again?.description == "model dmde@1 is approved, not awaiting approval; nothing changed")
            let loaded = try registry.load(ModelReference(parsing: "dmde@in-force")!, on: Self.day)
            #expect(loaded.artifact == f.artifact && loaded.version?.version == "1")

            // The same name and version cannot be registered twice.
            let twice = #expect(throws: QueueError.self) { try registry.register(f.request(), by: ana) }
            #expect(twice?.description == "model dmde@1 is already registered: a new model is a new version")

            // Every step is in the chained audit log with its actor.
            let entries = try store.auditEntries().filter { $0.action.hasPrefix("model-") }
            #expect(entries.map(\.action) == ["model-register", "model-approve"])
            #expect(entries.map(\.actor) == ["ana", "bruno"])
            #expect(entries[0].details.contains("model=dmde@1") && entries[0].details.contains("evaluation=\(v.evidence.evaluation)")
                    && entries[0].details.contains("role=datascientist"))
            #expect(try store.verifyAudit().ok)
        }
    }

    @Test(arguments: StoreKind.available)
    func evidenceOfAnotherModelOrUnweightedIsRefused(_ kind: StoreKind) async throws {
        let store = try await kind.make().store.store
        let f = RegistryFixture.shared
        try await offPool {
            let registry = ModelRegistryOperations(store: store)
            // An evaluation not weighted by inclusion probabilities (another model's data, say) is refused.
            let other = f.directory.appendingPathComponent("unweighted-\(kind).json").path
            var e = EvaluationRequest(model: f.model, data: f.population)
            e.bootstrap = 0; e.json = other
            _ = try Workflows.evaluate(e)
            var r = f.request(); r.evaluation = other
            let unweighted = #expect(throws: RequestError.self) { try registry.register(r, by: ana) }
            #expect(unweighted?.parameter == "evaluation" && unweighted?.description.contains("not weighted by inclusion probabilities") == true)
            // A card written for another version.
            let card2 = f.directory.appendingPathComponent("card2-\(kind).md").path
            try f.writeCard(for: "dmde@2", to: card2)
            var r2 = f.request(); r2.card = card2
            let wrongCard = #expect(throws: RequestError.self) { try registry.register(r2, by: ana) }
            #expect(wrongCard?.parameter == "card")
            // An audit of another model.
            var tampered = try JSONDecoder().decode(AuditReport.self, from: Data(contentsOf: URL(fileURLWithPath: f.audit)))
            tampered.modelChecksum = "sha256:0000"
            let audit2 = f.directory.appendingPathComponent("audit2-\(kind).json").path
            try tampered.json().write(to: URL(fileURLWithPath: audit2))
            var r3 = f.request(); r3.audit = audit2
            let wrongAudit = #expect(throws: RequestError.self) { try registry.register(r3, by: ana) }
            #expect(wrongAudit?.parameter == "audit")
            let dates = #expect(throws: RequestError.self) { try registry.register(f.request(validFrom: "2026-07-01", validUntil: "2026-06-30"), by: ana) }
            #expect(dates?.description == "validUntil 2026-06-30 is before validFrom 2026-07-01")
            let bad = #expect(throws: RequestError.self) { try registry.register(f.request(validFrom: "2026-02-30"), by: ana) }
            #expect(bad?.description == "validFrom expects a date YYYY-MM-DD, got '2026-02-30'")
            #expect(try registry.versions().isEmpty)
            #expect(try store.auditEntries().filter { $0.action.hasPrefix("model-") }.isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func validityBoundariesAreTheFirstAndTheLastDay(_ kind: StoreKind) async throws {
        let store = try await kind.make().store.store
        let f = RegistryFixture.shared
        try await offPool {
            let registry = ModelRegistryOperations(store: store)
            _ = try registry.register(f.request(), by: ana)
            _ = try registry.approve("dmde@1", by: bruno)
            let reference = ModelReference(parsing: "dmde@1")!
            let before = #expect(throws: QueueError.self) { try registry.load(reference, on: CalendarDay("2025-12-31")!) }
            #expect(before?.description == "model dmde@1 is approved but not yet valid on 2025-12-31: it is valid from 2026-01-01 to 2026-12-31")
            #expect(try registry.load(reference, on: CalendarDay("2026-01-01")!).version?.version == "1")
            #expect(try registry.load(reference, on: CalendarDay("2026-12-31")!).version?.version == "1")
            let after = #expect(throws: QueueError.self) { try registry.load(reference, on: CalendarDay("2027-01-01")!) }
            #expect(after?.description == "model dmde@1 expired: it was valid from 2026-01-01 to 2026-12-31, and today is 2027-01-01")
            let none = #expect(throws: QueueError.self) { try registry.load(ModelReference(parsing: "dmde@in-force")!, on: CalendarDay("2027-01-01")!) }
            #expect(none?.description == "no version of model dmde is in force on 2027-01-01: 1 (approved, from 2026-01-01 to 2026-12-31)")

            // A second version in force over the same days makes in-force ambiguous, until one is retired.
            try f.writeCard(for: "dmde@2", to: f.directory.appendingPathComponent("card-v2-\(kind).md").path)
            var r2 = f.request(version: "2", validFrom: "2026-06-01", validUntil: nil)
            r2.card = f.directory.appendingPathComponent("card-v2-\(kind).md").path
            _ = try registry.register(r2, by: bruno)
            _ = try registry.approve("dmde@2", by: ana)
            let ambiguous = #expect(throws: QueueError.self) { try registry.load(ModelReference(parsing: "dmde@in-force")!, on: Self.day) }
            #expect(ambiguous?.description == "2 versions of model dmde are in force on 2026-06-15 (1, 2): name one, or route by period")
            let noReason = #expect(throws: QueueError.self) { try registry.retire("dmde@1", reason: "  ", by: ana) }
            #expect(noReason?.description == "retiring dmde@1 needs a reason: it is what the register keeps of why")
            _ = try registry.retire("dmde@1", reason: "remplacé par dmde@2", by: ana)
            #expect(try registry.load(ModelReference(parsing: "dmde@in-force")!, on: Self.day).version?.version == "2")
            let retired = #expect(throws: QueueError.self) { try registry.load(reference, on: Self.day) }
            #expect(retired?.description == "model dmde@1 is retired (by ana: remplacé par dmde@2); use the version in force")
            let twice = #expect(throws: QueueError.self) { try registry.retire("dmde@1", reason: "encore", by: ana) }
            #expect(twice?.description == "model dmde@1 is already retired; nothing changed")
            #expect(try registry.versions().map { "\($0.version) \($0.state.rawValue)" } == ["1 retired", "2 approved"])
            // The retired version can still be shown, verified, to explain what it scored.
            #expect(try registry.show("dmde@1").artifact == f.artifact)
        }
    }

    @Test(arguments: StoreKind.available)
    func aRegisteredVersionIsImmutableAndATamperedArtifactIsRefused(_ kind: StoreKind) async throws {
        let (async, sql) = try await kind.make()
        let store = async.store
        let f = RegistryFixture.shared
        try await offPool {
            let registry = ModelRegistryOperations(store: store)
            _ = try registry.register(f.request(), by: ana)
            _ = try registry.approve("dmde@1", by: bruno)
        }
        // The store itself refuses to change what was registered, to redo an approval, or to delete.
        for statement in ["UPDATE model_versions SET valid_until = '2030-12-31'", "UPDATE model_versions SET approved_by = 'mallory'",
                          "UPDATE model_versions SET artifact = artifact", "DELETE FROM model_versions"] {
            let change = statement == "UPDATE model_versions SET artifact = artifact"
            do {
                try await sql(statement)
                #expect(change, "\(statement) should have been refused")
            } catch {
                #expect(!change && String(reflecting: error).contains("model version"), "\(statement): \(String(reflecting: error))")
            }
        }
        // Someone who can drop the trigger changes the bytes: every load sees it.
        let drop = kind == .sqlite ? "DROP TRIGGER model_versions_immutable" : "DROP TRIGGER model_versions_immutable ON model_versions"
        let swap = kind == .sqlite ? "UPDATE model_versions SET artifact = CAST(REPLACE(CAST(artifact AS TEXT), '\"formatVersion\" : 1', '\"formatVersion\" : 1 ') AS BLOB)"
                                   : "UPDATE model_versions SET artifact = convert_to(replace(convert_from(artifact, 'UTF8'), '\"formatVersion\" : 1', '\"formatVersion\" : 1 '), 'UTF8')"
        try await sql(drop)
        try await sql(swap)
        try await offPool {
            let registry = ModelRegistryOperations(store: store)
            let tampered = #expect(throws: QueueError.self) { try registry.load(ModelReference(parsing: "dmde@1")!, on: Self.day) }
            #expect(tampered?.description.hasPrefix("model dmde@1: the stored artifact does not match its checksum") == true)
            #expect(throws: QueueError.self) { try registry.show("dmde@1") }
        }
    }

    @Test func referencesAreParsedStrictly() {
        #expect(ModelReference(parsing: "dmde@2026.1")?.version == .exact("2026.1"))
        #expect(ModelReference(parsing: "dmde@in-force")?.version == .inForce)
        for text in ["out/model.json", "dmde", "dmde@", "@1", "a@b@c", "../x@1", "dmde@1 2"] { #expect(ModelReference(parsing: text) == nil, "\(text)") }
        #expect(throws: QueueError.self) { try ModelReference.validate(name: "dmde", version: "in-force") }
        #expect(CalendarDay("2024-02-29") != nil && CalendarDay("2025-02-29") == nil && CalendarDay("2026-13-01") == nil)
        #expect(CalendarDay("2026-12-31")!.next == CalendarDay("2027-01-01")! && CalendarDay("2026-03-01")!.previous == CalendarDay("2026-02-28")!)
        // Europe/Paris: 23:30 UTC on 31 December is already the first of January.
        #expect(CalendarDay.today(at: Date(timeIntervalSince1970: 1_798_759_800)) == CalendarDay("2027-01-01")!)
    }
}
