import CiblageSupport
import ControlQueue
import Dossiers
import Evaluation
import Foundation
import RiskModel

/// Estimate what outreach contacts caused (datamining accès aux droits): take-up of each channel's
/// contacted households minus take-up of the held-out ones, with its interval, in rights opened
/// and in euros per month. The input is a randomised experiment or a campaign's follow-up: one row
/// per household, its arm (a channel, or the control arm for the held out), the right opened or
/// not and its monthly amount.
public struct UpliftEstimateRequest: Sendable {
    public var data: String
    public var armColumn = "canal"
    /// The arm of the held-out households.
    public var control = "aucun"
    public var targetColumn = "droit_ouvert"
    /// Monthly amount of the right opened; nil: rights only.
    public var amountColumn: String? = "montant_mensuel"
    /// π of each household in the draw (weights 1/π); nil: equal-probability.
    public var inclusionColumn: String?
    /// A campaign's planned channel: each channel's contacted against its own held out.
    public var stratumColumn: String?
    /// Cost of one contact per channel, for the cost per right opened.
    public var costs: [String: Double] = [:]
    /// The outreach campaign file: its channels' costs (unless given in `costs`) and its objective
    /// in rights opened, which the report follows.
    public var campaign: String?
    /// Also write the report as JSON here.
    public var json: String?
    public var format = CSVFormat()
    public init(data: String) { self.data = data }

    public func validate() throws(RequestError) {
        for (arm, cost) in costs where !(cost >= 0) || !cost.isFinite {
            throw RequestError("cost", "{cost} of \(arm) must be a number ≥ 0, got \(cost)")
        }
        if control.isEmpty { throw RequestError("control", "{control} names the arm of the held-out households and must not be empty") }
    }
}

public func estimateUplift(_ request: UpliftEstimateRequest) throws -> Uplift.Report {
    try request.validate()
    let rows = try Uplift.read(path: request.data, armColumn: request.armColumn, targetColumn: request.targetColumn,
                               amountColumn: request.amountColumn, inclusionColumn: request.inclusionColumn,
                               stratumColumn: request.stratumColumn, format: request.format)
    var costs = request.costs
    var objective: Int?
    if let file = request.campaign {
        let campaign = try Campaign.load(path: file)
        guard campaign.isOutreach else { throw RequestError("campaign", "{campaign} \(file) plans no outreach channel: its effect is not an uplift") }
        for c in campaign.channels where costs[c.name.rawValue] == nil { costs[c.name.rawValue] = c.costPerControl }
        objective = campaign.objective?.volume
    }
    var report = try Uplift.estimate(rows, control: request.control, costs: costs)
    if let objective { report.follow(objective: objective) }
    if let json = request.json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(report), to: json)
    }
    return report
}

/// Score households with a two-model (T-learner) uplift: a model of take-up among the held out and
/// one per channel among its contacted, each trained on its arm of a randomised experiment
/// (`train --only canal=sms`). A household's uplift on a channel is p_channel − p_held-out: what a
/// contact adds to its chance of opening the right, which is not its chance of being entitled.
public struct UpliftScoringRequest: Sendable {
    /// The model of the held-out arm.
    public var control: String
    /// (channel, model) pairs, in output order.
    public var treated: [(arm: String, model: String)]
    public var data: String
    public var output: String
    public var store: String?
    public var format = CSVFormat()
    public var threads = Parallelism.defaultThreads
    public init(control: String, treated: [(arm: String, model: String)], data: String, output: String) {
        self.control = control; self.treated = treated; self.data = data; self.output = output
    }

    public func validate() throws(RequestError) {
        if treated.isEmpty { throw RequestError("treated", "give at least one {treated} CHANNEL=MODEL") }
        var seen = Set<String>()
        for t in treated {
            if t.arm.isEmpty || t.arm.contains(",") { throw RequestError("treated", "{treated} needs CHANNEL=MODEL, got '\(t.arm)=\(t.model)'") }
            if !seen.insert(t.arm).inserted { throw RequestError("treated", "{treated} names channel \(t.arm) twice") }
        }
    }
}

public struct UpliftScoringSummary: Sendable {
    public var rows: Int
    public var arms: [String]
    /// Households whose best channel has a positive predicted uplift.
    public var persuadable: Int
}

/// Writes `id,p_temoin,p_<arm>,uplift_<arm>…,meilleur_canal,uplift_max`.
public func scoreUplift(_ request: UpliftScoringRequest) throws -> UpliftScoringSummary {
    try request.validate()
    let control = try loadModel(request.control, store: request.store).artifact
    let treated = try request.treated.map { try loadModel($0.model, store: request.store).artifact }
    let arms = request.treated.map(\.arm)
    let out = try AtomicFile(path: request.output)
    var summary = UpliftScoringSummary(rows: 0, arms: arms, persuadable: 0)
    try PairedScoring.forEachBlock(first: control, others: treated, input: request.data, format: request.format, threads: request.threads,
        prepare: { _, idColumn in
            try out.write(([csvField(idColumn), "p_temoin"] + arms.flatMap { ["p_\($0)", "uplift_\($0)"] } + ["meilleur_canal", "uplift_max"])
                .joined(separator: ",") + "\n")
        },
        extra: { _ in () },
        merge: { block in
            var bytes: [UInt8] = []
            for i in block.ids.indices {
                let p0 = block.first[i]
                var line = csvField(block.ids[i]) + ",\(p0)"
                var best = (arm: "", uplift: -Double.infinity)
                for k in arms.indices {
                    let u = block.others[k][i] - p0
                    line += ",\(block.others[k][i]),\(u)"
                    if u > best.uplift { best = (arms[k], u) }
                }
                line += ",\(best.arm),\(best.uplift)\n"
                bytes += line.utf8
                summary.rows += 1
                if best.uplift > 0 { summary.persuadable += 1 }
            }
            try out.write(bytes)
        })
    try out.commit()
    return summary
}
