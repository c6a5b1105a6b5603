import ArgumentParser
import Dossiers
import Workflows

struct Target: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build DMDE-style labels from monthly overpayment records.",
        discussion: """
            A dossier is labelled 1 when, within the --window months before the control month, it has a run of at \
            least --months consecutive months each with indu, totalling at least --amount EUR (both bounds \
            inclusive; records of the same month are added; a month without indu breaks the run). The output \
            is id,cible,montant_indu,montant_rappel with the window totals.
            """
    )

    @Option(help: "CSV of monthly records: dossier, mois (YYYY-MM), indu, rappel (optional).")
    var history: String

    @Option(help: "Where to write the labels.")
    var output: String

    @Option(help: "Minimum overpayment over the run, in EUR.")
    var amount: Double = 600

    @Option(help: "Minimum number of consecutive months with overpayment.")
    var months: Int = 6

    @Option(help: "Look-back window in months.")
    var window: Int = 24

    @Option(help: "Control month YYYY-MM (default: the month after the last month in the file).")
    var asOf: String?

    @OptionGroup var csv: CSVOptions

    func validate() throws { try check(try request().validate) }

    func request() throws -> TargetRequest {
        var r = TargetRequest(history: history, output: output)
        r.definition = TargetDefinitionSpec(minimumAmount: amount, minimumMonths: months, windowMonths: window)
        if let asOf {
            guard let m = TargetBuilder.parseMonth(asOf) else { throw ValidationError("--as-of must be YYYY-MM, got '\(asOf)'") }
            r.asOf = m
        }
        r.format = try csv.format()
        return r
    }

    func run() throws {
        let s = try buildTargets(try request())
        print("wrote \(output): \(s.dossiers) dossiers, \(s.positives) labelled 1 (control month \(TargetBuilder.format(s.asOf)))")
    }
}
