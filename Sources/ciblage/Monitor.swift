import ArgumentParser
import Dossiers
import Evaluation
import Foundation
import RiskModel

struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Population stability (PSI) of the score and of every input between a reference file and a new month.",
        discussion: "Verdicts: PSI below 0.1 stable; 0.1 to 0.25 moderate shift; 0.25 or more major shift. Hit-rate and calibration drift on closed controls are not part of this version."
    )

    @Option(help: "The model artifact (JSON).") var model: String
    @Option(help: "Reference CSV (e.g. the month the model was validated on).") var reference: String
    @Option(help: "New month's CSV.") var current: String
    @Option(help: "Also write the results as JSON here.") var json: String?
    @OptionGroup var csv: CSVOptions

    func run() throws {
        let items = try Drift.monitor(model: try ModelArtifact.load(from: model), reference: reference, current: current, format: try csv.format())
        print("variable                            PSI  verdict")
        for i in items { print(i.name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%7.4f", i.psi) + "  " + i.verdict) }
        if let json {
            let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try e.encode(items), to: json)
        }
    }
}
