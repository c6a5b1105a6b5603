import Accountability
import CiblageSupport
import ControlQueue
import Dossiers
import Evaluation
import Foundation
import RiskModel
import Testing
import Workflows

/// Datamining accès aux droits on the simulator: households, a randomised experiment, a model per
/// arm, outreach campaigns with a holdout and a contact-pressure rule.
@Suite struct AccesTests {
    struct Setup: Sendable {
        var dir: URL
        var population: String
        /// id → (p_aucun, p_sms, p_courrier, p_appel, p_rdv), contacts, months since the last, opted out.
        var truth: [String: (p: [Double], contacts: Int, months: Int, optedOut: Bool)]
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    }

    /// 60,000 households and a past experiment on 20,000 of them; a model of take-up per arm.
    static let setup: Setup = {
        let dir = scratchDirectory()
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        var request = SimulationRequest(options: SimulationOptions(dossiers: 60_000, seed: 11, randomSample: 20_000),
                                        outputs: SimulationOutputs(population: path("foyers.csv"), randomSample: path("experience.csv")))
        request.cible = .acces
        request.specOutput = path("spec.yaml")
        _ = try! simulate(request)
        for arm in ["aucun", "sms", "appel"] {
            var training = TrainingRequest(data: path("experience.csv"), roles: .spec(SpecRoles(path: path("spec.yaml"))))
            training.rowFilter = RowFilter(column: "canal", values: [arm])
            training.output = path("acces-\(arm).json")
            _ = try! train(training)
        }
        let text = try! String(contentsOfFile: path("foyers.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n")
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        func col(_ name: String) -> Int { header.firstIndex(of: name)! }
        let p = HouseholdSimulator.arms.map { col("p_\($0)") }
        let (c, m, o) = (col("contacts_12_mois"), col("mois_depuis_contact"), col("opposition_contact"))
        var truth: [String: (p: [Double], contacts: Int, months: Int, optedOut: Bool)] = [:]
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            truth[String(f[0])] = (p.map { Double(f[$0])! }, Int(f[c])!, Int(f[m])!, f[o] == "1")
        }
        return Setup(dir: dir, population: path("foyers.csv"), truth: truth)
    }()

