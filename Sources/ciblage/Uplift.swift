import ArgumentParser
import Foundation
import Workflows

/// `ciblage uplift …`: what outreach contacts cause (datamining accès aux droits).
struct UpliftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplift",
        abstract: "Accès aux droits: estimate what contacts caused (contacted minus held out), or score households by predicted uplift.",
        discussion: """
            A contact causes the outcome it is judged on: a household that opens a right after an SMS might \
            have opened it anyway. 'estimate' compares each channel's contacted households with the randomised \
            held-out ones (Wald intervals at 95 %, in rights opened and in euros per month); 'score' predicts, \
            per household and channel, p(channel) − p(held out) from one model per arm (train --only canal=…).
            """,
        subcommands: [Estimate.self, Score.self, SimulateFollowUp.self]
    )

    struct Estimate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Uplift per channel with its interval, from a randomised experiment or a campaign's follow-up.")
        @Option(help: "CSV with one row per household: arm, right opened (0/1), monthly amount.") var data: String
        @Option(help: "Column of the arm (a channel, or the control arm).") var arm: String = "canal"
        @Option(help: "The arm of the held-out households.") var control: String = "aucun"
        @Option(help: "Column of the outcome: right opened (0/1).") var target: String = "droit_ouvert"
        @Option(help: "Column of the monthly amount of the right opened ('none': rights only).") var amount: String = "montant_mensuel"
        @Option(help: "Column of each household's inclusion probability π (weights 1/π).") var inclusion: String?
        @Option(help: "Column of a campaign's planned channel: each channel's contacted against its own held out (a follow-up: --arm selection --control temoin --stratum canal).") var stratum: String?
        @Option(help: "Cost of one contact, CHANNEL=EUROS (repeatable), for the cost per right opened.") var cost: [String] = []
        @Option(help: "The outreach campaign file: its channels' costs and its objective in rights opened, which the report follows.") var campaign: String?
        @OptionGroup var json: JSONOutputOptions
        @OptionGroup var csv: CSVOptions

        func request() throws -> UpliftEstimateRequest {
            var r = UpliftEstimateRequest(data: data)
            r.armColumn = arm; r.control = control; r.targetColumn = target
            r.amountColumn = amount == "none" ? nil : amount
            r.inclusionColumn = inclusion
            r.stratumColumn = stratum
            for c in cost {
                let (arm, text) = try pair(c, option: "--cost", expected: "CHANNEL=EUROS")
                guard let euros = Double(text) else { throw ValidationError("--cost \(arm): '\(text)' is not a number of euros") }
                r.costs[arm] = euros
            }
            r.json = json.json
            r.campaign = campaign
            return r
        }

        func validate() throws { let r = try request(); try check(r.validate) }

        func run() throws {
            var r = try request()
            r.format = try csv.format()
            print(try estimateUplift(r).text(), terminator: "")
            if let json = json.json { print("wrote \(json)") }
        }
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score households by predicted uplift per channel: id,p_temoin,p_<channel>,uplift_<channel>…,meilleur_canal,uplift_max.")
        @Option(help: "The model of the held-out arm (file, or NAME@VERSION with --store).") var control: String
        @Option(help: "A channel's model, CHANNEL=MODEL (repeatable).") var treated: [String]
        @Option(help: "CSV of households with a header row.") var data: String
        @Option(help: "Where to write the scores.") var output: String
        @Option(help: "The store whose registry holds NAME@VERSION models.") var store: String?
        @OptionGroup var csv: CSVOptions
        @OptionGroup var threads: ThreadOptions

        func request() throws -> UpliftScoringRequest {
            let pairs = try treated.map { try pair($0, option: "--treated", expected: "CHANNEL=MODEL") }
            var r = UpliftScoringRequest(control: control, treated: pairs.map { (arm: $0.0, model: $0.1) }, data: data, output: output)
            r.store = store
            return r
        }

        func validate() throws { let r = try request(); try check(r.validate) }

        func run() throws {
            var r = try request()
            r.format = try csv.format()
            r.threads = threads.resolved
            let s = try scoreUplift(r)
            print("wrote \(output): \(s.rows) households, channels \(s.arms.joined(separator: ", ")); \(s.persuadable) with a positive predicted uplift on their best channel")
        }
    }

    struct SimulateFollowUp: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "simulate-follow-up",
            abstract: "Simulate what the households of an outreach plan did in the 3 months after it (simulated households only).",
            discussion: "Each contacted household opens the right with the simulator's chance for its channel, each held-out one with its chance without contact; writes id,canal,selection,droit_ouvert,montant_mensuel, the input of 'uplift estimate --arm selection --control temoin --stratum canal'.")
        @Option(help: "The plan file of 'queue plan --output'.") var plan: String
        @Option(help: "The seed of 'simulate --cible acces' that wrote the households.") var seed: UInt64
        @Option(help: "Controller sectors per CAF of that simulation.") var sectors: Int = 4
        @Option(help: "Where to write the follow-up.") var output: String

        func run() throws {
            var r = FollowUpSimulationRequest(plan: plan, seed: seed, output: output)
            r.sectors = sectors
            let s = try simulateFollowUp(r)
            print("wrote \(output): \(s.rows) households of the plan, \(s.opened) opened a right within 3 months")
        }
    }
}
