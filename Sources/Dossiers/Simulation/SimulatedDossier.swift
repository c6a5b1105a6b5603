#if canImport(Glibc)
import CiblageSupport
import Glibc
#endif

@inline(__always) func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// One simulated dossier: its observed variables, its sensitive attributes (audit only), and the
/// ground truth that a full on-site check (PBDF) would reveal.
public struct SimulatedDossier: Sendable {
    public enum Activity: Int, CaseIterable, Sendable {
        case salarie, chomeur, inactif, etudiant, independant, apprenti
        public var label: StaticString {
            switch self {
            case .salarie: "salarie"
            case .chomeur: "chomeur"
            case .inactif: "inactif"
            case .etudiant: "etudiant"
            case .independant: "independant"
            case .apprenti: "apprenti"
            }
        }
    }
    public enum PartnerActivity: Int, Sendable {
        case sansConjoint, salarie, chomeur, inactif
        public var label: StaticString {
            switch self {
            case .sansConjoint: "sans_conjoint"
            case .salarie: "salarie"
            case .chomeur: "chomeur"
            case .inactif: "inactif"
            }
        }
    }
    public enum Nationality: Int, Sendable {
        case fr, ue, horsUE
        public var label: StaticString {
            switch self { case .fr: "FR"; case .ue: "UE"; case .horsUE: "HORS_UE" }
        }
    }

    public var index: Int
    public var caf: Int
    public var sector: Int
    // Observed variables.
    public var children: Int
    public var childAged19Plus: Bool
    public var couple: Bool
    public var activity: Activity
    public var partnerActivity: PartnerActivity
    public var incomeToMinimumWage: Double
    public var quarterlyDeclaration: Bool
    public var rsa: Double, ppa: Double, housing: Double, af: Double, cf: Double, aah: Double
    public var rentChanges: Int
    public var addressChanges: Int
    public var familyChange: Bool
    public var alimony: Bool
    public var guardianship: Bool
    public var contacts: Int
    public var monthsSinceControl: Int
    /// With two regimes: the first month under pre-filled resource declarations, and whether the
    /// extract records it (when not, it is the CAF's date: the routing rule's per-CAF calendar).
    public var switchMonth: TargetBuilder.Month?
    public var switchRecorded = true
    // Sensitive attributes: for audits, never model inputs by default.
    public var female: Bool
    public var nationality: Nationality
    public var disability: Bool
    public var singleParent: Bool
    public var priorityNeighbourhood: Bool
    // Ground truth.
    public var trueLogit: Double
    public var history: [TargetBuilder.Record]
    public var label: TargetBuilder.Label
    public var fraud: Bool
    /// Draws reserved for sampling decisions, independent of everything above.
    public var samplingDraw: Double
    /// The score of the "previous model" that selects the targeted controls.
    public var previousModelScore: Double

