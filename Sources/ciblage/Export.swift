import ArgumentParser
import Dossiers
import Foundation
import RiskModel

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model for other scoring engines (PMML 4.4 RegressionModel with logit normalisation).",
        discussion: "Boolean columns are exported as continuous 0/1 fields; binned columns as Discretize derived fields; date columns are refused."
    )

    @Option(help: "The model artifact (JSON).")
    var model: String

    @Option(help: "Write PMML 4.4 here.")
    var pmml: String

    func run() throws {
        let artifact = try ModelArtifact.load(from: model)
        try AtomicFile.write(Data(try PMMLExport.document(artifact).utf8), to: pmml)
        print("wrote \(pmml)")
    }
}
