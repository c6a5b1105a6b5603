import ArgumentParser
import Dossiers
import Foundation
import RiskModel

struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Choose variables like SAS PROC LOGISTIC: forward, backward or stepwise, plus an IV/WoE screen.",
        discussion: """
            Entry uses the score chi-square at the current fit (no refit per candidate); removal uses the Wald \
            (or likelihood-ratio) chi-square. Categorical columns enter and leave as one block. The selection \
            history is printed as SAS prints it; --output writes the final model.
            """
    )

    @Option(help: "Feature spec (YAML): every feature in it is a candidate.")
    var spec: String

    @Option(help: "Training CSV.")
    var data: String

    @Option(help: "forward, backward or stepwise.")
    var method: String = "stepwise"

    @Option(help: "Significance level for entry (SAS SLENTRY).")
    var slentry: Double = 0.05

    @Option(help: "Significance level to stay (SAS SLSTAY).")
    var slstay: Double = 0.05

    @Option(help: "Removal test: wald or lr.")
    var removal: String = "wald"

    @Option(help: "Comma-separated effects always kept in the model (SAS INCLUDE=).")
    var include: String?

    @Flag(help: "Print the univariate screen (information value and weight of evidence) first.")
    var screen = false

    @Option(help: "Write the final model here.")
    var output: String?

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        guard let m = VariableSelection.Method(rawValue: method) else { throw ValidationError("--method must be forward, backward or stepwise") }
        guard let test = VariableSelection.RemovalTest(rawValue: removal) else { throw ValidationError("--removal must be wald or lr") }
        let featureSpec = try FeatureSpec.load(path: spec)
        let training = try TrainingData.read(path: data, spec: try TableSpec(spec: featureSpec))
        if screen { print(Screening.table(Screening.run(training))) }
        let start = ContinuousClock.now
        let result = try VariableSelection.run(training, options: .init(
            method: m, entryLevel: slentry, stayLevel: slstay, removalTest: test, include: commaList(include) ?? [],
            fit: LogisticRegressionOptions(threads: try threads.resolved())))
        let elapsed = ContinuousClock.now - start
        print(VariableSelection.historyTable(result.history, method: m))
        print("selected \(result.selected.count) of \(training.encoding.features.count) effects in \(seconds(elapsed)) s: \(result.selected.joined(separator: ", "))")
        if let output {
            try result.model.write(to: output)
            print("wrote \(output)")
        }
    }
}
