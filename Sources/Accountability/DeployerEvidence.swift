import Evaluation
import Foundation
import Reporting
import RiskModel

/// What the deployer's documents for one registered version are made from: the version's record,
/// its stored evidence, the campaigns that use it, the queue's outcomes and the monitoring record.
/// The workflow gathers it; nothing here reads a store or a file.
public struct DeployerFacts: Sendable {
    public struct Version: Sendable {
        public var reference: String
        public var validFrom: String
        public var validUntil: String?
        public var regime: String?
        public var modelChecksum: String
        public var registeredBy: String
        public var registeredAt: Date
        public var approvedBy: String?
        public var approvedAt: Date?
        public var retiredBy: String?
        public var retireReason: String?
        /// SHA-256 of the evaluation, the audit and the card, as registered.
        public var evidence: [String: String]
        public init(reference: String, validFrom: String, validUntil: String?, regime: String?, modelChecksum: String, registeredBy: String,
                    registeredAt: Date, approvedBy: String?, approvedAt: Date?, retiredBy: String?, retireReason: String?, evidence: [String: String]) {
            self.reference = reference; self.validFrom = validFrom; self.validUntil = validUntil; self.regime = regime
            self.modelChecksum = modelChecksum; self.registeredBy = registeredBy; self.registeredAt = registeredAt
            self.approvedBy = approvedBy; self.approvedAt = approvedAt; self.retiredBy = retiredBy; self.retireReason = retireReason
            self.evidence = evidence
        }
    }

    /// A campaign planned with the version: its channels with their capacities, its random share.
    public struct Campaign: Sendable {
        public var name: String
        public var period: String?
        public var channels: [(name: String, capacity: Int)]
        public var exploration: Double
        public init(name: String, period: String?, channels: [(name: String, capacity: Int)], exploration: Double) {
            self.name = name; self.period = period; self.channels = channels; self.exploration = exploration
        }
    }

    /// The queue's items of the version, per campaign and channel. The random stratum's controls
    /// are counted apart: they alone measure the population's rate without the model's choices.
    public struct ChannelOutcome: Sendable {
        public var campaign: String
        public var channel: String
        public var planned: Int
        public var closed: Int
        public var hits: Int
        public var euros: Double
        public var randomClosed: Int
        public var randomHits: Int
        /// Σ 1/π and Σ y/π over the closed random controls.
        public var randomWeight: Double
        public var randomWeightedHits: Double
        public var overrides: Int
        public init(campaign: String, channel: String, planned: Int = 0, closed: Int = 0, hits: Int = 0, euros: Double = 0, randomClosed: Int = 0,
                    randomHits: Int = 0, randomWeight: Double = 0, randomWeightedHits: Double = 0, overrides: Int = 0) {
            self.campaign = campaign; self.channel = channel; self.planned = planned; self.closed = closed; self.hits = hits; self.euros = euros
            self.randomClosed = randomClosed; self.randomHits = randomHits; self.randomWeight = randomWeight
            self.randomWeightedHits = randomWeightedHits; self.overrides = overrides
        }
    }

    public var version: Version
    public var model: ModelArtifact
    public var evaluation: EvaluationReport
    public var audit: AuditReport
    public var organisation: String
    public var campaigns: [Campaign]
    public var outcomes: [ChannelOutcome]
    /// `monitor --json`: population stability of the score and inputs, outcome drift.
    public var stability: [Drift.Item]?
    public var outcomeDrift: OutcomeDrift.Report?
    /// The month the monitoring report covers (`YYYY-MM`).
    public var month: String
    public var generatedAt: Date

    public init(version: Version, model: ModelArtifact, evaluation: EvaluationReport, audit: AuditReport, organisation: String,
                campaigns: [Campaign], outcomes: [ChannelOutcome], stability: [Drift.Item]?, outcomeDrift: OutcomeDrift.Report?,
                month: String, generatedAt: Date) {
        self.version = version; self.model = model; self.evaluation = evaluation; self.audit = audit; self.organisation = organisation
        self.campaigns = campaigns; self.outcomes = outcomes; self.stability = stability; self.outcomeDrift = outcomeDrift
        self.month = month; self.generatedAt = generatedAt
    }
}

