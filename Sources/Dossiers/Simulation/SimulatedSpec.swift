extension PopulationSimulator {
    /// The feature spec of the simulated DMDE table: the columns the simulator writes, in order, with
    /// their roles, French labels and (simulated) data sources. `models/dmde-simule.spec.yaml` is this
    /// spec for 20 candidates, written by `ciblage simulate --spec-output`.
    /// - Parameter regimes: with the switch to pre-filled declarations, the column `date_bascule`.
    public static func featureSpec(candidates: Int = 20, regimes: Bool = false) -> FeatureSpec {
        let dossier = "Dossier allocataire (Cristal)"
        let resources = "Déclarations de ressources trimestrielles et DSN"
        let payments = "Historique des paiements (12 derniers mois)"
        let events = "Historique des événements du dossier"
        func feature(_ name: String, _ type: ColumnType, _ label: String, _ source: String, levels: [String]? = nil,
                     reference: String? = nil) -> ColumnSpec {
            ColumnSpec(name: name, role: .feature, type: type, levels: levels, reference: reference, label: label, source: source)
        }
        var columns: [ColumnSpec] = [
            ColumnSpec(name: "id", role: .id, label: "Identifiant du dossier", source: dossier),
            ColumnSpec(name: "caf", role: .ignore, type: .categorical, label: "Caisse d'allocations familiales", source: dossier),
            ColumnSpec(name: "secteur", role: .sector, type: .categorical, label: "Secteur de contrôle", source: "Organisation du service contrôle"),
        ]
        if regimes {
            // Not a model input: routing reads it to split a dossier's window between the two models.
            columns.append(ColumnSpec(name: "date_bascule", role: .ignore, type: .date,
                                      label: "Mois de bascule vers les ressources pré-remplies (solidarité à la source)", source: dossier))
        }
        columns += [
            feature("nb_enfants", .numeric, "Nombre d'enfants à charge", dossier),
            feature("enfant_19_plus", .boolean, "Présence d'un enfant de 19 ans ou plus", dossier),
            // Implied by activite_conjoint (couple ⇔ activite_conjoint ≠ sans_conjoint): kept for audits, not an input.
            ColumnSpec(name: "couple", role: .ignore, type: .boolean, label: "Allocataire en couple", source: dossier),
            feature("activite_titulaire", .categorical, "Activité de l'allocataire", resources,
                    levels: ["salarie", "chomeur", "inactif", "etudiant", "independant", "apprenti"], reference: "salarie"),
            feature("activite_conjoint", .categorical, "Activité du conjoint", resources,
                    levels: ["sans_conjoint", "salarie", "chomeur", "inactif"], reference: "sans_conjoint"),
            feature("revenu_rapport_smic", .numeric, "Revenus du foyer rapportés au SMIC", resources),
            feature("declaration_trimestrielle", .boolean, "Déclaration trimestrielle de ressources (RSA, PPA, AAH)", resources),
            feature("moyenne_rsa_12m", .numeric, "Montant mensuel moyen de RSA sur 12 mois (€)", payments),
            feature("moyenne_ppa_12m", .numeric, "Montant mensuel moyen de prime d'activité sur 12 mois (€)", payments),
            feature("moyenne_al_12m", .numeric, "Montant mensuel moyen d'aide au logement sur 12 mois (€)", payments),
            feature("moyenne_af_12m", .numeric, "Montant mensuel moyen d'allocations familiales sur 12 mois (€)", payments),
            feature("moyenne_cf_12m", .numeric, "Montant mensuel moyen de complément familial sur 12 mois (€)", payments),
            feature("moyenne_aah_12m", .numeric, "Montant mensuel moyen d'AAH sur 12 mois (€)", payments),
            feature("nb_changements_loyer_18m", .numeric, "Nombre de changements de loyer sur 18 mois", events),
            feature("nb_changements_adresse_24m", .numeric, "Nombre de changements d'adresse sur 24 mois", events),
            feature("changement_situation_familiale", .boolean, "Séparation, divorce ou veuvage sur 24 mois", events),
            feature("pension_alimentaire", .boolean, "Pension alimentaire déclarée", resources),
            feature("tutelle", .boolean, "Dossier géré par un tuteur ou curateur", dossier),
            feature("nb_contacts_caf_12m", .numeric, "Nombre de contacts avec la CAF sur 12 mois", "Historique des contacts (accueil, téléphone, courriels)"),
            feature("mois_depuis_dernier_controle", .numeric, "Mois depuis le dernier contrôle (120 si jamais)", "Historique des contrôles"),
        ]
        for k in 1...max(1, candidates) where candidates > 0 {
            let name = "c" + String(repeating: "0", count: 3 - String(k).count) + String(k)
            columns.append(feature(name, .numeric, "Variable candidate \(k) (simulée)", "Simulation"))
        }
        columns += [
            ColumnSpec(name: "sexe_titulaire", role: .sensitive, type: .categorical, levels: ["F", "M"], label: "Sexe de l'allocataire", source: dossier),
            ColumnSpec(name: "nationalite", role: .sensitive, type: .categorical, levels: ["FR", "UE", "HORS_UE"], label: "Nationalité (groupe)", source: dossier),
            ColumnSpec(name: "handicap", role: .sensitive, type: .boolean, label: "Situation de handicap", source: dossier),
            ColumnSpec(name: "parent_isole", role: .sensitive, type: .boolean, label: "Parent isolé", source: dossier),
            ColumnSpec(name: "qpv", role: .sensitive, type: .boolean, label: "Résidence en quartier prioritaire", source: "Adresse (géocodage QPV)"),
            ColumnSpec(name: "cible", role: .target, type: .boolean, label: "Indu d'au moins 600 € sur au moins 6 mois (DMDE)",
                       source: "Contrôle sur place (PBDF) ou contrôle ciblé"),
            ColumnSpec(name: "montant_indu", role: .amount, type: .numeric, label: "Montant d'indu constaté sur 24 mois (€)", source: "Résultat du contrôle"),
            ColumnSpec(name: "montant_rappel", role: .ignore, type: .numeric, label: "Montant de rappel constaté sur 24 mois (€)", source: "Résultat du contrôle"),
            ColumnSpec(name: "fraude", role: .ignore, type: .boolean, label: "Fraude qualifiée", source: "Résultat du contrôle"),
            ColumnSpec(name: "provenance", role: .provenance, type: .categorical, levels: ["random", "targeted", "other"],
                       label: "Origine du label", source: "Plan de contrôle"),
            ColumnSpec(name: "proba_inclusion", role: .inclusion, type: .numeric, label: "Probabilité d'inclusion dans l'échantillon", source: "Plan de contrôle"),
        ]
        return FeatureSpec(name: "dmde-simule",
                           description: "Table de dossiers simulée par ciblage simulate (modèle DMDE, cible 600 € / 6 mois / 24 mois).",
                           targetDefinition: TargetDefinitionSpec(), columns: columns)
    }
}
