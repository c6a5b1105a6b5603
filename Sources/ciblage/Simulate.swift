import ArgumentParser
import Dossiers
import Foundation
import Workflows

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded, simulated CAF population (and PBDF-like and targeted samples with their labels).",
        discussion: """
            The data-generating process is documented in docs/SIMULATION.md. The same seed gives the same bytes, \
            whatever the number of threads. Columns follow models/dmde-simule.spec.yaml; the population file \
            also carries the ground truth (cible, montant_indu, montant_rappel, fraude), known only in simulation.
            """
    )

    @Option(help: "Number of dossiers in the population.")
    var dossiers: Int

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Population CSV to write (omit to write only samples).")
    var output: String?

    @Option(help: "Number of CAFs the dossiers are spread across (uneven sizes).")
    var cafs: Int = 10

    @Option(help: "Controller sectors per CAF.")
    var sectors: Int = 4

    @Option(help: "Number of noise or weak candidate columns c001… for variable selection.")
    var candidates: Int = 20

    @Option(help: "Size of the PBDF-like random sample (exact), written to --sample-output.")
    var randomSample: Int = 0

    @Option(help: "CSV for the random sample (provenance=random, proba_inclusion = n/N).")
    var sampleOutput: String?

    @Option(help: "Expected size of the sample of controls targeted by a previous model, written to --targeted-output.")
    var targetedSample: Int = 0

    @Option(help: "CSV for the targeted sample (provenance=targeted, with each row's inclusion probability).")
    var targetedOutput: String?

    @Option(help: "CSV of the monthly overpayment history of the sampled dossiers (input of 'ciblage target').")
    var historyOutput: String?

    @Option(help: "Control month YYYY-MM: labels look back 24 months before it.")
    var controlMonth: String = "2026-01"

    @Option(help: "Also write the feature spec of the simulated table (YAML) to this file.")
    var specOutput: String?

    @Option(help: "Which cible: 'dmde' (dossiers over a control window, overpayments), 'metier' (processing acts, the verifier's rejet) or 'acces' (households and a randomised outreach campaign with a fifth held out); --dossiers counts the units.")
    var cible: SimulatedCible = .dmde

    @Flag(help: "Simulate the switch to pre-filled resource declarations (DMDE 2026): a switch month per dossier in column date_bascule (pre-series CAFs C02, C04, C06, C08, C10 from 2024-10, the others from 2025-03; one in five not recorded), with resource-declaration errors mostly gone after it.")
    var regimes = false

    @OptionGroup var threads: ThreadOptions

    func validate() throws { try check(try request().validate) }

    func request() throws -> SimulationRequest {
        guard let month = TargetBuilder.parseMonth(controlMonth) else {
            throw ValidationError("--control-month must be YYYY-MM, got '\(controlMonth)'")
        }
        var options = SimulationOptions(dossiers: dossiers, seed: seed, cafs: cafs, sectorsPerCAF: sectors, candidates: candidates,
                                        controlMonth: month, randomSample: randomSample, targetedSample: targetedSample,
                                        threads: threads.resolved)
        options.regimes = regimes
        var r = SimulationRequest(options: options, outputs: SimulationOutputs(
            population: output, randomSample: sampleOutput, targetedSample: targetedOutput, history: historyOutput))
        r.specOutput = specOutput
        r.cible = cible
        return r
    }

    func run() throws {
        let start = ContinuousClock.now
        let request = try request()
        let s = try withProgress { try simulate(request, progress: $0) }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        switch cible {
        case .dmde:
            print("simulated \(s.dossiers) dossiers in \(String(format: "%.1f", seconds)) s: DMDE target prevalence \(String(format: "%.2f%%", 100 * s.prevalence)), "
                  + "\(s.frauds) frauds, total indu \(Int(s.totalIndu)) EUR")
        case .acces:
            print("simulated \(s.dossiers) households in \(String(format: "%.1f", seconds)) s: \(String(format: "%.1f%%", 100 * s.prevalence)) entitled to a right they do not claim, "
                  + "\(Int(s.totalIndu)) EUR a month unclaimed")
        case .metier:
            print("simulated \(s.dossiers) processing acts in \(String(format: "%.1f", seconds)) s: rejet rate \(String(format: "%.2f%%", 100 * s.prevalence)), "
                  + "total impact \(Int(s.totalIndu)) EUR")
        }
        if let output { print("  population: \(output)") }
        if let sampleOutput { print("  random sample: \(sampleOutput) (\(s.randomRows) rows, \(s.randomPositives) positive)") }
        if let targetedOutput { print("  targeted sample: \(targetedOutput) (\(s.targetedRows) rows, \(s.targetedPositives) positive)") }
        if let historyOutput { print("  history: \(historyOutput) (\(s.historyRecords) monthly records)") }
        if let specOutput { print("  spec: \(specOutput)") }
    }
}
