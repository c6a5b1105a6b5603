import ArgumentParser
import Foundation
import Workflows

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model: coefficient table with inference and fit statistics (or the artifact as JSON).",
        discussion: "The model file is verified first: a corrupted file or one written by a newer Ciblage is refused."
    )

    @Argument(help: "The model artifact (JSON) written by 'ciblage train', or a registered version NAME@VERSION (with --store; shown whatever its state).")
    var model: String

    @Option(help: "With NAME@VERSION: the store whose registry holds it.")
    var store: String?

    @Flag(help: "Print the verified artifact as JSON instead of the table.")
    var json = false

    func run() throws {
        let inspection = try inspect(model: model, store: store)
        if json {
            FileHandle.standardOutput.write(inspection.json)
        } else {
            print(inspection.summary, terminator: "")
        }
    }
}
