import ArgumentParser
import RiskModel
import Workflows

struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Choose variables like SAS PROC LOGISTIC: forward, backward or stepwise, plus an IV/WoE screen.",
        discussion: """
            Entry uses the score chi-square at the current fit (no refit per candidate); removal uses the Wald \
            (or likelihood-ratio) chi-square. Categorical columns enter and leave as one block. The selection \
            history is printed as SAS prints it; --output writes the final model, with the same proxy check \
            as `train`.
            """
    )

    @Option(help: "Feature spec (YAML): every feature in it is a candidate.")
    var spec: String

    @OptionGroup var data: DataOptions

    @Option(help: "forward, backward or stepwise.")
    var method: VariableSelection.Method = .stepwise

    @Option(help: "Significance level for entry (SAS SLENTRY).")
    var slentry: Double = 0.05

    @Option(help: "Significance level to stay (SAS SLSTAY).")
    var slstay: Double = 0.05

    @Option(help: "Removal test: wald or lr.")
    var removal: VariableSelection.RemovalTest = .wald

    @Option(help: "Comma-separated effects always kept in the model (SAS INCLUDE=).")
    var include: String?

    @Flag(help: "Print the univariate screen (information value and weight of evidence) first.")
    var screen = false

    @Option(help: "Proxy check of the final model: flag inputs whose one-variable AUC for a sensitive column reaches this value.")
    var proxyThreshold: Double = 0.7

    @Option(help: "Write the final model here.")
    var output: String?

    @Option(help: "Write the spec with only the selected features (the others get role ignore), for `ciblage train --spec`.")
    var selectedSpec: String?

    @OptionGroup var threads: ThreadOptions

    func validate() throws { try check(request().validate) }

    func request() -> SelectionRequest {
        var r = SelectionRequest(spec: spec, data: data.data)
        r.method = method
        r.entryLevel = slentry
        r.stayLevel = slstay
        r.removal = removal
        r.include = commaList(include) ?? []
        r.screen = screen
        r.proxyThreshold = proxyThreshold
        r.threads = threads.resolved
        r.output = output
        r.selectedSpecOutput = selectedSpec
        return r
    }

    func run() throws {
        let outcome = try withProgress { try selectVariables(request(), progress: $0) }
        if let screen = outcome.screen { print(Screening.table(screen)) }
        let result = outcome.selection
        print(VariableSelection.historyTable(result.history, method: method))
        print("selected \(result.selected.count) of \(outcome.candidates) effects in \(format(seconds: outcome.seconds)) s: \(result.selected.joined(separator: ", "))")
        if let output {
            printWarnings(of: result.model)
            print("wrote \(output)")
        }
        if let selectedSpec { print("wrote \(selectedSpec)") }
    }
}
