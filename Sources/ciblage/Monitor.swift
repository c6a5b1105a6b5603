import ArgumentParser
import Foundation
import Workflows

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

    @OptionGroup var model: ModelOptions
    @Option(help: "Reference CSV (e.g. the month the model was validated on).") var reference: String?
    @Option(help: "New month's CSV.") var current: String?
    @Option(help: "Closed controls, as written by `ciblage queue export` (columns cible, score, provenance, proba_inclusion).") var closed: String?
    @Option(help: "Bootstrap seed for the outcome drift intervals.") var seed: UInt64 = 1
    @OptionGroup var json: JSONOutputOptions
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func validate() throws { try check(try request().validate) }

    func request() throws -> MonitoringRequest {
        var r = MonitoringRequest(model: model.model)
        r.store = model.store
        r.reference = reference
        r.current = current
        r.closed = closed
        r.seed = seed
        r.format = try csv.format()
        r.threads = threads.resolved
        r.json = json.json
        return r
    }

    func run() throws {
        let result = try monitor(try request())
        if let items = result.populationStability {
            print("variable                            PSI  verdict")
            for i in items { print(i.name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%7.4f", i.psi) + "  " + i.verdict) }
        }
        if let report = result.outcomes {
            print("\(report.randomControls) closed random controls (of \(report.closedControls) closed)")
            for i in report.items {
                let value = i.value.map { String(format: "%.4f", $0) } ?? "-"
                let interval = i.lower.flatMap { lo in i.upper.map { String(format: " [%.4f, %.4f]", lo, $0) } } ?? ""
                print(i.name.padding(toLength: 36, withPad: " ", startingAt: 0) + value + interval + "  " + i.verdict)
            }
        }
    }
}
