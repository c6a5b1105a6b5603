import Accountability
import CiblageSupport
import ControlQueue
import Dossiers
import Foundation
import RiskModel
import Testing
import Workflows

/// Datamining métier on the simulator: processing acts, the verifier's rejet, agents kept out.
@Suite struct MetierTests {
    static func simulated() throws -> (dir: URL, acts: String, sample: String, spec: String) {
        let dir = scratchDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        var request = SimulationRequest(options: SimulationOptions(dossiers: 40_000, seed: 5, randomSample: 6000),
                                        outputs: SimulationOutputs(population: path("acts.csv"), randomSample: path("pbdf.csv")))
        request.cible = .metier
        request.specOutput = path("spec.yaml")
        _ = try simulate(request)
        return (dir, path("acts.csv"), path("pbdf.csv"), path("spec.yaml"))
    }

    @Test func aRankedVerificationQueueFindsMoreRejetsThanRandomVerification() throws {
        let s = try Self.simulated()
        let spec = try FeatureSpec.load(path: s.spec)
        #expect(spec.analysisUnit == .processingAct && spec.columns(.agent).map(\.name) == ["agent"])
        let model = s.dir.appendingPathComponent("model.json").path
        var training = TrainingRequest(data: s.sample, roles: .spec(SpecRoles(path: s.spec)))
        training.output = model
        let trained = try train(training)
        #expect(!trained.model.encoding.features.map(\.name).contains("agent"), "the agent id is not an input")
        _ = try score(ScoringRequest(model: model, data: s.acts, output: s.dir.appendingPathComponent("scores.csv").path))
        let lines = try String(contentsOfFile: s.acts, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let rejet = lines.map { Double($0[13])! }, impact = lines.map { Double($0[14])! }
        let scores = try String(contentsOfFile: s.dir.appendingPathComponent("scores.csv").path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Double($0.split(separator: ",")[1])! }
        let k = 2000
        let ranked = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(k)
        var g = SplitMix64(seed: 3)
        var pool = Array(scores.indices)
        for i in 0..<k { pool.swapAt(i, i + Int(g.next() % UInt64(pool.count - i))) }
        let random = pool.prefix(k)
        func rate(_ rows: ArraySlice<Int>) -> Double { rows.map { rejet[$0] }.reduce(0, +) / Double(rows.count) }
        func euros(_ rows: ArraySlice<Int>) -> Double { rows.map { impact[$0] }.reduce(0, +) / Double(rows.count) }
        print("métier, \(k) verifications: ranked \(rate(ranked)) rejets and \(euros(ranked)) EUR per verification; random \(rate(random)) and \(euros(random))")
        #expect(rate(ranked) > 2 * rate(random), "ranked \(rate(ranked)) vs random \(rate(random))")
        #expect(euros(ranked) > 2 * euros(random))
    }

    /// A verification campaign planned through the queue: its ranked part finds more rejets per
    /// verification than its random part (the simulator's truth), and its objective is a volume.
    @Test func aMetierCampaignPlansVerificationsByVolume() throws {
        let s = try Self.simulated()
        let model = s.dir.appendingPathComponent("model.json").path
        var training = TrainingRequest(data: s.sample, roles: .spec(SpecRoles(path: s.spec)))
        training.output = model
        training.amountColumn = "impact_euros"
        _ = try train(training)
        let campaign = s.dir.appendingPathComponent("campagne.yaml").path
        try """
            name: metier-2026-T1
            model: model.json
            channels:
              - {name: verification, capacity: 1500}
            objective: {volume: 1500}
            exploration: 0.2
            seed: 4
            """.write(toFile: campaign, atomically: true, encoding: .utf8)
        let queue = try QueueOperations(url: s.dir.appendingPathComponent("q.sqlite").path)
        let plan = try queue.plan(PlanRequest(campaign: campaign, population: s.acts, actor: Actor(name: "root")))
        #expect(plan.inserted == 1500 && plan.unit == .processingAct, "the edges say acts, not dossiers")
        let truth = Dictionary(uniqueKeysWithValues: try String(contentsOfFile: s.acts, encoding: .utf8).split(separator: "\n").dropFirst().map {
            let f = $0.split(separator: ",", omittingEmptySubsequences: false)
            return (String(f[0]), Double(f[13])!)
        })
        let items = try queue.store.items(in: .all)
        #expect(items.allSatisfy { $0.item.channel == .verification })
        func rate(_ selection: String) -> (Double, Int) {
            let chosen = items.filter { $0.item.selection == selection }
            return (chosen.map { truth[$0.item.dossier]! }.reduce(0, +) / Double(chosen.count), chosen.count)
        }
        let (ranked, nRanked) = rate("exploit"), (random, nRandom) = rate("explore")
        print("métier campaign: ranked \(nRanked) verifications at \(ranked) rejets each, random \(nRandom) at \(random)")
        #expect(nRandom == 300 && ranked > 2 * random, "ranked \(ranked) vs random \(random)")
    }

    @Test func agentsAreNeitherInputsNorGroupings() throws {
        let s = try Self.simulated()
        let spec = try FeatureSpec.load(path: s.spec)
        let refused = #expect(throws: DataError.self) { try TableSpec(spec: spec, allowSensitive: ["agent": " "]) }
        #expect("\(refused!)".contains("agent"))
        let overridden = try TableSpec(spec: spec, allowSensitive: ["agent": "étude de la charge par agent, validée par le CSE"])
        #expect(overridden.features?.contains("agent") == true && overridden.sensitiveOverrides.map(\.column) == ["agent"])

        let model = s.dir.appendingPathComponent("model.json").path
        var training = TrainingRequest(data: s.sample, roles: .spec(SpecRoles(path: s.spec)))
        training.output = model
        _ = try train(training)
        var byAgent = AuditRequest(model: model, data: s.acts, columns: AuditColumns(attributes: ["agent"]), selection: .topK(2000))
        byAgent.bootstrap = 0
        let agent = #expect(throws: AuditError.self) { try audit(byAgent) }
        #expect(agent?.description.contains("an agent id is never a grouping of a report") == true)
        // By theme, and by the kind of claimant whose file was processed (the random stratum weighted by 1/π).
        var byTheme = AuditRequest(model: model, data: s.acts, columns: AuditColumns(attributes: ["prestation", "evenement", "parent_isole", "handicap"]),
                                   selection: .topK(2000))
        byTheme.bootstrap = 50
        let report = try audit(byTheme)
        #expect(report.groupings.map(\.name) == ["prestation", "evenement", "parent_isole", "handicap"])
        #expect(report.groupings[1].groups.count == ProcessingActSimulator.events.count)
        #expect(report.groupings[2].groups.map(\.level).sorted() == ["0", "1"])
    }
}
