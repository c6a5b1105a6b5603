import ArgumentParser
import Workflows

struct Route: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a CSV with the two models of a routing rule, each on its part of every dossier's window (DMDE 2026).",
        discussion: """
            The rule (YAML) names the control month, the switch-date column (with per-CAF pre-series dates and \
            the national date for dossiers without one), the model of the months before the switch and the \
            model of the months after, and the combination (exposure, the default, or maximum). The output \
            keeps both part scores and the months of each part: id,score,score_avant,score_apres,mois_avant,mois_apres. \
            A model whose part no window holds any more is reported as ready to retire.
            """
    )

    @Option(help: "The routing rule (YAML).") var rule: String
    @Option(help: "CSV of dossiers with a header row.") var data: String
    @Option(help: "Where to write the scores.") var output: String
    @Option(help: "The store whose registry holds the rule's NAME@VERSION models.") var store: String?
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        var request = RoutedScoringRequest(rule: rule, data: data, output: output)
        request.store = store
        request.format = try csv.format()
        request.threads = threads.resolved
        let r = try scoreRouted(request)
        let s = r.summary
        print("wrote \(output): \(s.rows) dossiers of cible \(r.rule.cible), window of \(r.rule.window) months before \(r.rule.controlMonth), combination \(r.rule.combine.rawValue)")
        print("  before the switch: \(r.before.designation): \(s.dossiersWithBefore) dossiers, \(s.monthsBefore) months")
        print("  after the switch:  \(r.after.designation): \(s.dossiersWithAfter) dossiers, \(s.monthsAfter) months")
        if s.switchFromCalendar > 0 { print("  \(s.switchFromCalendar) dossiers without a recorded switch took their CAF's or the national date") }
        if s.beforeReadyToRetire { print("  no window holds a month before the switch any more: \(r.before.designation) is ready to retire") }
        if s.afterReadyToRetire { print("  no window holds a month after the switch: \(r.after.designation) scores nothing here") }
    }
}
