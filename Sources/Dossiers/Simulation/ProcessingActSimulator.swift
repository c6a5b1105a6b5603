#if canImport(Glibc)
import Glibc
#endif
import CiblageSupport

/// The datamining métier cible: processing acts (a liquidation of a benefit after an event) and the
/// verifier's finding, a *rejet* when the act was processed wrongly, with its euro impact.
///
/// The data-generating process (docs/SIMULATION.md, "Processing acts"): the chance of an error
/// grows with the kind of event (a change of resources or of family situation is harder than a
/// birth), the act's complexity (pieces to read, benefits of the file, months paid back), manual
/// entry (an agent keys it; partner flows and online declarations err less), a short processing
/// delay (work done under pressure), and a per-agent part that no input names: the model cannot
/// and must not learn who erred. The agent id is written pseudonymised and marked `agent` in the
/// spec, which keeps it out of models unless overridden with a recorded reason.
public enum ProcessingActSimulator {
    public static let prestations = ["AL", "RSA", "PPA", "AF", "AAH", "PAJE"]
    static let prestationWeights = [0.30, 0.20, 0.22, 0.12, 0.08, 0.08]
    public static let events = ["changement_ressources", "changement_situation", "demenagement", "naissance", "ouverture_droit", "reexamen"]
    static let eventWeights = [0.30, 0.15, 0.15, 0.08, 0.17, 0.15]
    static let eventRisk = [0.9, 1.1, 0.6, -0.4, 0.5, 0.2]
    public static let origins = ["teleservice", "agent", "flux_partenaire"]
    static let originWeights = [0.45, 0.35, 0.20]
    static let originRisk = [0.0, 0.6, -0.5]
    static let prestationRisk = [0.3, 0.5, 0.4, -0.5, 0.2, -0.2]
    public static let agents = 120

    /// The spec of the acts' table.
    public static func featureSpec() -> FeatureSpec {
        let source = "Journal des liquidations (outil de production)"
        func feature(_ name: String, _ type: ColumnType, _ label: String, levels: [String]? = nil, reference: String? = nil) -> ColumnSpec {
            ColumnSpec(name: name, role: .feature, type: type, levels: levels, reference: reference, label: label, source: source)
        }
        var spec = FeatureSpec(
            name: "metier-simule", unit: .processingAct,
            description: "Actes de traitement simulés par ciblage simulate --cible metier : une liquidation, vérifiée ou non ; la cible est le rejet du vérificateur.",
            targetDefinition: nil,
            columns: [
                ColumnSpec(name: "id", role: .id, label: "Identifiant de l'acte", source: source),
                ColumnSpec(name: "secteur", role: .sector, type: .categorical, label: "Pôle de vérification", source: "Organisation du service"),
                feature("prestation", .categorical, "Prestation liquidée", levels: prestations, reference: "AF"),
                feature("evenement", .categorical, "Nature de l'événement traité", levels: events, reference: "naissance"),
                feature("origine", .categorical, "Origine de la saisie", levels: origins, reference: "teleservice"),
                ColumnSpec(name: "agent", role: .agent, type: .categorical, label: "Agent ayant liquidé (pseudonyme)", source: source),
                feature("nb_pieces", .numeric, "Nombre de pièces justificatives"),
                feature("nb_prestations_dossier", .numeric, "Nombre de prestations du dossier"),
                feature("mois_retroactivite", .numeric, "Mois de rappel ou de régularisation couverts"),
                feature("delai_traitement_jours", .numeric, "Délai de traitement (jours)"),
                feature("montant_mensuel", .numeric, "Montant mensuel liquidé (€)"),
                ColumnSpec(name: "parent_isole", role: .sensitive, type: .boolean, label: "Parent isolé", source: "Dossier allocataire (Cristal)"),
                ColumnSpec(name: "handicap", role: .sensitive, type: .boolean, label: "Situation de handicap", source: "Dossier allocataire (Cristal)"),
                ColumnSpec(name: "rejet", role: .target, type: .boolean, label: "Rejet du vérificateur (erreur de traitement)", source: "Vérification"),
                ColumnSpec(name: "impact_euros", role: .amount, type: .numeric, label: "Incidence financière de l'erreur (€)", source: "Vérification"),
                ColumnSpec(name: "provenance", role: .provenance, type: .categorical, levels: ["random", "targeted", "other"], label: "Origine du label", source: "Plan de vérification"),
                ColumnSpec(name: "proba_inclusion", role: .inclusion, type: .numeric, label: "Probabilité d'inclusion dans l'échantillon", source: "Plan de vérification"),
            ])
        spec.rejet = RejetDefinition(minimumImpact: 0)
        return spec
    }

    /// One act: its columns (as written) and its truth.
    struct Act {
        var sector: Int, prestation: Int, event: Int, origin: Int, agent: Int?
        var pieces: Int, benefits: Int, retroactive: Int, delay: Int, monthly: Double
        var singleParent: Bool, disability: Bool
        var error: Bool, impact: Double
    }

