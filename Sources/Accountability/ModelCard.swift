import Dossiers
import Evaluation
import Foundation
import Reporting
import RiskModel

/// The model card: one document, generated from the artifact and the latest evaluation and audit,
/// that a reviewer, a DPO or a court can read without Ciblage. It ends with the public notice that
/// CRPA L312-1-3 asks administrations to publish: the main rules of the algorithmic processing.
///
/// Written in French: it is published by a French administration. Every number comes from the
/// artifact or the JSON reports; what they do not contain is marked "non renseigné", never guessed.
public struct ModelCard: Sendable {
    public struct Context: Sendable {
        /// The body that runs the model (e.g. "Caf de Loire-Atlantique").
        public var organisation: String
        public var validFrom: String?
        public var validUntil: String?
        public var contact: String?
        /// The registered version the card is for (`NAME@VERSION`): documents name the model by it,
        /// never by the path of a file.
        public var reference: String?
        public init(organisation: String = "Caisse d'allocations familiales", validFrom: String? = nil, validUntil: String? = nil, contact: String? = nil,
                    reference: String? = nil) {
            self.organisation = organisation; self.validFrom = validFrom; self.validUntil = validUntil; self.contact = contact; self.reference = reference
        }
    }

    public var model: ModelArtifact
    public var evaluation: EvaluationReport?
    public var audit: AuditReport?
    public var context: Context

    public init(model: ModelArtifact, evaluation: EvaluationReport?, audit: AuditReport?, context: Context = Context()) {
        self.model = model; self.evaluation = evaluation; self.audit = audit; self.context = context
    }

