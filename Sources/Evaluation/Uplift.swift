import CiblageSupport
import Dossiers
import Foundation
import RiskModel

/// What an outreach contact changed: take-up among the contacted minus take-up among the held out.
///
/// Accès aux droits is the one cible where the action causes the outcome: a household that opens a
/// right after an SMS might have opened it anyway. Only a randomised comparison tells the two
/// apart, so every outreach campaign holds out a random share of the households it would have
/// contacted, and this is its evaluation. For each arm a (a channel) against the held-out arm 0:
///
///     τ̂ = p̂_a − p̂_0,        p̂ = Σ w_i y_i / Σ w_i            (Hájek; w = 1/π, 1 without π)
///     Var(p̂) = Σ w_i² (y_i − p̂)² / (Σ w_i)²                   (linearised; = p̂(1 − p̂)/n when w ≡ 1)
///     τ̂ ± z · √(Var(p̂_a) + Var(p̂_0))                          (Wald, the arms independent)
///
/// The same for the monthly amount of the right opened (0 when none): euros per month per contact,
/// with the variance multiplied by n/(n − 1) (Welch's unbiased variances, as statsmodels'
/// `CompareMeans` uses). Proportions keep the textbook Wald p(1 − p)/n, statsmodels'
/// `confint_proportions_2indep(method="wald")`. Checked against both in `UpliftTests`.
///
/// The campaign's effect follows: incremental rights = τ̂ × contacted, incremental euros per month
/// = τ̂€ × contacted, cost per incremental right = cost per contact / τ̂ (undefined when τ̂ ≤ 0).
///
/// A campaign's follow-up is stratified: each channel selected its own households and held out a
/// share of them, so a channel's contacted compare with its own held out only (`stratum`, the
/// planned channel). The campaign's pooled effect per contact is then Σ n_s τ̂_s / Σ n_s with
/// variance Σ n_s² Var(τ̂_s) / (Σ n_s)², n_s the contacted of stratum s: the held out of an SMS
/// selection say nothing about what calls do to theirs.
public enum Uplift {
    /// One row of an experiment or of a campaign's follow-up.
    public struct Observation: Equatable, Sendable {
        public var arm: String
        public var opened: Bool
        /// Monthly amount of the right opened (0 when none).
        public var amount: Double
        public var weight: Double
        /// The planned channel of a campaign's household (its arm is then contacted or held out); "" in an experiment.
        public var stratum: String
        public init(arm: String, opened: Bool, amount: Double, weight: Double = 1, stratum: String = "") {
            self.arm = arm; self.opened = opened; self.amount = amount; self.weight = weight; self.stratum = stratum
        }
    }

    /// An estimate with its interval.
    public struct Estimate: Codable, Equatable, Sendable {
        public var value: Double
        public var lower: Double
        public var upper: Double
        public var standardError: Double

        init(_ value: Double, standardError: Double, z: Double) {
            self.value = value; self.standardError = standardError
            lower = value - z * standardError; upper = value + z * standardError
        }

        func scaled(_ k: Double) -> Estimate {
            var e = self
            e.value *= k; e.lower *= k; e.upper *= k; e.standardError *= k
            return e
        }

        public func covers(_ x: Double) -> Bool { lower <= x && x <= upper }
    }

    /// One channel against the held-out households.
    public struct ArmEffect: Codable, Equatable, Sendable {
        public var arm: String
        public var contacted: Int
        public var opened: Int
        public var takeUp: Double
        public var heldOut: Int
        public var heldOutTakeUp: Double
        /// Rights opened per contact caused by the contact.
        public var uplift: Estimate
        /// Euros per month of rights opened per contact caused by the contact.
        public var eurosPerMonth: Estimate
        /// uplift × contacted, and the same in euros per month.
        public var incrementalRights: Estimate
        public var incrementalEurosPerMonth: Estimate
        public var costPerContact: Double?
        /// Cost per contact ÷ uplift, when the uplift is positive.
        public var costPerIncrementalRight: Double?
    }

    public struct Report: Codable, Equatable, Sendable {
        public var control: String
        public var level: Double
        public var arms: [ArmEffect]
        /// Every contacted arm together against the held out.
        public var pooled: ArmEffect?
        public var notes: [String]
        /// The campaign's objective in rights opened, and the rights its contacts opened against it.
        public var objective: Int?
        public var progressPercent: Estimate?

        /// Sets the objective: progress is the incremental rights of the whole campaign (the pooled
        /// effect, or the one channel's) over the objective, with its interval.
        public mutating func follow(objective: Int) {
            self.objective = objective
            guard objective > 0, let total = pooled ?? (arms.count == 1 ? arms[0] : nil) else { return }
            progressPercent = total.incrementalRights.scaled(100 / Double(objective))
        }
    }