    static func act(_ index: Int, seed: UInt64, sectors: Int) -> Act {
        var g = SplitMix64(seed: seed ^ 0x3E71_E2A5_AC75_0001, index: UInt64(index))
        let sector = Int(g.next() % UInt64(sectors))
        let prestation = g.choice(prestationWeights), event = g.choice(eventWeights), origin = g.choice(originWeights)
        let agent = origin == 1 ? Int(g.next() % UInt64(agents)) : nil
        let singleParent = g.bernoulli(0.17), disability = g.bernoulli(prestation == 4 ? 0.9 : 0.05)
        let pieces = min(12, g.poisson(1.5 + (event == 1 ? 2 : 0) + (singleParent ? 0.8 : 0)))
        let benefits = 1 + min(3, g.poisson(0.8 + (singleParent ? 0.5 : 0)))
        let retroactive = g.bernoulli(0.25) ? 1 + Int(g.next() % 12) : 0
        let delay = 1 + g.poisson(12)
        let monthly = ([220.0, 560, 190, 150, 950, 180][prestation] * (0.6 + 0.8 * g.uniform()) * 100).rounded() / 100
        // An agent's own error rate: real, but no input names it.
        var a = SplitMix64(seed: seed ^ 0xA6E7_0000_0001, index: UInt64(agent ?? 0))
        let agentEffect = agent == nil ? 0 : 0.6 * a.normal()
        var logit = -3.7 + eventRisk[event] + originRisk[origin] + prestationRisk[prestation]
        logit += 0.18 * Double(pieces) + 0.25 * Double(benefits - 1) + 0.08 * Double(retroactive) - 0.02 * Double(min(delay, 40))
        logit += agentEffect + 0.4 * g.normal()
        let error = g.bernoulli(1 / (1 + exp(-logit)))
        let impact = error ? ((monthly * Double(max(1, retroactive)) * (0.1 + 0.5 * g.uniform())) * 100).rounded() / 100 : 0
        return Act(sector: sector, prestation: prestation, event: event, origin: origin, agent: agent, pieces: pieces, benefits: benefits,
                   retroactive: retroactive, delay: delay, monthly: monthly, singleParent: singleParent, disability: disability,
                   error: error, impact: impact)
    }

    static func write(_ index: Int, _ a: Act, into b: inout ByteBuffer) {
        func text(_ s: String) { b.append(s); b.comma() }
        let id = String(index + 1)
        b.append("L" + String(repeating: "0", count: max(0, 8 - id.count)) + id); b.comma()
        text("V\(a.sector + 1)")
        text(prestations[a.prestation]); text(events[a.event]); text(origins[a.origin])
        if let agent = a.agent { b.append(pseudonym(agent)) }
        b.comma()
        b.append(a.pieces); b.comma(); b.append(a.benefits); b.comma(); b.append(a.retroactive); b.comma(); b.append(a.delay); b.comma()
        b.append(a.monthly, decimals: 2); b.comma()
        b.append(a.singleParent ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma()
        b.append(a.disability ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma()
        b.append(a.error ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma()
        b.append(a.impact, decimals: 2)
    }

    /// A stable pseudonym: nothing in the files says who the agent is.
    static func pseudonym(_ agent: Int) -> String {
        var h = SplitMix64(seed: 0x5EED_A6E7 ^ UInt64(agent))
        return "AG" + String(h.next() % 1_000_000 + 1_000_000).dropFirst()
    }

    /// Writes `options.dossiers` acts (and the random sample) with the columns of `featureSpec`.
    public static func run(_ options: SimulationOptions, outputs: SimulationOutputs) throws(DataError) -> SimulationSummary {
        guard options.dossiers >= 1 else { throw .invalidOption("{dossiers} must be ≥ 1") }
        guard options.randomSample >= 0 && options.randomSample <= options.dossiers else {
            throw .invalidOption("{randomSample} must be between 0 and {dossiers} (\(options.dossiers))")
        }
        if options.randomSample > 0 && outputs.randomSample == nil { throw .invalidOption("{randomSample} needs {sampleOutput}") }
        var selected = [Bool](repeating: false, count: options.randomSample > 0 ? options.dossiers : 0)
        if options.randomSample > 0 {
            var g = SplitMix64(seed: options.seed ^ 0x5EED_5A3B_1E00_0002)
            var needed = options.randomSample
            for i in 0..<options.dossiers where needed > 0 {
                if Double(options.dossiers - i) * g.uniform() < Double(needed) { selected[i] = true; needed -= 1 }
            }
        }
        let pi = Double(options.randomSample) / Double(options.dossiers)
        let population = try outputs.population.map { (p) throws(DataError) in try AtomicFile(path: p) }
        let sample = try outputs.randomSample.map { (p) throws(DataError) in try AtomicFile(path: p) }
        let header = featureSpec().columns.map(\.name).filter { $0 != "provenance" && $0 != "proba_inclusion" }.joined(separator: ",")
        try population?.write(header + "\n")
        try sample?.write(header + ",provenance,proba_inclusion\n")
        var summary = SimulationSummary(dossiers: options.dossiers, positives: 0, frauds: 0, totalIndu: 0, randomRows: 0, randomPositives: 0,
                                        targetedRows: 0, targetedPositives: 0, historyRecords: 0)
        var p = ByteBuffer(), s = ByteBuffer()
        for i in 0..<options.dossiers {
            let a = act(i, seed: options.seed, sectors: options.sectorsPerCAF)
            if a.error { summary.positives += 1; summary.totalIndu += a.impact }
            if population != nil { write(i, a, into: &p); p.newline() }
            if !selected.isEmpty && selected[i] {
                write(i, a, into: &s); s.append(",random,"); s.append(pi, decimals: 9); s.newline()
                summary.randomRows += 1
                if a.error { summary.randomPositives += 1 }
            }
            if p.bytes.count > 1 << 20 { try population?.write(p.bytes); p = ByteBuffer() }
            if s.bytes.count > 1 << 20 { try sample?.write(s.bytes); s = ByteBuffer() }
        }
        try population?.write(p.bytes); try sample?.write(s.bytes)
        try population?.commit(); try sample?.commit()
        return summary
    }
}
