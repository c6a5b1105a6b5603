import Accountability
import ControlQueue
import Dossiers
import Foundation
import HTTPTypes
import Testing
import Workflows

@testable import CiblageServer

/// The registry through the API and the datascientists' pages: register, four eyes, approve, retire.
@Suite struct RegistryPageTests {
    /// The shipped model, evaluated on a simulated random stratum and audited, with its card for dmde@1:
    /// the JSON body of a registration.
    static let body: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ciblage-registry-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/dmde-simule.model.json").path
        _ = try! simulate(SimulationRequest(options: SimulationOptions(dossiers: 3000, seed: 5, randomSample: 1500),
                                            outputs: SimulationOutputs(population: path("pop.csv"), randomSample: path("pbdf.csv"))))
        var e = EvaluationRequest(model: model, data: path("pbdf.csv")); e.bootstrap = 0; e.json = path("eval.json")
        _ = try! evaluate(e)
        var a = AuditRequest(model: model, data: path("pop.csv"), columns: AuditColumns(attributes: ["handicap"]), selection: .topShare(0.1))
        a.bootstrap = 0; a.json = path("audit.json")
        _ = try! audit(a)
        var c = CardRequest(model: model); c.context = ModelCard.Context(reference: "dmde@1"); c.markdown = path("card.md")
        _ = try! writeCard(c)
        func text(_ p: String) -> String { try! String(contentsOfFile: p, encoding: .utf8) }
        let object: [String: String] = ["name": "dmde", "version": "1", "validFrom": "2026-01-01", "model": text(model),
                                        "evaluation": text(path("eval.json")), "audit": text(path("audit.json")), "card": text(path("card.md"))]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }()

    @Test func aDatascientistRegistersAnotherApprovesAndTheRecordIsAudited() async throws {
        let harness = try Harness()
        let body = Self.body
        #expect(body.utf8.count > ServerConfiguration.maximumBodyBytes, "a registration is larger than other bodies")
        try await harness.test { client in
            let dana = try await client.login("dana"), dora = try await client.login("dora"), sylvie = try await client.login("sylvie")
            #expect(try await client.request(.post, "/api/v1/models", session: sylvie, json: body).status == .forbidden)
            let registered = try await client.request(.post, "/api/v1/models", session: dana, json: body)
            #expect(registered.status == .created, "\(registered.text)")
            #expect(try registered.object()["state"] as? String == "registered")
            #expect(try await client.request(.post, "/api/v1/models", session: dana, json: body).status == .conflict)

            // The page shows it, with the approval form for dora but not for dana.
            let own = try await client.request(.get, "/modeles/dmde/1", session: dana)
            #expect(own.status == .ok && own.text.contains("en attente") && !own.text.contains("/approbation"), "\(own.status) \(own.text.prefix(300))")
            let other = try await client.request(.get, "/modeles/dmde/1", session: dora)
            #expect(other.text.contains("action=\"/modeles/dmde/1/approbation\"") && other.text.contains("Pseudo R-squ."))
            let list = try await client.request(.get, "/modeles", session: dora)
            #expect(list.text.contains("href=\"/modeles/dmde/1\"") && list.text.contains("du 2026-01-01 jusqu"))
            #expect(list.text.contains("<option value=\"c1\">c1</option>"), "the planned campaign in the page's campaign filter")

            // Four eyes: dana's own approval is refused, by the API and by the page's form.
            let refused = try await client.request(.post, "/api/v1/models/dmde/1/approve", session: dana, json: "{}")
            #expect(refused.status == .forbidden && refused.text.contains("four eyes"))
            #expect(try await client.request(.post, "/modeles/dmde/1/approbation", session: dana, form: "csrf=\(dana.csrf)").status == .forbidden)
            let approved = try await client.request(.post, "/modeles/dmde/1/approbation", session: dora, form: "csrf=\(dora.csrf)")
            #expect(approved.status == .seeOther)
            let shown = try await client.request(.get, "/api/v1/models/dmde/1", session: dana)
            #expect(try shown.object()["approvedBy"] as? String == "dora")
            let noReason = try await client.request(.post, "/api/v1/models/dmde/1/retire", session: dana, json: #"{"reason": " "}"#)
            #expect(noReason.status == .unprocessableContent && noReason.text.contains("reason"))
            #expect(try await client.request(.post, "/modeles/dmde/1/retrait", session: dana, form: "csrf=\(dana.csrf)&reason=remplac%C3%A9").status == .seeOther)
            let versions = try await client.request(.get, "/api/v1/models", session: dora)
            let first = try #require((try JSONSerialization.jsonObject(with: Data(versions.body.readableBytesView)) as? [[String: Any]])?.first)
            #expect(first["state"] as? String == "retired" && first["retireReason"] as? String == "remplacé" && first["retiredBy"] as? String == "dana")
        }
        let entries = try harness.store.auditEntries().filter { $0.action.hasPrefix("model-") }
        #expect(entries.map { "\($0.action) \($0.actor)" } == ["model-register dana", "model-approve dora", "model-retire dana"])
        #expect(entries.allSatisfy { $0.details.contains("role=datascientist") && $0.details.contains("address=") })
        #expect(try harness.store.verifyAudit().ok)
    }
}
