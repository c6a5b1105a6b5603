#if canImport(Glibc)
import Glibc
#endif
import CiblageSupport

/// The datamining accès aux droits cible: households, recipients or not, some entitled to a
/// benefit they do not claim (non-recours), and how they respond to outreach.
///
/// The data-generating process (docs/SIMULATION.md, "Households"): entitlement grows with low
/// income, children, living alone and disability. An entitled household claims within three
/// months with a base chance (higher when it already receives a benefit and uses its online
/// account: the "sure things"); a contact adds to its log-odds by channel, and differently by
/// household: an SMS works for those who use the online account, a call for the elderly and those
/// living alone, a rendez-vous des droits for those who live near a CAF. So the most likely
/// entitled are not the most persuadable, and targeting by entitlement is not targeting by uplift.
/// A household that is not entitled never opens a right.
public enum HouseholdSimulator {
    /// The outreach channels, with "aucun" for the held-out households; costs per contact in euros.
    public static let arms = ["aucun", "sms", "courrier", "appel", "rdv"]
    public static let costs: [String: Double] = ["sms": 0.1, "courrier": 1.2, "appel": 6, "rdv": 45]

    public static func featureSpec() -> FeatureSpec {
        let source = "Dossier allocataire (Cristal) et données partenaires"
        func feature(_ name: String, _ type: ColumnType, _ label: String) -> ColumnSpec {
            ColumnSpec(name: name, role: .feature, type: type, label: label, source: source)
        }
        func truth(_ name: String, _ label: String) -> ColumnSpec {
            ColumnSpec(name: name, role: .ignore, type: .numeric, label: label, source: "Simulation (vérité terrain)")
        }
        var spec = FeatureSpec(
            name: "acces-simule", unit: .household,
            description: "Foyers simulés par ciblage simulate --cible acces ; la cible est l'ouverture d'un droit dans les 3 mois suivant un contact (ou sans contact).",
            columns: [
                ColumnSpec(name: "id", role: .id, label: "Identifiant du foyer", source: source),
                ColumnSpec(name: "secteur", role: .sector, type: .categorical, label: "Secteur", source: "Organisation du service"),
                feature("age", .numeric, "Âge de la personne de référence"),
                feature("nb_enfants", .numeric, "Nombre d'enfants"),
                feature("revenu_rapport_smic", .numeric, "Revenus du foyer rapportés au SMIC"),
                feature("allocataire", .boolean, "Perçoit déjà une prestation"),
                feature("isole", .boolean, "Personne vivant seule"),
                feature("numerique", .boolean, "Utilise l'espace en ligne"),
                feature("distance_km", .numeric, "Distance au point d'accueil le plus proche (km)"),
                ColumnSpec(name: "handicap", role: .sensitive, type: .boolean, label: "Situation de handicap", source: source),
                ColumnSpec(name: "nationalite", role: .sensitive, type: .categorical, levels: ["FR", "UE", "HORS_UE"], label: "Nationalité (groupe)", source: source),
                ColumnSpec(name: "contacts_12_mois", role: .ignore, type: .numeric, label: "Contacts d'aller-vers reçus sur 12 mois", source: "Historique des campagnes"),
                ColumnSpec(name: "mois_depuis_contact", role: .ignore, type: .numeric, label: "Mois depuis le dernier contact (99 : jamais)", source: "Historique des campagnes"),
                ColumnSpec(name: "opposition_contact", role: .ignore, type: .boolean, label: "A demandé à ne plus être contacté", source: "Liste d'opposition"),
                ColumnSpec(name: "canal", role: .ignore, type: .categorical, levels: arms, label: "Canal de contact de l'expérience (aucun : témoin)", source: "Campagne d'expérimentation"),
                ColumnSpec(name: "droit_ouvert", role: .target, type: .boolean, label: "Droit ouvert dans les 3 mois", source: "Liquidation"),
                ColumnSpec(name: "montant_mensuel", role: .amount, type: .numeric, label: "Montant mensuel du droit ouvert (€)", source: "Liquidation"),
                ColumnSpec(name: "proba_inclusion", role: .inclusion, type: .numeric, label: "Probabilité d'inclusion dans l'expérience", source: "Campagne d'expérimentation"),
                truth("eligible", "Éligible à un droit non réclamé (vérité)"),
                truth("montant_droit", "Montant mensuel du droit (vérité)"),
            ] + arms.map { truth("p_\($0)", "Probabilité d'ouverture si \($0) (vérité)") })
        spec.rightOpened = RightOpenedDefinition(withinMonths: 3)
        return spec
    }

    struct Household {
        var sector: Int, age: Int, children: Int, income: Double, recipient: Bool, alone: Bool, digital: Bool, distance: Double
        var disability: Bool, nationality: Int
        /// Outreach received: contacts over the last 12 months, months since the last one (99: never), opted out.
        var contacts: Int, monthsSinceContact: Int, optedOut: Bool
        var eligible: Bool, amount: Double
        /// Chance of opening the right within 3 months, per arm (`arms` order).
        var p: [Double]
    }