    static func pct(_ v: Double) -> String { String(format: "%.1f %%", 100 * v).replacingOccurrences(of: ".", with: ",") }
    static func num(_ v: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", v).replacingOccurrences(of: ".", with: ",") }
    static let unknown = "non renseigné"
    /// A file's name without its directories: the card is published, the machine's layout is not.
    static func fileName(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    func label(_ column: String) -> String { model.spec?.column(column)?.label ?? column }

    public var document: Document {
        Document(title: "Fiche du modèle — \(context.reference ?? model.spec?.name ?? "modèle non enregistré")", sections: [
            purpose, trainingData, variables, performance, bias, proxies, limits, oversight, versions, publicNotice,
        ])
    }

    var purpose: Document.Section {
        var blocks: [Document.Block] = [
            .paragraph("Ce modèle de régression logistique estime, pour chaque dossier d'allocataire, la probabilité de l'événement **\(label(model.target.column))** (colonne `\(model.target.column)`). Le score sert uniquement à **classer des dossiers pour un contrôle** (sur pièces ou sur place) ; il ne constate ni erreur ni fraude."),
        ]
        if let d = model.spec?.targetDefinition {
            blocks.append(.paragraph("Définition de la cible : indu d'au moins \(Int(d.minimumAmount)) € sur au moins \(d.minimumMonths) mois consécutifs dans une fenêtre de \(d.windowMonths) mois (lecture Cnaf du « DMDE »)."))
        }
        if let description = model.spec?.description { blocks.append(.paragraph(description)) }
        return .init("1. Objet et cible", blocks)
    }

    var trainingData: Document.Section {
        let f = model.fit, data = model.trainingData
        var items = [
            "Fichier : `\(Self.fileName(data.file))`, \(data.rows) lignes, empreinte SHA-256 `\(data.sha256.prefix(16))…`",
            "Lignes utilisées : \(f.rowsWithPositiveWeight) (somme des poids \(Self.num(f.sumWeights, 1))), prévalence pondérée \(Self.pct(f.weightedPositives / f.sumWeights))",
        ]
        if let s = model.selection {
            items.append("Provenance des étiquettes retenue : \(s.used.joined(separator: ", ")) (colonne `\(s.provenanceColumn)`), pondération : \(s.weighting). \(s.note)")
            for (k, v) in s.rowsExcluded.sorted(by: { $0.key < $1.key }) { items.append("Écartées : \(v) lignes de provenance \(k)") }
        } else {
            items.append("Provenance des étiquettes : \(Self.unknown) (pas de colonne de provenance dans la spécification)")
        }
        return .init("2. Données d'entraînement et provenance", [.list(items)])
    }

    var variables: Document.Section {
        var rows: [[String]] = []
        for c in model.coefficients {
            let feature = model.encoding.features.first { c.term == $0.name || c.term.hasPrefix($0.name + "[") || c.term.hasPrefix($0.name + "=") }
            let spec = feature.flatMap { model.spec?.column($0.name) }
            rows.append([c.term == "Intercept" ? "constante" : "`\(c.term)`", spec?.label ?? "", spec?.source ?? (c.term == "Intercept" ? "" : Self.unknown),
                         Self.num(c.estimate), Self.num(c.oddsRatio), c.pValue.map { $0 < 1e-4 ? "< 0,0001" : Self.num($0, 4) } ?? "—"])
        }
        var blocks: [Document.Block] = [.table(header: ["terme", "libellé", "source", "coefficient", "odds ratio", "p"], rows: rows)]
        if let o = model.sensitiveOverrides, !o.isEmpty {
            blocks.append(.list(o.map { "**Attribut protégé utilisé comme entrée** : `\($0.column)`, motif : \($0.reason)" }))
        } else {
            blocks.append(.paragraph("Aucun attribut protégé (sexe, nationalité, handicap, adresse, situation de parent isolé) n'est une entrée du modèle."))
        }
        if let proxies = model.proxyDisclosure { blocks.append(.paragraph("**Variables indirectement liées à un attribut protégé** : " + proxies)) }
        return .init("3. Variables, sources et poids", blocks)
    }

    var performance: Document.Section {
        guard let e = evaluation else {
            return .init("4. Performance", [.paragraph("Performance : \(Self.unknown) (aucune évaluation fournie ; lancer `ciblage evaluate --json`).")])
        }
        let names = [("auc", "AUC"), ("gini", "Gini"), ("ks", "KS"), ("brier", "Brier"), ("logLoss", "log-loss")]
        let rows = names.compactMap { key, title in
            e.metrics[key].map { [title, Self.num($0.estimate), $0.lower.isNaN ? "—" : "[\(Self.num($0.lower)) ; \(Self.num($0.upper))]"] }
        }
        return .init("4. Performance", [
            .paragraph("Évaluée sur `\(Self.fileName(e.data))` : \(e.rows) dossiers\(e.weighted ? " (pondérés)" : ""), prévalence \(Self.pct(e.prevalence)). Intervalles à 95 % par bootstrap (\(e.bootstrapReplicates) réplications)."),
            .table(header: ["indicateur", "valeur", "IC 95 %"], rows: rows),
            .paragraph("Hosmer–Lemeshow : χ² = \(Self.num(e.hosmerLemeshow.statistic)), p = \(Self.num(e.hosmerLemeshow.pValue, 4))."),
        ])
    }

    var bias: Document.Section {
        guard let a = audit else {
            return .init("5. Audit d'équité", [.paragraph("Audit : \(Self.unknown) (lancer `ciblage audit --json`).")])
        }
        var blocks: [Document.Block] = [
            .paragraph("Audit sur `\(Self.fileName(a.data))` (\(a.rows) dossiers), sélection : \(a.rule) (\(a.selected) dossiers), strate aléatoire de \(a.randomStratumRows) dossiers ; cellules de moins de \(a.minimumCell) dossiers masquées."),
        ]
        var rows: [[String]] = []
        for g in a.groupings {
            for c in g.groups {
                guard !c.suppressed else { rows.append([g.name, c.level, "masquée", "", "", ""]); continue }
                func m(_ k: GroupAudit.Metric) -> String {
                    guard let v = c.metrics[k.rawValue], let x = v.value else { return "masqué" }
                    return Self.num(x, 2) + (v.lower.map { lo in v.upper.map { " [\(Self.num(lo, 2)) ; \(Self.num($0, 2))]" } ?? "" } ?? "")
                }
                rows.append([g.name, c.level + (c.isReference ? " (réf.)" : ""), m(.selectionRatio), m(.hitRateRatio), m(.falsePositiveRatio), m(.equalBurden)])
            }
        }
        blocks.append(.table(header: ["attribut", "groupe", "sélection (rapport)", "succès (rapport)", "faux positifs (rapport)", "charge égale"], rows: rows))
        blocks.append(a.findings.isEmpty ? .paragraph("Aucune disparité (rapport hors de [0,8 ; 1,25] avec un intervalle excluant 1).")
                                         : .list(a.findings.map { "**Disparité** — \($0)" }))
        if let cases = a.archetypes, !cases.isEmpty {
            blocks.append(.list(cases.flatMap { c in c.variants.map { v in
                "Archétype « \(c.name) » : \(v.column) \(v.from) → \(v.to) : score \(Self.num(c.score, 4)) → \(Self.num(v.score, 4)), rang \(c.rank) → \(v.rank)\(v.isModelInput ? "" : " (pas une entrée du modèle)")"
            } }))
        }
        return .init("5. Audit d'équité", blocks)
    }

    var proxies: Document.Section {
        guard let p = model.proxyCheck else {
            return .init("6. Variables indirectement liées aux attributs protégés", [.paragraph("Contrôle des proxys : \(Self.unknown) (données d'entraînement sans colonne sensible).")])
        }
        let flagged = p.flagged
        var blocks: [Document.Block] = [
            .paragraph("Pour chaque entrée et chaque attribut protégé (\(p.attributes.joined(separator: ", "))), AUC d'un modèle à une variable prédisant l'attribut, sur \(p.rows) lignes d'entraînement. Seuil de signalement : \(Self.num(p.threshold, 2))."),
        ]
        blocks.append(flagged.isEmpty ? .paragraph("Aucune entrée ne dépasse le seuil.")
                      : .table(header: ["entrée", "attribut", "modalité", "AUC"], rows: flagged.map { ["`\($0.input)`", $0.attribute, $0.level, Self.num($0.auc)] }))
        let next = p.findings.filter { !$0.flagged }.prefix(5)
        if !next.isEmpty {
            blocks.append(.paragraph("Entrées suivantes (sous le seuil) : " + next.map { "`\($0.input)` → \($0.attribute)=\($0.level) (\(Self.num($0.auc)))" }.joined(separator: " ; ") + "."))
        }
        return .init("6. Variables indirectement liées aux attributs protégés", blocks)
    }

    var limits: Document.Section {
        var items = [
            "Le score mesure le risque d'une **erreur** (indu), quelle qu'en soit la cause ; il ne distingue pas l'erreur de bonne foi de la fraude.",
            "Les erreurs sont plus fréquentes dans les situations complexes et instables : un score exact sélectionne donc davantage les ménages précaires. L'audit d'équité mesure cet effet ; il ne l'annule pas.",
            "Le modèle est linéaire sur l'échelle logit : interactions et non-linéarités non déclarées dans la spécification ne sont pas captées.",
            "Les performances ne valent que pour une population comparable à celle d'entraînement ; `ciblage monitor` mesure la dérive.",
        ]
        items += model.warnings.map { "Avertissement de l'entraînement : \($0)" }
        if !model.fit.converged { items.append("**L'ajustement n'a pas convergé.**") }
        return .init("7. Limites connues", [.list(items)])
    }

    var oversight: Document.Section {
        .init("8. Supervision humaine", [.list([
            "Le score ne déclenche aucune décision : il propose un ordre de contrôle. Un contrôleur assermenté examine chaque dossier et décide seul des suites.",
            "À la clôture, le contrôleur indique s'il approuve la sélection ou s'en écarte, avec un motif ; ces jugements sont conservés.",
            "Une part des contrôles est tirée au hasard (strate aléatoire) ; elle sert à mesurer sans biais les taux d'erreur, l'équité et la dérive.",
            "Chaque plan, attribution et clôture est inscrit dans un journal chaîné en ajout seul, vérifiable par `ciblage queue verify` (AI Act, art. 12 et 14).",
        ])])
    }

    var versions: Document.Section {
        .init("9. Versions et période de validité", [.list([
            "Modèle : \(context.reference.map { "`\($0)`" } ?? "non enregistré"), empreinte `\(model.checksum ?? Self.unknown)`",
            "Produit par \(model.generator), format \(model.formatVersion)",
            "Ajustement : \(model.fit.solver), \(model.fit.iterations) itérations, log-vraisemblance \(Self.num(model.fit.logLikelihood, 2)), AIC \(Self.num(model.fit.aic, 1))",
            "Validité : du \(context.validFrom ?? Self.unknown) au \(context.validUntil ?? Self.unknown)",
            "Évaluation : \(evaluation.map { "`\(Self.fileName($0.data))`" } ?? Self.unknown) ; audit : \(audit.map { "`\(Self.fileName($0.data))`" } ?? Self.unknown)",
        ])])
    }

    /// CRPA L312-1-3: administrations of 50 agents or more publish online the rules defining the
    /// main algorithmic processings used for individual decisions.
    var publicNotice: Document.Section {
        let inputs = model.encoding.features.map { f in
            let spec = model.spec?.column(f.name)
            return "\(spec?.label ?? f.name) (source : \(spec?.source ?? Self.unknown))"
        }
        let terms = zip(model.coefficients, model.coefficients.indices).filter { $0.0.term != "Intercept" }
        let strongest = terms.sorted { abs($0.0.estimate) > abs($1.0.estimate) }.prefix(5).map { c, _ in
            "\(c.term) (\(c.estimate > 0 ? "augmente" : "diminue") le score)"
        }
        return .init("10. Notice publique — article L312-1-3 du CRPA", [
            .paragraph("**\(context.organisation)** publie ci-dessous les règles définissant le traitement algorithmique utilisé pour sélectionner des dossiers à contrôler."),
            .list([
                "**Finalité** : cibler les contrôles des prestations sur les dossiers où le risque d'un indu (\(label(model.target.column))) est le plus élevé, afin de corriger les erreurs de versement, dans les deux sens.",
                "**Nature du traitement** : régression logistique ; le score est une probabilité entre 0 et 1 calculée à partir des données du dossier.",
                "**Données utilisées** : " + inputs.joined(separator: " ; ") + ".",
                "**Données exclues** : le sexe, la nationalité, le handicap, l'adresse et la situation de parent isolé ne sont pas utilisés pour calculer le score" + ((model.sensitiveOverrides ?? []).isEmpty ? "." : ", sauf : " + model.sensitiveOverrides!.map(\.column).joined(separator: ", ") + ".")
                    + (model.proxyDisclosure.map { " " + $0 } ?? ""),
                "**Principaux paramètres** : " + (strongest.isEmpty ? Self.unknown : strongest.joined(separator: " ; ")) + ".",
                "**Opérations** : les données sont pondérées et additionnées ; les dossiers sont classés par score (ou par montant attendu) ; une part des contrôles est tirée au hasard ; un agent décide des suites.",
                "**Contrôle de l'équité** : les taux de sélection, de succès et de contrôles à tort sont mesurés par groupe et publiés dans la présente fiche.",
                "**Vos droits** : toute personne qui fait l'objet d'un contrôle peut demander, en application de l'article L311-3-1, les règles appliquées à son dossier et les principales caractéristiques de leur mise en œuvre (données, source, poids de chaque paramètre, opérations)." + (context.contact.map { " Contact : \($0)." } ?? ""),
            ]),
        ])
    }
}
