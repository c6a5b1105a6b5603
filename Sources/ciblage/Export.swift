import ArgumentParser
import Workflows

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model for other scoring engines (PMML 4.4 RegressionModel with logit normalisation).",
        discussion: "Boolean columns are exported as continuous 0/1 fields; binned columns as Discretize derived fields; date columns are refused."
    )

    @OptionGroup var model: ModelOptions

    @Option(help: "Write PMML 4.4 here.")
    var pmml: String

    func run() throws {
        var request = PMMLExportRequest(model: model.model, output: pmml)
        request.store = model.store
        try exportPMML(request)
        print("wrote \(pmml)")
    }
}