    /// Rate and linearised variance of a weighted mean.
    static func mean(_ values: [(x: Double, w: Double)], unbiased: Bool) -> (mean: Double, variance: Double) {
        let sw = values.reduce(0) { $0 + $1.w }
        guard sw > 0 else { return (.nan, .nan) }
        let m = values.reduce(0) { $0 + $1.w * $1.x } / sw
        var v = values.reduce(0) { $0 + $1.w * $1.w * ($1.x - m) * ($1.x - m) } / (sw * sw)
        if unbiased { v = values.count > 1 ? v * Double(values.count) / Double(values.count - 1) : .nan }
        return (m, v)
    }

    /// Every arm other than `control` against it, in the order of `order` (the arms first seen, when
    /// nil); within each stratum when the rows have one, the effect then named by the stratum.
    public static func estimate(_ rows: [Observation], control: String, costs: [String: Double] = [:],
                                order: [String]? = nil) throws(DataError) -> Report {
        let z = Distributions.normalQuantile975
        var strata: [String: [Observation]] = [:], strataOrder: [String] = []
        for r in rows {
            if strata[r.stratum] == nil { strataOrder.append(r.stratum) }
            strata[r.stratum, default: []].append(r)
        }
        var notes: [String] = []
        func effect(_ name: String, _ treated: [Observation], _ held: [Observation], cost: Double?) -> ArmEffect {
            let p1 = mean(treated.map { ($0.opened ? 1 : 0, $0.weight) }, unbiased: false)
            let p0 = mean(held.map { ($0.opened ? 1 : 0, $0.weight) }, unbiased: false)
            let e1 = mean(treated.map { ($0.amount, $0.weight) }, unbiased: true)
            let e0 = mean(held.map { ($0.amount, $0.weight) }, unbiased: true)
            let uplift = Estimate(p1.mean - p0.mean, standardError: (p1.variance + p0.variance).squareRoot(), z: z)
            let euros = Estimate(e1.mean - e0.mean, standardError: (e1.variance + e0.variance).squareRoot(), z: z)
            let n = Double(treated.count)
            if treated.count < 30 || held.count < 30 {
                notes.append("\(name): \(treated.count) contacted and \(held.count) held out; below 30 in an arm the normal interval is unreliable")
            }
            return ArmEffect(arm: name, contacted: treated.count, opened: treated.filter(\.opened).count, takeUp: p1.mean,
                             heldOut: held.count, heldOutTakeUp: p0.mean, uplift: uplift, eurosPerMonth: euros,
                             incrementalRights: uplift.scaled(n), incrementalEurosPerMonth: euros.scaled(n), costPerContact: cost,
                             costPerIncrementalRight: cost.flatMap { uplift.value > 0 ? $0 / uplift.value : nil })
        }
        var effects: [ArmEffect] = []
        var pooledParts: [(treated: [Observation], held: [Observation], effect: ArmEffect)] = []
        for stratum in strataOrder {
            let inStratum = strata[stratum]!
            var byArm: [String: [Observation]] = [:], seen: [String] = []
            for r in inStratum {
                if byArm[r.arm] == nil { seen.append(r.arm) }
                byArm[r.arm, default: []].append(r)
            }
            guard let held = byArm[control], !held.isEmpty else {
                throw .invalidOption("no held-out household (arm '\(control)')\(stratum.isEmpty ? "" : " among those planned on \(stratum)") in the data: without a randomised holdout the effect of a contact cannot be told from the take-up that would have happened anyway; keep a {holdout} share in every outreach campaign")
            }
            let arms = (order ?? seen).filter { $0 != control && byArm[$0] != nil }
            for arm in arms {
                let name = stratum.isEmpty ? arm : (arms.count == 1 ? stratum : "\(stratum) (\(arm))")
                let e = effect(name, byArm[arm]!, held, cost: costs[stratum.isEmpty ? arm : stratum])
                effects.append(e)
                pooledParts.append((byArm[arm]!, held, e))
            }
        }
        var pooled: ArmEffect?
        if effects.count > 1 {
            if strataOrder.count == 1 {
                let stratum = strata[strataOrder[0]]!
                pooled = effect("ensemble", stratum.filter { $0.arm != control }, stratum.filter { $0.arm == control }, cost: nil)
                notes.append("ensemble: the channels together against the held out, as one contact; its cost per right is not given (the channels' costs differ)")
            } else {
                // Stratified: each channel against its own held out, weighted by its contacted.
                let n = Double(pooledParts.reduce(0) { $0 + $1.effect.contacted })
                func combine(_ part: (ArmEffect) -> Estimate) -> Estimate {
                    let value = pooledParts.reduce(0) { $0 + Double($1.effect.contacted) * part($1.effect).value } / n
                    let se = pooledParts.reduce(0) { $0 + pow(Double($1.effect.contacted) * part($1.effect).standardError, 2) }.squareRoot() / n
                    return Estimate(value, standardError: se, z: z)
                }
                let uplift = combine(\.uplift), euros = combine(\.eurosPerMonth)
                let treated = pooledParts.flatMap(\.treated)
                pooled = ArmEffect(arm: "ensemble", contacted: treated.count, opened: treated.filter(\.opened).count,
                                   takeUp: Double(treated.filter(\.opened).count) / n, heldOut: pooledParts.reduce(0) { $0 + $1.effect.heldOut },
                                   heldOutTakeUp: pooledParts.reduce(0) { $0 + Double($1.effect.contacted) * $1.effect.heldOutTakeUp } / n,
                                   uplift: uplift, eurosPerMonth: euros, incrementalRights: uplift.scaled(n), incrementalEurosPerMonth: euros.scaled(n),
                                   costPerContact: nil, costPerIncrementalRight: nil)
                notes.append("ensemble: each channel against its own held out, weighted by its contacted (the held-out take-up shown is weighted the same way)")
            }
        }
        return Report(control: control, level: 0.95, arms: effects, pooled: pooled, notes: notes)
    }