    static func campaign(_ s: Setup, name: String, extra: String = "", holdout: String = "holdout: 0.1", pressure: String? = nil) throws -> String {
        let file = s.path("\(name).yaml")
        try """
            name: \(name)
            model: acces-aucun.json
            channels:
              - {name: sms, capacity: 3000, costPerControl: 0.1, model: acces-sms.json}
              - {name: appel, capacity: 800, costPerControl: 6, model: acces-appel.json}
            \(holdout)
            objective: {volume: 400}
            seed: 7
            contactPressure:
            \(pressure ?? "  {maxContacts: 3, contactsColumn: contacts_12_mois, cooldownMonths: 2, lastContactColumn: mois_depuis_contact, optOutColumn: opposition_contact}")
            \(extra)
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    static func plan(_ s: Setup, _ campaign: String, store: String) throws -> (PlanResult, [[String]]) {
        let queue = try QueueOperations(url: s.path(store))
        var request = PlanRequest(campaign: campaign, population: s.population, actor: Actor(name: "root"))
        request.output = s.path("\(store).plan.csv")
        let result = try queue.plan(request)
        let rows = try String(contentsOfFile: request.output!, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (result, rows)
    }

    /// The issue's comparison: ranked by predicted uplift, a campaign opens more rights per contact
    /// because of the contact (the simulator's truth, p_channel − p_aucun of each contacted
    /// household) than one ranked by predicted take-up, which contacts many who would have opened
    /// the right anyway. The follow-up's measured uplift covers the contacted households' true one.
    @Test func rankingByUpliftOpensMoreRightsPerContactThanRankingByResponse() throws {
        let s = Self.setup
        func incremental(_ rows: [[String]]) -> (effect: Double, takeUp: Double, contacts: Int) {
            let contacted = rows.filter { $0[3] != "temoin" }
            let k = contacted.map { row -> (Double, Double) in
                let t = s.truth[row[0]]!, arm = HouseholdSimulator.arms.firstIndex(of: row[1])!
                return (t.p[arm] - t.p[0], t.p[arm])
            }
            return (k.map(\.0).reduce(0, +) / Double(k.count), k.map(\.1).reduce(0, +) / Double(k.count), k.count)
        }
        let (upliftPlan, upliftRows) = try Self.plan(s, try Self.campaign(s, name: "acces-uplift"), store: "uplift.sqlite")
        let (_, responseRows) = try Self.plan(s, try Self.campaign(s, name: "acces-response", extra: "ranking: response"), store: "response.sqlite")
        let u = incremental(upliftRows), r = incremental(responseRows)
        print(String(format: "accès: ranked by uplift %.4f rights opened per contact because of it (take-up %.4f, %d contacts); by response %.4f (take-up %.4f, %d contacts)",
                     u.effect, u.takeUp, u.contacts, r.effect, r.takeUp, r.contacts))
        #expect(u.contacts == 3800 && r.contacts == 3800 && upliftPlan.inserted == 3800)
        #expect(u.effect > 1.1 * r.effect, "uplift \(u.effect) vs response \(r.effect)")
        #expect(r.takeUp > u.takeUp, "the response ranking contacts the likeliest to open the right, who are not the most persuadable")

        // The follow-up: contacted households on their channel, the held out without contact; each
        // channel's contacted against its own held out.
        let plan = upliftRows.map { (id: $0[0], channel: $0[1], heldOut: $0[3] == "temoin") }
        let heldOut = plan.filter(\.heldOut).count
        #expect(heldOut == upliftPlan.heldOut && heldOut > 0)
        let followUp = s.path("suivi.csv")
        _ = try HouseholdSimulator.followUp(plan, seed: 11, output: followUp)
        var request = UpliftEstimateRequest(data: followUp)
        request.armColumn = "selection"; request.control = "temoin"; request.stratumColumn = "canal"
        let report = try estimateUplift(request)
        #expect(report.arms.map(\.arm) == ["sms", "appel"] || report.arms.map(\.arm) == ["appel", "sms"])
        for e in report.arms {
            let ids = upliftRows.filter { $0[1] == e.arm }.map { $0[0] }
            let arm = HouseholdSimulator.arms.firstIndex(of: e.arm)!
            let truth = ids.map { s.truth[$0]!.p[arm] - s.truth[$0]!.p[0] }.reduce(0, +) / Double(ids.count)
            #expect(e.heldOut == upliftRows.filter { $0[1] == e.arm && $0[3] == "temoin" }.count)
            print(String(format: "accès follow-up, %@: uplift %.4f [%.4f ; %.4f], true effect on its selected households %.4f", e.arm, e.uplift.value, e.uplift.lower, e.uplift.upper, truth))
            #expect(e.uplift.covers(truth))
        }
        let pooled = try #require(report.pooled)
        #expect(pooled.contacted == 3800 && abs(pooled.incrementalRights.value - report.arms.reduce(0) { $0 + $1.incrementalRights.value }) < 1e-9)
        // Against the campaign's objective (400 rights opened), its channels' costs taken from the file.
        request.campaign = s.path("acces-uplift.yaml")
        let followed = try estimateUplift(request)
        #expect(followed.objective == 400 && followed.arms.first { $0.arm == "sms" }?.costPerContact == 0.1)
        #expect(abs(followed.progressPercent!.value - pooled.incrementalRights.value / 4) < 1e-9)
        #expect(followed.text().contains("objectif : 400 droits ouverts"))
    }

    /// Nobody opted out, over the contact maximum or in the cool-down is contacted or held out;
    /// the held out are not in the queue, and each channel's holdout is its stated share.
    @Test func thePlanKeepsTheContactPressureRuleAndItsHoldout() throws {
        let s = Self.setup
        let (result, rows) = try Self.plan(s, try Self.campaign(s, name: "acces-pression"), store: "pression.sqlite")
        for row in rows {
            let t = s.truth[row[0]]!
            #expect(!t.optedOut && t.contacts < 3 && t.months >= 2, "\(row[0]) breaks the contact-pressure rule")
        }
        #expect(Set(rows.map { $0[0] }).count == rows.count, "a household is planned once")
        let x = try #require(result.exclusions)
        #expect(x.optedOut > 0 && x.tooManyContacts > 0 && x.coolingDown > 0)
        for channel in ["sms", "appel"] {
            let mine = rows.filter { $0[1] == channel }, held = mine.filter { $0[3] == "temoin" }
            #expect(held.count == Int((0.1 * Double(mine.count)).rounded()) && mine.count - held.count == (channel == "sms" ? 3000 : 800))
            #expect(held.allSatisfy { abs(Double($0[4])! - Double(held.count) / Double(mine.count)) < 1e-12 })
        }
        let queue = try QueueOperations(url: s.path("pression.sqlite"))
        let items = try queue.store.items(in: .all)
        #expect(items.count == 3800 && items.allSatisfy { $0.item.selection != "temoin" })
    }

    /// The holdout draw holds out exactly H of n, each with probability H/n, every pair with
    /// H(H−1)/(n(n−1)) (uniform without replacement): 4,000 seeds, within 4 standard deviations.
    @Test func theHoldoutDrawHasItsStatedProbability() {
        let n = 50, seeds = 4000
        var counts = [Int](repeating: 0, count: n), pair = 0
        for seed in 1...seeds {
            let draw = OutreachPlanner.holdoutDraw(selected: n, share: 0.2, capacity: 45, seed: UInt64(seed), stream: 0)
            #expect(draw.filter { $0 }.count == 10)
            for i in 0..<n where draw[i] { counts[i] += 1 }
            if draw[0] && draw[49] { pair += 1 }
        }
        let sd = (0.2 * 0.8 / Double(seeds)).squareRoot()
        for c in counts { #expect(abs(Double(c) / Double(seeds) - 0.2) < 4 * sd) }
        let joint = 10.0 * 9 / (50 * 49), jointSD = (joint * (1 - joint) / Double(seeds)).squareRoot()
        #expect(abs(Double(pair) / Double(seeds) - joint) < 4 * jointSD)
        // The capacity bounds the contacted: 45 at most of 60, so 15 held out.
        #expect(OutreachPlanner.holdoutDraw(selected: 60, share: 0.1, capacity: 45, seed: 1, stream: 0).filter { $0 }.count == 15)
    }

    @Test func badOutreachCampaignsNameTheKey() throws {
        let s = Self.setup
        func refusal(_ file: String) -> String {
            let planned = Result { try Self.plan(s, file, store: "refus-\(UUID().uuidString).sqlite") }
            if case .failure(let error) = planned { return "\(error)" }
            return ""
        }
        #expect(refusal(try Self.campaign(s, name: "sans-temoin", holdout: "")).contains("key 'holdout'"))
        #expect(refusal(try Self.campaign(s, name: "temoin-zero", holdout: "holdout: 0")).contains("key 'holdout'"))
        let zero = refusal(try Self.campaign(s, name: "zero-contact", pressure: "  {maxContacts: 0, contactsColumn: contacts_12_mois}"))
        #expect(zero.contains("key 'contactPressure.maxContacts'") && zero.contains("no household can be contacted"))
        // Every simulated household's last contact is less than 100 months ago, or never (99).
        let never = refusal(try Self.campaign(s, name: "jamais", pressure: "  {cooldownMonths: 100, lastContactColumn: mois_depuis_contact}"))
        #expect(never.contains("key 'contactPressure.cooldownMonths'") && never.contains("no household of"), "\(never)")
        let column = refusal(try Self.campaign(s, name: "colonne", pressure: "  {maxContacts: 2, contactsColumn: contacts_24_mois}"))
        #expect(column.contains("key 'contactPressure.contactsColumn'") && column.contains("contacts_24_mois"))
        #expect(refusal(try Self.campaign(s, name: "explore", extra: "exploration: 0.1")).contains("key 'exploration'"))
        // Without the plan file the holdout would be lost.
        let queue = try QueueOperations(url: s.path("sans-fichier.sqlite"))
        let noFile = #expect(throws: RequestError.self) {
            try queue.plan(PlanRequest(campaign: try Self.campaign(s, name: "sans-fichier"), population: s.population, actor: Actor(name: "root")))
        }
        #expect(noFile?.parameter == "output")
        #expect(try queue.store.items(in: .all).isEmpty, "a refused plan leaves the store unchanged")
        // Its households are ranked by several models: no one scores file to write.
        var withScores = PlanRequest(campaign: try Self.campaign(s, name: "avec-scores"), population: s.population, actor: Actor(name: "root"))
        withScores.output = s.path("avec-scores.plan.csv")
        withScores.scores = s.path("avec-scores.scores.csv")
        let scores = #expect(throws: RequestError.self) { try queue.plan(withScores) }
        #expect(scores?.parameter == "scores")
        #expect(!FileManager.default.fileExists(atPath: withScores.output!) && !FileManager.default.fileExists(atPath: withScores.scores!))
        #expect(try queue.store.items(in: .all).isEmpty)
    }

    /// Who is left out of outreach: selection rates by group among the entitled households (the
    /// simulator's truth `eligible`), the held out not counted as selected, as counted by hand.
    @Test func theAuditReportsWhoAmongTheEligibleIsLeftOut() throws {
        let s = Self.setup
        let (_, rows) = try Self.plan(s, try Self.campaign(s, name: "acces-audit"), store: "audit.sqlite")
        let contacted = Set(rows.filter { $0[3] != "temoin" }.map { $0[0] })
        var columns = AuditColumns(attributes: ["nationalite", "handicap"])
        columns.among = RowFilter(column: "eligible", values: ["1"])
        var request = AuditRequest(model: s.path("acces-aucun.json"), data: s.population, columns: columns, selection: .listedIn(file: s.path("audit.sqlite.plan.csv")))
        request.bootstrap = 50
        let report = try audit(request)
        #expect(report.notes.contains { $0.contains("whose eligible is 1") } && report.notes.contains { $0.contains("selection rates only") })
        #expect(report.unit == "foyers" && AuditHTML.render(report).contains("20") && AuditHTML.render(report).contains(" foyers ; sélection"))
        // By hand, from the population file.
        let text = try String(contentsOfFile: s.population, encoding: .utf8)
        var lines = text.split(separator: "\n")
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        let (id, nat, eligible) = (header.firstIndex(of: "id")!, header.firstIndex(of: "nationalite")!, header.firstIndex(of: "eligible")!)
        var counts: [String: (rows: Int, selected: Int)] = [:]
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f[eligible] == "1" else { continue }
            counts[String(f[nat]), default: (0, 0)].rows += 1
            if contacted.contains(String(f[id])) { counts[String(f[nat]), default: (0, 0)].selected += 1 }
        }
        let grouping = try #require(report.groupings.first { $0.name == "nationalite" })
        for group in grouping.groups where !group.suppressed {
            let c = try #require(counts[group.level])
            let rate = try #require(group.metrics["selectionRate"]?.value)
            #expect(abs(rate - Double(c.selected) / Double(c.rows)) < 1e-12, "\(group.level)")
            print(String(format: "accès audit: %@ %d eligible, selection rate %.4f", group.level, c.rows, rate))
        }
        var none = columns
        none.among = RowFilter(column: "eligible", values: ["oui"])
        #expect(throws: DataError.self) { try audit(AuditRequest(model: s.path("acces-aucun.json"), data: s.population, columns: none, selection: .listedIn(file: s.path("audit.sqlite.plan.csv")))) }
    }
}