    /// The data-generating process, in one place. See docs/SIMULATION.md for the reasoning.
    public static func generate(index: Int, seed: UInt64, cafWeights: [Double], sectorsPerCAF: Int,
                                windowStart: TargetBuilder.Month, definition: TargetDefinitionSpec, regimes: Bool = false) -> SimulatedDossier {
        var g = SplitMix64(seed: seed, index: UInt64(index))
        let caf = g.choice(cafWeights)
        let sector = Int(g.next() % UInt64(sectorsPerCAF))

        // Household and sensitive attributes.
        let singleParent = g.bernoulli(0.16)
        let couple = !singleParent && g.bernoulli(0.52)
        let female = g.bernoulli(singleParent ? 0.85 : 0.55)
        let nationality = Nationality(rawValue: g.choice([0.86, 0.05, 0.09]))!
        let disability = g.bernoulli(0.08)
        // Precarity: a latent index that makes income, benefits and instability move together, and
        // correlates with single parenthood and nationality, as published figures suggest.
        let precarity = g.normal() + 0.7 * (singleParent ? 1 : 0) + 0.35 * (nationality == .horsUE ? 1 : 0) + 0.25 * (disability ? 1 : 0)
        let priorityNeighbourhood = g.bernoulli(logistic(-2.3 + 0.8 * precarity))
        var children = singleParent ? 1 + g.poisson(0.7) : couple ? g.poisson(1.3) : g.poisson(0.15)
        children = min(children, 7)
        let childAged19Plus = children > 0 && g.bernoulli(0.10 + 0.04 * Double(min(children, 4)))

        let activityWeights: [Double] = [max(0.05, 0.55 - 0.12 * precarity), max(0.02, 0.12 + 0.06 * precarity), max(0.02, 0.14 + 0.06 * precarity),
                                         0.07, 0.07, 0.03]
        let activity = Activity(rawValue: g.choice(activityWeights, total: activityWeights.reduce(0, +)))!
        let partnerActivity: PartnerActivity = couple ? PartnerActivity(rawValue: 1 + g.choice([0.7, 0.15, 0.15]))! : .sansConjoint
        let employed = activity == .salarie || activity == .independant
        var income = exp(-0.25 - 0.45 * precarity + 0.4 * g.normal()) * (employed ? 1.4 : 0.6) * (partnerActivity == .salarie ? 1.7 : 1)
        income = (income * 1000).rounded() / 1000

        let rsa = (income < 0.55 && g.bernoulli(0.75)) ? (420 + 180 * g.uniform() + 120 * Double(min(children, 3))).rounded() : 0
        let ppa = (income >= 0.4 && income < 1.6 && employed && g.bernoulli(0.65)) ? (80 + 220 * g.uniform()).rounded() : 0
        let housing = (income < 1.3 && g.bernoulli(0.7)) ? (140 + 260 * g.uniform()).rounded() : 0
        let af = children >= 2 ? (145 * Double(children - 1)).rounded() : 0
        let cf = (children >= 3 && income < 1.8) ? 185 : 0
        let aah = (disability && g.bernoulli(0.65)) ? (850 + 120 * g.uniform()).rounded() : 0
        let quarterlyDeclaration = rsa > 0 || ppa > 0 || (aah > 0 && g.bernoulli(0.45))

        let unstable = max(0, precarity)
        let rentChanges = g.poisson(0.35 + 0.45 * unstable + (housing > 0 ? 0.3 : 0))
        let addressChanges = g.poisson(0.2 + 0.15 * unstable)
        let familyChange = g.bernoulli(0.05 + 0.05 * (singleParent ? 1 : 0))
        let alimony = singleParent && g.bernoulli(0.55)
        let guardianship = g.bernoulli(0.015 + (disability ? 0.08 : 0))
        let contacts = g.poisson(1.5 + 1.2 * unstable)
        let monthsSinceControl = g.bernoulli(0.3) ? 1 + Int(g.next() % 60) : 120

        // True risk of an overpayment episode: non-linear in income, with an interaction and an
        // unobserved part, so that a logistic model on these columns is good but not perfect.
        var logit = 0.0
        logit += childAged19Plus ? 1.1 : 0
        logit += 0.3 * Double(min(rentChanges, 6))
        logit += (aah > 0 && quarterlyDeclaration) ? 0.9 : 0
        logit += familyChange ? 0.8 : 0
        logit += rsa > 0 ? 0.5 : 0
        logit += ppa > 0 ? 0.35 : 0
        logit += (rsa > 0 && ppa > 0) ? 0.4 : 0
        switch activity {
        case .chomeur: logit += 0.45
        case .independant: logit += 0.35
        case .apprenti: logit += 0.4
        case .salarie: logit -= 0.2
        default: break
        }
        logit += 0.9 * exp(-1.5 * income)
        logit += 0.3 * log1p(Double(contacts))
        logit += alimony ? 0.35 : 0
        logit += guardianship ? 0.3 : 0
        logit += 0.2 * Double(min(addressChanges, 4))
        logit += singleParent ? 0.2 : 0  // complex situations: a real, direct disparity for audits to find
        let drivers = logit
        logit = -2.45 + 1.7 * logit      // scale and level: prevalence ≈ 12%, random-sample AUC ≈ 0.75
        let unseen = 0.5 * g.normal()
        logit += unseen                   // what the CAF cannot see

        // Monthly history over the look-back window: the main episode, small self-correcting slips,
        // and underpayments (rappels).
        let window = definition.windowMonths
        var history: [TargetBuilder.Record] = []
        var switchMonth: TargetBuilder.Month?, switchRecorded = true
        if !regimes {
            if g.bernoulli(logistic(logit)) {
                let duration = min(30, 1 + Int(-log(1 - g.uniform()) * (4 + 5 * logistic(logit))))
                let start = Int(g.next() % UInt64(window + duration - 1)) - (duration - 1)
                let monthly = exp(4.55 + (rsa > 0 ? 0.25 : 0) + (housing > 0 ? 0.15 : 0) + 0.8 * g.normal())
                for k in max(0, start)..<min(window, start + duration) {
                    history.append(.init(month: windowStart + k, indu: (monthly * (0.8 + 0.4 * g.uniform()) * 100).rounded() / 100))
                }
            }
        } else {
            // Two regimes (DMDE 2026; docs/SIMULATION.md). From its switch month on, a dossier's
            // resources are pre-filled from monthly data: most errors of declared resources vanish
            // (their drivers lose their weight), while what stays declared by hand weighs more
            // (self-employed income, rent, alimony). The switch comes with the dossier's next
            // declaration after its CAF's date: 2024-10 in the five pre-series CAFs (C02, C04, C06,
            // C08, C10 here), 2025-03 elsewhere. One extract in five does not record it.
            var r = SplitMix64(seed: seed ^ 0xBA5C_01E0_2026, index: UInt64(index))
            let preSeries = caf % 2 == 1
            let cafSwitch = preSeries ? TargetBuilder.month(year: 2024, month: 10) : TargetBuilder.month(year: 2025, month: 3)
            switchRecorded = r.uniform() >= 0.2
            let switchAt = switchRecorded ? cafSwitch + Int(r.next() % (preSeries ? 3 : 6)) : cafSwitch
            switchMonth = switchAt
            var resource = 0.0
            resource += (aah > 0 && quarterlyDeclaration) ? 0.9 : 0
            resource += rsa > 0 ? 0.5 : 0
            resource += ppa > 0 ? 0.35 : 0
            resource += (rsa > 0 && ppa > 0) ? 0.4 : 0
            switch activity {
            case .chomeur: resource += 0.45
            case .apprenti: resource += 0.4
            case .salarie: resource -= 0.2
            default: break
            }
            resource += 0.9 * exp(-1.5 * income)
            let declaredByHand = (activity == .independant ? 1.3 : 0) + 0.3 * Double(min(rentChanges, 6)) + (alimony ? 0.8 : 0)
            let after = -2.45 + 1.7 * (drivers - resource + declaredByHand) + unseen
            // Each part of the window has the chance of an episode of its regime over its share of
            // the 24 months (a constant monthly hazard): the exposure-weighted combination of routing.
            let beforeMonths = min(window, max(0, switchAt - windowStart))
            for (partLogit, lo, hi) in [(logit, 0, beforeMonths), (after, beforeMonths, window)] where hi > lo {
                let p = logistic(partLogit)
                guard g.bernoulli(1 - pow(1 - p, Double(hi - lo) / Double(window))) else { continue }
                let duration = min(30, 1 + Int(-log(1 - g.uniform()) * (4 + 5 * p)))
                let start = lo + Int(g.next() % UInt64(hi - lo + duration - 1)) - (duration - 1)
                let monthly = exp(4.55 + (rsa > 0 ? 0.25 : 0) + (housing > 0 ? 0.15 : 0) + 0.8 * g.normal())
                // An episode of one regime ends with it: pre-filling corrects the declared resources.
                for k in max(lo, start)..<min(hi, start + duration) {
                    history.append(.init(month: windowStart + k, indu: (monthly * (0.8 + 0.4 * g.uniform()) * 100).rounded() / 100))
                }
            }
        }
        if g.bernoulli(0.12) {
            let start = Int(g.next() % UInt64(window))
            for k in start..<min(window, start + 1 + Int(g.next() % 3)) {
                history.append(.init(month: windowStart + k, indu: (25 + 40 * g.uniform()).rounded()))
            }
        }
        if g.bernoulli(logistic(-2.6 + 0.25 * precarity)) {
            history.append(.init(month: windowStart + Int(g.next() % UInt64(window)), indu: 0,
                                 rappel: (exp(5.3 + 0.9 * g.normal()) * 100).rounded() / 100))
        }
        history.sort { $0.month < $1.month }
        let label = TargetBuilder.label(history, definition: definition, asOf: windowStart + window)
        let fraud = label.positive && g.bernoulli(logistic(-2.2 + (label.indu > 3000 ? 0.7 : 0) + (addressChanges > 0 ? 0.5 : 0)
                                                          + (activity == .independant ? 0.4 : 0)))
        // The previous model: an older rule that still used neighbourhood and single parenthood.
        let previous = logistic(-2.4 + 1.0 * (childAged19Plus ? 1 : 0) + 0.3 * Double(min(rentChanges, 6)) + 0.5 * (rsa > 0 ? 1 : 0)
                                + 0.5 * (singleParent ? 1 : 0) + 0.4 * (priorityNeighbourhood ? 1 : 0))
        var d = SimulatedDossier(
            index: index, caf: caf, sector: sector, children: children, childAged19Plus: childAged19Plus, couple: couple,
            activity: activity, partnerActivity: partnerActivity, incomeToMinimumWage: income, quarterlyDeclaration: quarterlyDeclaration,
            rsa: rsa, ppa: ppa, housing: housing, af: af, cf: Double(cf), aah: aah, rentChanges: rentChanges,
            addressChanges: addressChanges, familyChange: familyChange, alimony: alimony, guardianship: guardianship,
            contacts: contacts, monthsSinceControl: monthsSinceControl, female: female, nationality: nationality,
            disability: disability, singleParent: singleParent, priorityNeighbourhood: priorityNeighbourhood,
            trueLogit: logit, history: history, label: label, fraud: fraud, samplingDraw: g.uniform(), previousModelScore: previous)
        d.switchMonth = switchMonth
        d.switchRecorded = switchRecorded
        return d
    }
}
