import Accountability
import ArgumentParser
import Dossiers
import Evaluation
import Foundation
import RiskModel

struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drift: PSI of the score and every input between two months; hit rate and calibration on closed random controls.",
        discussion: """
            PSI verdicts: below 0.1 stable; 0.1 to 0.25 moderate shift; 0.25 or more major shift. \
            With --closed (a file written by `ciblage queue export`), the closed controls of the random stratum \
            give the irregularity rate against the training prevalence and observed/expected by score quintile, \
            with bootstrap intervals; "drift" means the interval excludes the reference.
            """
    )

    @Option(help: "The model artifact (JSON).") var model: String
    @Option(help: "Reference CSV (e.g. the month the model was validated on).") var reference: String?
    @Option(help: "New month's CSV.") var current: String?
    @Option(help: "Closed controls, as written by `ciblage queue export` (columns cible, score, provenance, proba_inclusion).") var closed: String?
    @Option(help: "Bootstrap seed for the outcome drift intervals.") var seed: UInt64 = 1
    @Option(help: "Also write the results as JSON here.") var json: String?
    @OptionGroup var csv: CSVOptions

    struct Result: Codable {
        var populationStability: [Drift.Item]?
        var outcomes: OutcomeDrift.Report?
    }

    func run() throws {
        guard (reference == nil) == (current == nil) else { throw ValidationError("--reference and --current go together") }
        guard reference != nil || closed != nil else { throw ValidationError("give --reference and --current (PSI), --closed (outcome drift), or both") }
        let artifact = try ModelArtifact.load(from: model)
        var result = Result()
        if let reference, let current {
            let items = try Drift.monitor(model: artifact, reference: reference, current: current, format: try csv.format())
            print("variable                            PSI  verdict")
            for i in items { print(i.name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%7.4f", i.psi) + "  " + i.verdict) }
            result.populationStability = items
        }
        if let closed {
            let report = try OutcomeDrift.measure(model: artifact, closed: closed, seed: seed, format: try csv.format())
            print("\(report.randomControls) closed random controls (of \(report.closedControls) closed)")
            for i in report.items {
                let value = i.value.map { String(format: "%.4f", $0) } ?? "-"
                let interval = i.lower.flatMap { lo in i.upper.map { String(format: " [%.4f, %.4f]", lo, $0) } } ?? ""
                print(i.name.padding(toLength: 36, withPad: " ", startingAt: 0) + value + interval + "  " + i.verdict)
            }
            result.outcomes = report
        }
        if let json {
            let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try e.encode(result), to: json)
        }
    }
}
