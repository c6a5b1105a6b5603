import ArgumentParser
import Dossiers
import Workflows

struct Target: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the labels of a cible: DMDE overpayments, métier rejets, accès rights opened after a contact.",
        discussion: """
            --cible dmde (the default): a dossier is labelled 1 when, within the --window months before the control month, it has a run of at \
            least --months consecutive months each with indu, totalling at least --amount EUR (both bounds \
            inclusive; records of the same month are added; a month without indu breaks the run). The output \
            is id,cible,montant_indu,montant_rappel with the window totals.

            --cible metier: --verifications (acte,date_verification,resultat valide|rejet,impact_euros); an act is \
            labelled 1 when its last verification is a rejet with |impact| ≥ --minimum-impact; output id,rejet,impact_euros.

            --cible acces: --contacts (foyer,date_contact[,canal], held-out households included) and --openings \
            (foyer,date_ouverture,montant_mensuel); a household is labelled 1 when a right opened on a day from the \
            contact to --within months after it, both included; output id,canal,droit_ouvert,montant_mensuel, the \
            input of 'ciblage uplift estimate'.
            """
    )

    @Option(help: "Which label: dmde, metier or acces.") var cible: SimulatedCible = .dmde

    @Option(help: "dmde: CSV of monthly records: dossier, mois (YYYY-MM), indu, rappel (optional).")
    var history: String?

    @Option(help: "metier: CSV of verifications: acte, date_verification, resultat (valide|rejet), impact_euros.")
    var verifications: String?

    @Option(help: "metier: minimum |impact| in EUR of a rejet labelled 1 (0: every rejet).")
    var minimumImpact: Double = 0

    @Option(help: "acces: CSV of the campaign's households: foyer, date_contact, canal (optional).")
    var contacts: String?

    @Option(help: "acces: CSV of rights opened: foyer, date_ouverture, montant_mensuel.")
    var openings: String?

    @Option(help: "acces: months after the contact within which a right opened counts.")
    var within: Int = 3

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

    func validate() throws {
        func need(_ value: String?, _ flag: String) throws {
            if value == nil { throw ValidationError("--cible \(cible.rawValue) needs \(flag)") }
        }
        func refuse(_ value: String?, _ flag: String) throws {
            if value != nil { throw ValidationError("\(flag) is not read by --cible \(cible.rawValue)") }
        }
        switch cible {
        case .dmde:
            try need(history, "--history"); try refuse(verifications, "--verifications"); try refuse(contacts, "--contacts"); try refuse(openings, "--openings")
            try check(try request().validate)
        case .metier:
            try need(verifications, "--verifications"); try refuse(history, "--history"); try refuse(contacts, "--contacts"); try refuse(openings, "--openings")
            if !(minimumImpact >= 0) { throw ValidationError("--minimum-impact must be ≥ 0, got \(minimumImpact)") }
        case .acces:
            try need(contacts, "--contacts"); try need(openings, "--openings"); try refuse(history, "--history"); try refuse(verifications, "--verifications")
            if !(1...36).contains(within) { throw ValidationError("--within must be between 1 and 36 months, got \(within)") }
        }
    }

    func request() throws -> TargetRequest {
        var r = TargetRequest(history: history ?? "", output: output)
        r.definition = TargetDefinitionSpec(minimumAmount: amount, minimumMonths: months, windowMonths: window)
        if let asOf {
            guard let m = TargetBuilder.parseMonth(asOf) else { throw ValidationError("--as-of must be YYYY-MM, got '\(asOf)'") }
            r.asOf = m
        }
        r.format = try csv.format()
        return r
    }

    func run() throws {
        switch cible {
        case .metier:
            var r = RejetTargetRequest(verifications: verifications!, output: output)
            r.definition = RejetDefinition(minimumImpact: minimumImpact)
            r.format = try csv.format()
            let s = try buildRejetTargets(r)
            print("wrote \(output): \(s.acts) verified acts, \(s.rejets) labelled 1 (rejet with |impact| ≥ \(minimumImpact) EUR)")
            return
        case .acces:
            var r = RightOpenedTargetRequest(contacts: contacts!, openings: openings!, output: output)
            r.definition = RightOpenedDefinition(withinMonths: within)
            r.format = try csv.format()
            let s = try buildRightOpenedTargets(r)
            print("wrote \(output): \(s.households) households, \(s.opened) opened a right within \(within) months of the contact")
            return
        case .dmde: break
        }
        let s = try buildTargets(try request())
        print("wrote \(output): \(s.dossiers) dossiers, \(s.positives) labelled 1 (control month \(TargetBuilder.format(s.asOf)))")
    }
}