    @inline(__always) static func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    static func household(_ index: Int, seed: UInt64, sectors: Int) -> Household {
        var g = SplitMix64(seed: seed ^ 0xACCE_5000_0001, index: UInt64(index))
        let sector = Int(g.next() % UInt64(sectors))
        let age = 18 + Int(g.next() % 73)
        let alone = g.bernoulli(age > 65 ? 0.45 : 0.3)
        let children = alone ? 0 : min(5, g.poisson(age < 50 ? 1.3 : 0.3))
        let disability = g.bernoulli(0.09), nationality = g.choice([0.86, 0.05, 0.09])
        let income = ((exp(0.1 + 0.5 * g.normal()) * (alone ? 0.7 : 1.2)) * 1000).rounded() / 1000
        let recipient = g.bernoulli(income < 1 ? 0.6 : 0.3)
        let digital = g.bernoulli(age < 35 ? 0.8 : age < 65 ? 0.6 : 0.25)
        let distance = ((-log(1 - g.uniform()) * 12) * 10).rounded() / 10
        let entitlement = -1.6 + 1.6 * (income < 0.8 ? 1 : 0) + 0.35 * Double(children) + 0.5 * (alone ? 1 : 0) + 0.7 * (disability ? 1 : 0)
        let eligible = g.bernoulli(logistic(entitlement))
        let amount = eligible ? ((150 + 450 * g.uniform()) * 100).rounded() / 100 : 0
        let base = -2.6 + 2.4 * (recipient ? 1 : 0) + 0.9 * (digital ? 1 : 0)
        let effects: [Double] = [
            0,
            -0.4 + 1.6 * (digital ? 1 : 0),                                            // sms
            0.5,                                                                       // courrier
            0.4 + 1.0 * (age > 65 ? 1 : 0) + 0.6 * (alone ? 1 : 0),                    // appel
            1.4 + 0.6 * (distance < 8 ? 1 : 0) - 1.0 * (distance > 25 ? 1 : 0),       // rdv
        ]
        let p = effects.map { eligible ? logistic(base + $0) : 0 }
        let contacts = min(4, g.poisson(recipient ? 0.5 : 0.2))
        let monthsSinceContact = contacts > 0 ? Int(g.next() % 12) : 99
        let optedOut = g.bernoulli(0.02)
        return Household(sector: sector, age: age, children: children, income: income, recipient: recipient, alone: alone, digital: digital,
                         distance: distance, disability: disability, nationality: nationality,
                         contacts: contacts, monthsSinceContact: monthsSinceContact, optedOut: optedOut, eligible: eligible, amount: amount, p: p)
    }

