import CiblageSupport
import Dossiers
import Evaluation
import Foundation
import Testing
import Workflows

/// `convert --model`: a labelled file encoded once under a model, read by `evaluate` without
/// parsing, gives the same report as the CSV.
@Suite struct EvaluationCacheTests {
    @Test func evaluatingTheCacheGivesTheSameReportAsTheCSV() throws {
        let dir = scratchDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        _ = try simulate(SimulationRequest(options: SimulationOptions(dossiers: 30_000, seed: 3, randomSample: 4000),
                                           outputs: SimulationOutputs(randomSample: path("pbdf.csv"))))
        _ = try simulate(SimulationRequest(options: SimulationOptions(dossiers: 30_000, seed: 4, randomSample: 3000),
                                           outputs: SimulationOutputs(randomSample: path("eval.csv"))))
        var training = TrainingRequest(data: path("pbdf.csv"), roles: .spec(SpecRoles(path: "models/dmde-simule.spec.yaml")))
        training.amountColumn = "montant_indu"
        training.output = path("model.json")
        _ = try train(training)
        let conversion = try convertForEvaluation(EvaluationConversionRequest(model: path("model.json"), data: path("eval.csv"), output: path("eval.cbl")))
        #expect(conversion.rows == 3000)
        func report(_ data: String) throws -> EvaluationReport {
            var r = EvaluationRequest(model: path("model.json"), data: data)
            r.bootstrap = 50
            return try evaluate(r)
        }
        let fromCSV = try report(path("eval.csv")), fromCache = try report(path("eval.cbl"))
        #expect(fromCSV.inclusion == "proba_inclusion" && fromCache.inclusion == "proba_inclusion")
        #expect(fromCSV.metrics == fromCache.metrics && fromCSV.rows == fromCache.rows && fromCSV.calibration == fromCache.calibration)
        #expect(fromCSV.metrics["auc"] != nil)

        // A choice of columns the cache was not written with is refused, not ignored.
        var other = EvaluationRequest(model: path("model.json"), data: path("eval.cbl"))
        other.inclusion = "autre"
        #expect { try evaluate(other) } throws: { "\($0)".contains("inclusion") && "\($0)".contains("proba_inclusion") }
        // Another model's cache is refused.
        training.output = path("model2.json")
        training.amountColumn = nil
        _ = try train(training)
        #expect { try evaluate(EvaluationRequest(model: path("model2.json"), data: path("eval.cbl"))) } throws: { "\($0)".contains("not encoded for this model") }
    }
}