    /// Reads an experiment or follow-up file: one row per household with its arm, whether a right
    /// was opened, its monthly amount (optional column) and π (optional column, weight 1/π).
    public static func read(path: String, armColumn: String, targetColumn: String, amountColumn: String?,
                            inclusionColumn: String?, stratumColumn: String? = nil, format: CSVFormat = CSVFormat()) throws(DataError) -> [Observation] {
        let reader = try CSVReader(path: path, format: format)
        func column(_ name: String) throws(DataError) -> Int {
            guard let i = reader.header.firstIndex(of: name) else { throw .unknownColumn(file: path, name: name, available: reader.header) }
            return i
        }
        let arm = try column(armColumn), target = try column(targetColumn)
        let amount: Int? = try amountColumn.map { (n) throws(DataError) in try column(n) }
        let inclusion: Int? = try inclusionColumn.map { (n) throws(DataError) in try column(n) }
        let stratum: Int? = try stratumColumn.map { (n) throws(DataError) in try column(n) }
        var rows: [Observation] = []
        while try reader.next() {
            let name = try reader.string(arm).trimmingSpaces
            if name.isEmpty { throw .missingValue(file: path, line: reader.line, column: armColumn) }
            let y = try reader.binaryTarget(target)
            var euros = 0.0
            if let amount, !reader.isBlank(amount) {
                euros = try reader.number(amount)
                guard euros >= 0 else { throw .notANumber(file: path, line: reader.line, column: reader.columnName(amount), value: reader.text(amount) + " (a monthly amount is ≥ 0)") }
            }
            var weight = 1.0
            if let inclusion {
                let pi = try reader.number(inclusion)
                guard pi > 0 && pi <= 1 else {
                    throw .invalidInclusionProbability(file: path, line: reader.line, column: reader.columnName(inclusion), value: reader.text(inclusion))
                }
                weight = 1 / pi
            }
            let s = try stratum.map { (i) throws(DataError) in try reader.string(i).trimmingSpaces } ?? ""
            if stratum != nil && s.isEmpty { throw .missingValue(file: path, line: reader.line, column: stratumColumn!) }
            rows.append(Observation(arm: name, opened: y == 1, amount: y == 1 ? euros : 0, weight: weight, stratum: s))
        }
        if rows.isEmpty { throw .headerOnly(file: path) }
        return rows
    }
}

extension Uplift.Report {
    /// The report as a French table, for the terminal and the campaign's review.
    public func text() -> String {
        func pct(_ x: Double) -> String { String(format: "%.2f %%", 100 * x) }
        func interval(_ e: Uplift.Estimate, percent: Bool) -> String {
            percent ? String(format: "%+.2f pt [%+.2f ; %+.2f]", 100 * e.value, 100 * e.lower, 100 * e.upper)
                    : String(format: "%+.2f € [%+.2f ; %+.2f]", e.value, e.lower, e.upper)
        }
        var s = "Effet des contacts (témoins : \(control), intervalles à 95 %)\n"
        for a in arms + (pooled.map { [$0] } ?? []) {
            s += "\(a.arm): \(a.contacted) contactés, recours \(pct(a.takeUp)) ; \(a.heldOut) témoins, recours \(pct(a.heldOutTakeUp))\n"
            s += "  effet par contact : \(interval(a.uplift, percent: true)) ; \(interval(a.eurosPerMonth, percent: false)) par mois\n"
            s += String(format: "  droits ouverts grâce aux contacts : %.1f [%.1f ; %.1f] ; %.0f € par mois [%.0f ; %.0f]\n",
                        a.incrementalRights.value, a.incrementalRights.lower, a.incrementalRights.upper,
                        a.incrementalEurosPerMonth.value, a.incrementalEurosPerMonth.lower, a.incrementalEurosPerMonth.upper)
            if let c = a.costPerIncrementalRight { s += String(format: "  coût par droit ouvert grâce au contact : %.2f €\n", c) }
        }
        if let o = objective, let p = progressPercent {
            s += String(format: "objectif : %d droits ouverts ; atteint grâce aux contacts %.0f %% [%.0f ; %.0f]\n", o, p.value, p.lower, p.upper)
        }
        for n in notes { s += "note: \(n)\n" }
        return s
    }
}