    static func features(_ index: Int, _ h: Household, into b: inout ByteBuffer) {
        let id = String(index + 1)
        b.append("F" + String(repeating: "0", count: max(0, 8 - id.count)) + id); b.comma()
        b.append("S\(h.sector + 1)"); b.comma()
        b.append(h.age); b.comma(); b.append(h.children); b.comma(); b.append(h.income, decimals: 3); b.comma()
        for flag in [h.recipient, h.alone, h.digital] { b.append(flag ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma() }
        b.append(h.distance, decimals: 1); b.comma()
        b.append(h.disability ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma()
        b.append(["FR", "UE", "HORS_UE"][h.nationality]); b.comma()
        b.append(h.contacts); b.comma(); b.append(h.monthsSinceContact); b.comma()
        b.append(h.optedOut ? UInt8(ascii: "1") : UInt8(ascii: "0"))
    }

    static func truth(_ h: Household, into b: inout ByteBuffer) {
        b.comma(); b.append(h.eligible ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma(); b.append(h.amount, decimals: 2)
        for p in h.p { b.comma(); b.append(p, decimals: 6) }
    }

    /// Writes `options.dossiers` households (features and truth) and, with `randomSample`, a past
    /// randomised campaign: that many households drawn at random, each given one arm at random
    /// (a fifth held out), with the outcome observed 3 months later.
    public static func run(_ options: SimulationOptions, outputs: SimulationOutputs) throws(DataError) -> SimulationSummary {
        guard options.dossiers >= 1 else { throw .invalidOption("{dossiers} must be ≥ 1") }
        guard options.randomSample >= 0 && options.randomSample <= options.dossiers else {
            throw .invalidOption("{randomSample} must be between 0 and {dossiers} (\(options.dossiers))")
        }
        if options.randomSample > 0 && outputs.randomSample == nil { throw .invalidOption("{randomSample} needs {sampleOutput}") }
        var selected = [Bool](repeating: false, count: options.randomSample > 0 ? options.dossiers : 0)
        if options.randomSample > 0 {
            var g = SplitMix64(seed: options.seed ^ 0x5EED_5A3B_1E00_0003)
            var needed = options.randomSample
            for i in 0..<options.dossiers where needed > 0 {
                if Double(options.dossiers - i) * g.uniform() < Double(needed) { selected[i] = true; needed -= 1 }
            }
        }
        let pi = Double(options.randomSample) / Double(options.dossiers)
        let names = featureSpec().columns.map(\.name)
        let featureHeader = names.prefix { $0 != "canal" }.joined(separator: ",")
        let truthHeader = ["eligible", "montant_droit"] + arms.map { "p_\($0)" }
        let population = try outputs.population.map { (p) throws(DataError) in try AtomicFile(path: p) }
        let sample = try outputs.randomSample.map { (p) throws(DataError) in try AtomicFile(path: p) }
        try population?.write(featureHeader + "," + truthHeader.joined(separator: ",") + "\n")
        try sample?.write(featureHeader + ",canal,droit_ouvert,montant_mensuel,proba_inclusion\n")
        var summary = SimulationSummary(dossiers: options.dossiers, positives: 0, frauds: 0, totalIndu: 0, randomRows: 0, randomPositives: 0,
                                        targetedRows: 0, targetedPositives: 0, historyRecords: 0)
        var p = ByteBuffer(), s = ByteBuffer()
        for i in 0..<options.dossiers {
            let h = household(i, seed: options.seed, sectors: options.sectorsPerCAF)
            if h.eligible { summary.positives += 1; summary.totalIndu += h.amount }
            if population != nil { features(i, h, into: &p); truth(h, into: &p); p.newline() }
            if !selected.isEmpty && selected[i] {
                var a = SplitMix64(seed: options.seed ^ 0xA5516_0001, index: UInt64(i))
                let arm = Int(a.next() % UInt64(arms.count))
                let opened = a.bernoulli(h.p[arm])
                features(i, h, into: &s); s.comma(); s.append(arms[arm]); s.comma()
                s.append(opened ? UInt8(ascii: "1") : UInt8(ascii: "0")); s.comma(); s.append(opened ? h.amount : 0, decimals: 2); s.comma()
                s.append(pi, decimals: 9); s.newline()
                summary.randomRows += 1
                if opened { summary.randomPositives += 1 }
            }
            if p.bytes.count > 1 << 20 { try population?.write(p.bytes); p = ByteBuffer() }
            if s.bytes.count > 1 << 20 { try sample?.write(s.bytes); s = ByteBuffer() }
        }
        try population?.write(p.bytes); try sample?.write(s.bytes)
        try population?.commit(); try sample?.commit()
        return summary
    }

    /// The household of an identifier written by `run` (F00000001 is the first), or nil.
    public static func index(of id: String) -> Int? {
        guard id.first == "F", let n = Int(id.dropFirst()), n >= 1 else { return nil }
        return n - 1
    }

    /// What a campaign's households did in the 3 months after it: each contacted one opens the
    /// right with the simulator's chance for its channel, each held-out one with its chance without
    /// contact. The draw of household i depends on (seed, i, arm) only, so a follow-up is the same
    /// whatever order or subset of the plan is asked. Writes `id,canal,selection,droit_ouvert,montant_mensuel`
    /// (canal: the planned channel; selection: exploit, or temoin for the held out).
    public static func followUp(_ plan: [(id: String, channel: String, heldOut: Bool)], seed: UInt64, sectors: Int = 4,
                                output: String) throws(DataError) -> (rows: Int, opened: Int) {
        let file = try AtomicFile(path: output)
        try file.write("id,canal,selection,droit_ouvert,montant_mensuel\n")
        var b = ByteBuffer(), opened = 0
        for (id, channel, heldOut) in plan {
            guard let i = index(of: id) else { throw .invalidOption("follow-up: '\(id)' is not a household identifier of the simulator (F followed by digits)") }
            let arm = heldOut ? "aucun" : channel
            guard let k = arms.firstIndex(of: arm) else { throw .invalidOption("follow-up: household \(id) has channel '\(arm)', expected one of \(arms.dropFirst().joined(separator: ", "))") }
            let h = household(i, seed: seed, sectors: sectors)
            var g = SplitMix64(seed: seed ^ 0xF011_0000_0001 ^ UInt64(k), index: UInt64(i))
            let yes = g.bernoulli(h.p[k])
            if yes { opened += 1 }
            b.append(id); b.comma(); b.append(channel); b.comma(); b.append(heldOut ? "temoin" : "exploit"); b.comma()
            b.append(yes ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma()
            b.append(yes ? h.amount : 0, decimals: 2); b.newline()
            if b.bytes.count > 1 << 20 { try file.write(b.bytes); b = ByteBuffer() }
        }
        try file.write(b.bytes)
        try file.commit()
        return (plan.count, opened)
    }
}