/// The deployer's evidence under the AI Act for one registered version, in French, as `Document`s
/// (Markdown and HTML from one structure): what the facts say is written out; what only people can
/// write (judgements, commitments, contacts) is marked **À RÉDIGER** so that no one mistakes a
/// pre-filled form for an assessment.
public enum DeployerEvidence {
    /// The marker of what only people can write.
    public static let toWrite = "**À RÉDIGER** —"

    static func pct(_ v: Double) -> String { String(format: "%.1f %%", 100 * v).replacingOccurrences(of: ".", with: ",") }
    static func num(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v).replacingOccurrences(of: ".", with: ",") }
    static func euros(_ v: Double) -> String { String(format: "%.0f €", v) }
    static func day(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR"); f.timeZone = TimeZone(identifier: "Europe/Paris"); f.dateFormat = "dd/MM/yyyy"
        return f.string(from: d)
    }

    static func validity(_ v: DeployerFacts.Version) -> String { "du \(v.validFrom) " + (v.validUntil.map { "au \($0)" } ?? "jusqu'à son retrait") }

    static func label(_ f: DeployerFacts, _ column: String) -> String { f.model.spec?.column(column)?.label ?? column }

    /// Every disparity the audit found, in its words: grouping, level, finding.
    static func disparities(_ f: DeployerFacts) -> [[String]] {
        f.audit.groupings.flatMap { g in g.groups.flatMap { group in group.findings.map { [g.name, group.level, $0] } } }
    }

    // MARK: Art. 27

    /// The fundamental rights impact assessment of Art. 27(1) (a)–(f), pre-filled.
    public static func impactAssessment(_ f: DeployerFacts) -> Document {
        let v = f.version
        let channels = f.campaigns.flatMap { c in c.channels.map { "\(c.name) : \($0.name), \($0.capacity) contrôles par période" } }
        let auc = f.evaluation.metrics["auc"]
        let found = disparities(f)
        let proxies = f.model.proxyCheck?.flagged ?? []
        let sensitive = f.model.spec?.columns(.sensitive).map { $0.label ?? $0.name } ?? []
        return Document(title: "Analyse d'impact sur les droits fondamentaux — \(v.reference) (AI Act, art. 27)", sections: [
            .init("Portée", [
                .paragraph("Déployeur : **\(f.organisation)**. Système : modèle de ciblage des contrôles **\(v.reference)** (régression logistique, empreinte `\(v.modelChecksum)`), valide \(validity(v)).\(v.regime.map { " Régime de données : \($0)." } ?? "")"),
                .paragraph("Document pré-rempli le \(day(f.generatedAt)) par Ciblage à partir de l'évaluation, de l'audit et des campagnes enregistrés. Les parties marquées \(toWrite) ne peuvent être écrites que par les personnes responsables ; l'analyse n'est complète qu'une fois celles-ci rédigées et le document validé."),
            ]),
            .init("a) Processus dans lesquels le système est utilisé", [
                .paragraph("Le score classe les dossiers d'allocataires par risque d'indu (\(label(f, f.model.target.column))). Il sert à choisir les dossiers d'un plan de contrôle ; une part de chaque canal est tirée au hasard (strate aléatoire). Un contrôleur assermenté examine chaque dossier choisi et décide seul des suites ; le score ne constate ni erreur ni fraude."),
                .list(channels.isEmpty ? ["Aucune campagne n'utilise encore cette version."] : channels),
                .paragraph("\(toWrite) la place du contrôle dans la politique de maîtrise des risques de l'organisme, et les autres sources de sélection des dossiers."),
            ]),
            .init("b) Période et fréquence d'utilisation", [
                .list([
                    "Période : \(validity(v)) ; mise en service approuvée par \(v.approvedBy ?? "— (pas encore approuvée)")\(v.approvedAt.map { " le \(day($0))" } ?? "").",
                    "Campagnes : " + (f.campaigns.isEmpty ? "aucune" : f.campaigns.map { "\($0.name)\($0.period.map { " (\($0))" } ?? "")" }.joined(separator: " ; ")) + ".",
                    "Fréquence : \(toWrite) le rythme des campagnes (mensuel, trimestriel) et le volume annuel prévu.",
                ]),
            ]),
            .init("c) Personnes et groupes concernés", [
                .paragraph("Toutes les personnes dont le dossier est scoré : \(f.audit.rows) dossiers dans la population auditée, dont \(f.audit.selected) sélectionnés par la règle « \(f.audit.rule) »."),
                .paragraph("Groupes examinés par l'audit : " + (f.audit.groupings.map(\.name).joined(separator: ", ").isEmpty ? "aucun" : f.audit.groupings.map(\.name).joined(separator: ", ")) + ". Attributs protégés connus de la spécification : " + (sensitive.isEmpty ? "aucun" : sensitive.joined(separator: ", ")) + "."),
                .paragraph("\(toWrite) les groupes vulnérables propres au territoire (personnes sans accès au numérique, allophones, personnes sous tutelle) et la manière dont ils sont atteints par le contrôle."),
            ]),
            .init("d) Risques de préjudice constatés", [
                .list([
                    "Performance (évaluation sur la strate aléatoire pondérée par 1/π, \(f.evaluation.rows) dossiers) : AUC \(auc.map { num($0.estimate, 3) } ?? "non mesurée")\(auc.map { $0.lower.isNaN ? "" : " [\(num($0.lower, 3)) ; \(num($0.upper, 3))]" } ?? "").",
                    f.evaluation.topK.first.map { "Contrôles sans erreur à trouver : parmi les \($0.k) dossiers les mieux classés de l'évaluation, \(pct(1 - $0.precision)) n'avaient pas d'indu ; le contrôle pèse sur ces personnes sans contrepartie." }
                        ?? "Contrôles sans erreur à trouver : non mesurés (l'évaluation n'a pas de top-k).",
                    found.isEmpty ? "Audit : aucune disparité significative hors de la bande [0,8 ; 1,25]." : "Audit : \(found.count) disparités significatives (intervalle hors de 1 et rapport hors de [0,8 ; 1,25]), détaillées ci-dessous.",
                    proxies.isEmpty ? "Variables indirectes : aucune entrée ne prédit un attribut protégé au-delà du seuil."
                        : "Variables indirectes : " + proxies.map { "\(label(f, $0.input)) prédit \(label(f, $0.attribute)) (AUC \(num($0.auc)))" }.joined(separator: " ; ") + ".",
                    "Les erreurs sont plus fréquentes dans les situations complexes et instables : un score exact sélectionne davantage les ménages précaires. L'audit mesure cet effet, il ne l'annule pas.",
                ]),
            ] + (found.isEmpty ? [] : [Document.Block.table(header: ["groupe", "modalité", "constat de l'audit"], rows: found)]) + [
                .paragraph("\(toWrite) l'appréciation de ces risques (gravité, réversibilité, effet cumulé avec les autres contrôles) et la décision d'accepter, de réduire ou de refuser chacun."),
            ]),
            .init("e) Contrôle humain", [
                .list([
                    "Chaque dossier sélectionné est examiné par un contrôleur assermenté, qui décide seul et peut s'écarter de la sélection en la jugeant à tort, avec un motif obligatoire ; ces jugements sont conservés et suivis (rapport mensuel, art. 72).",
                    "Quatre yeux : la version a été enregistrée par \(v.registeredBy) et approuvée par \(v.approvedBy ?? "— (en attente)"), deux data scientists distincts.",
                    "Journal chaîné en ajout seul de chaque plan, attribution, consultation et clôture, vérifiable par `ciblage queue verify` (art. 12 et 26(6)).",
                    "Arrêt : retirer la version (`ciblage model retire`) l'empêche de scorer ; une campagne peut alors être planifiée en sélection aléatoire seule.",
                ]),
                .paragraph("\(toWrite) qui peut décider l'arrêt, sur quels signaux, et la formation des contrôleurs à la lecture du score."),
            ]),
            .init("f) Mesures si les risques se réalisent ; gouvernance et réclamations", [
                .list([
                    "Surveillance mensuelle (art. 72) : taux d'irrégularité de la strate aléatoire, calibration par groupe, dérive des entrées, jugements contraires des contrôleurs.",
                    "Toute personne contrôlée peut obtenir l'explication de son score (CRPA L311-3-1 et R311-3-1-2 ; `ciblage explain`), qui nomme la version et ses données, dont celles liées à un attribut protégé.",
                    "\(toWrite) l'instance de gouvernance (comité, fréquence), la procédure de réclamation et le délai de réponse, le délégué à la protection des données, l'information du public.",
                ]),
            ]),
            .init("Pièces", [
                .list(f.version.evidence.sorted { $0.key < $1.key }.map { "\($0.key) : SHA-256 `\($0.value)`" }),
            ]),
        ])
    }

    // MARK: Art. 49, Annex VIII section C

    /// The fields a public-authority deployer registers in the EU database (Art. 49(3), Annex VIII section C).
    public static func registration(_ f: DeployerFacts) -> Document {
        let v = f.version
        let found = disparities(f)
        return Document(title: "Enregistrement du déploiement — \(v.reference) (AI Act, art. 49, annexe VIII, section C)", sections: [
            .init("Champs de l'annexe VIII, section C", [
                .table(header: ["champ", "valeur"], rows: [
                    ["1. Nom, adresse et coordonnées du déployeur", "\(f.organisation) ; \(toWrite) adresse et coordonnées"],
                    ["2. Personne qui transmet les informations pour le déployeur", "\(toWrite) nom, adresse, coordonnées"],
                    ["3. URL de l'enregistrement du système par son fournisseur", "\(toWrite) l'URL de la base de l'UE (entrée du fournisseur)"],
                    ["4. Résumé de l'analyse d'impact (art. 27)",
                     "Ciblage des contrôles par score de risque d'indu, version \(v.reference), valide \(validity(v)) ; contrôle humain de chaque dossier ; strate aléatoire ; "
                        + (found.isEmpty ? "aucune disparité significative à l'audit" : "\(found.count) disparités significatives à l'audit") + ". \(toWrite) les conclusions validées."],
                    ["5. Résumé de l'analyse d'impact relative à la protection des données (RGPD, art. 35)", "\(toWrite) le résumé de l'AIPD"],
                ]),
            ]),
            .init("Identification de la version déployée", [
                .list([
                    "Version : `\(v.reference)`, empreinte `\(v.modelChecksum)`",
                    "Validité : \(validity(v))" + (v.regime.map { " ; régime : \($0)" } ?? ""),
                    "Enregistrée par \(v.registeredBy) le \(day(v.registeredAt)) ; approuvée par \(v.approvedBy ?? "—")\(v.approvedAt.map { " le \(day($0))" } ?? "")",
                    v.retiredBy.map { "Retirée par \($0) : \(v.retireReason ?? "")" } ?? "En service tant qu'elle n'est pas retirée et que sa validité court",
                ]),
            ]),
        ])
    }

    // MARK: Art. 72

    /// The monthly post-market monitoring report: hit rate and euros per channel, the random
    /// stratum's rate, calibration by group, drift verdicts, overrides.
    public static func monitoringReport(_ f: DeployerFacts) -> Document {
        let v = f.version
        var rows: [[String]] = []
        for o in f.outcomes {
            rows.append([o.campaign, o.channel, "\(o.planned)", "\(o.closed)", o.closed > 0 ? pct(Double(o.hits) / Double(o.closed)) : "—", euros(o.euros),
                         o.closed > 0 ? euros(o.euros / Double(o.closed)) : "—", "\(o.overrides)"])
        }
        let closed = f.outcomes.map(\.closed).reduce(0, +), overrides = f.outcomes.map(\.overrides).reduce(0, +)
        let rw = f.outcomes.map(\.randomWeight).reduce(0, +), rh = f.outcomes.map(\.randomWeightedHits).reduce(0, +)
        let randomClosed = f.outcomes.map(\.randomClosed).reduce(0, +)
        var calibration: [[String]] = []
        for g in f.audit.groupings {
            for group in g.groups {
                guard let c = group.metrics["calibrationRatio"] else { continue }
                let value = group.suppressed || c.suppressed ? "masqué (< \(f.audit.minimumCell))" : c.value.map { num($0) } ?? "—"
                let interval = c.lower.map { l in c.upper.map { "[\(num(l)) ; \(num($0))]" } ?? "" } ?? ""
                calibration.append([g.name, group.level, value, interval])
            }
        }
        var drift: [String] = (f.stability ?? []).filter { $0.verdict != "stable" }.map { "\($0.name) : PSI \(num($0.psi, 3)), \($0.verdict)" }
        if let s = f.stability, drift.isEmpty { drift.append("Stabilité : \(s.count) indicateurs stables (PSI < 0,1).") }
        for item in f.outcomeDrift?.items ?? [] {
            let (name, verdict) = item.french(randomControls: f.outcomeDrift?.randomControls ?? 0)
            drift.append("\(name) : \(item.value.map { num($0, 3) } ?? "—")\(item.lower.map { l in " [\(num(l, 3)) ; \(num(item.upper ?? l, 3))]" } ?? "") — \(verdict)")
        }
        if f.stability == nil && f.outcomeDrift == nil { drift.append("\(toWrite) joindre `ciblage monitor --json` du mois (aucun relevé fourni).") }
        return Document(title: "Surveillance après mise en service — \(v.reference), \(f.month) (AI Act, art. 72)", sections: [
            .init("Version surveillée", [
                .paragraph("`\(v.reference)`, empreinte `\(v.modelChecksum)`, valide \(validity(v)). Rapport produit le \(day(f.generatedAt)) à partir de la file de contrôle, de l'audit enregistré et du relevé `monitor`."),
            ]),
            .init("1. Résultats par canal (cumul depuis la mise en service)", [
                rows.isEmpty ? .paragraph("Aucun dossier planifié avec cette version.")
                    : .table(header: ["campagne", "canal", "planifiés", "clos", "taux d'indu", "euros d'indu", "euros par contrôle", "jugements contraires"], rows: rows),
            ]),
            .init("2. Strate aléatoire", [
                .paragraph(randomClosed == 0 ? "Aucun contrôle aléatoire clos : le taux d'irrégularité de la population ne peut pas être mesuré ce mois-ci."
                           : "\(randomClosed) contrôles aléatoires clos ; taux d'irrégularité de la population (pondéré par 1/π) : \(pct(rh / rw)), contre \(pct(f.evaluation.prevalence)) à l'évaluation."),
            ]),
            .init("3. Calibration par groupe (audit enregistré)", [
                calibration.isEmpty ? .paragraph("L'audit enregistré ne mesure pas la calibration par groupe.")
                    : .table(header: ["groupe", "modalité", "observé / attendu", "IC 95 %"], rows: calibration),
            ]),
            .init("4. Dérive", [.list(drift)]),
            .init("5. Jugements des contrôleurs", [
                .paragraph(closed == 0 ? "Aucun contrôle clos." : "\(overrides) contrôle\(overrides > 1 ? "s" : "") sur \(closed) clos (\(pct(Double(overrides) / Double(closed)))) jugé\(overrides > 1 ? "s" : "") sélectionné\(overrides > 1 ? "s" : "") à tort par le contrôleur ; les motifs sont lisibles au tableau de bord des superviseurs."),
            ]),
            .init("6. Conclusion", [
                .paragraph("\(toWrite) la conclusion du mois : maintien, surveillance renforcée, recalibrage, ou retrait de la version."),
            ]),
        ])
    }
}
