import ControlQueue
import Foundation
import Testing
import Workflows

/// An output replaces its file when the command ends: one that names an input (or another output)
/// would lose it. The workflows refuse such a request before reading anything.
@Suite struct OutputPathTests {
    @Test func anOutputThatIsAnInputIsRefusedAndTheInputKept() throws {
        let dir = scratchDirectory()
        let (population, model) = try simulatedPlanning(dossiers: 3000, seed: 5, sample: 1500)
        let modelPath = dir.appendingPathComponent("m.json").path
        try model.write(to: modelPath)
        let before = try Data(contentsOf: URL(fileURLWithPath: population))
        // The same file spelled another way (./, ..) is the same file.
        let spelled = URL(fileURLWithPath: population).deletingLastPathComponent().appendingPathComponent("./x/../pop.csv").path
        let score = #expect(throws: RequestError.self) { try Workflows.score(ScoringRequest(model: modelPath, data: population, output: spelled)) }
        #expect(score?.parameter == "output" && score?.template.contains("is the file of {data}") == true)

        let campaign = dir.appendingPathComponent("c.yaml").path
        try "name: c\nmodel: m.json\nchannels:\n  - {name: sur_pieces, capacity: 20}\nexploration: 0.1\n".write(toFile: campaign, atomically: true, encoding: .utf8)
        let queue = try QueueOperations(url: dir.appendingPathComponent("q.sqlite").path)
        var plan = PlanRequest(campaign: campaign, population: population, actor: Actor(name: "root"))
        plan.scores = spelled
        let onPopulation = #expect(throws: RequestError.self) { try queue.plan(plan) }
        #expect(onPopulation?.parameter == "scores")
        plan.scores = dir.appendingPathComponent("scores.csv").path
        plan.output = plan.scores
        let onScores = #expect(throws: RequestError.self) { try queue.plan(plan) }
        #expect(onScores?.parameter == "scores" && onScores?.template.contains("is the file of {output}") == true)
        #expect(try queue.store.items(in: .all).isEmpty && !FileManager.default.fileExists(atPath: plan.scores!))
        #expect(try Data(contentsOf: URL(fileURLWithPath: population)) == before, "the population is untouched")
        // Training and conversion: an artifact or a cache written over the CSV.
        let train = #expect(throws: RequestError.self) {
            var r = TrainingRequest(data: population, roles: .declared(DeclaredRoles(target: "cible")))
            r.output = spelled
            _ = try Workflows.train(r)
        }
        #expect(train?.parameter == "output")
        let convert = #expect(throws: RequestError.self) {
            _ = try Workflows.convert(ConversionRequest(training: TrainingRequest(data: population, roles: .declared(DeclaredRoles(target: "cible"))), output: spelled))
        }
        #expect(convert?.parameter == "output")
        #expect(try Data(contentsOf: URL(fileURLWithPath: population)) == before)
        // Distinct paths plan as before.
        plan.output = dir.appendingPathComponent("plan.csv").path
        #expect(try queue.plan(plan).inserted == 20)
    }
}
