import CiblageSupport
import Dossiers
import Foundation
import HeapModule
import RiskModel

/// How an outreach campaign orders households.
public enum OutreachRanking: String, Codable, Sendable, CaseIterable {
    /// Predicted uplift p_channel − p_held-out: what the contact adds (the default).
    case uplift
    /// Predicted take-up when contacted, p_channel: the most likely to open the right, many of
    /// whom would have opened it anyway. Kept to compare with, as the issue's figures do.
    case response
}

/// How often a household may be contacted: at most `maxContacts` contacts over the period the
/// `contactsColumn` counts (e.g. 12 months; a household that already had that many is left alone),
/// none within `cooldownMonths` of the last one, and never one that has opted out.
public struct ContactPressure: Codable, Equatable, Sendable {
    public var maxContacts: Int?
    /// Contacts already received over the period (a column of the population).
    public var contactsColumn: String?
    public var cooldownMonths: Int?
    /// Months since the last contact (a column of the population).
    public var lastContactColumn: String?
    /// A 0/1 column: 1 for a household that asked not to be contacted.
    public var optOutColumn: String?
    /// Identifiers never contacted, in addition to the column.
    public var optOut: [String]?

    public init(maxContacts: Int? = nil, contactsColumn: String? = nil, cooldownMonths: Int? = nil, lastContactColumn: String? = nil,
                optOutColumn: String? = nil, optOut: [String]? = nil) {
        self.maxContacts = maxContacts; self.contactsColumn = contactsColumn; self.cooldownMonths = cooldownMonths
        self.lastContactColumn = lastContactColumn; self.optOutColumn = optOutColumn; self.optOut = optOut
    }
}

extension Campaign {
    public var isOutreach: Bool { channels.contains { $0.name.isOutreach } }

    /// The rules of an outreach campaign, each naming its key.
    func validateOutreach(file: String) throws {
        func fail(_ key: String, _ problem: String) -> CampaignError { CampaignError(file: file, key: key, problem: problem) }
        guard isOutreach else {
            if holdout != nil { throw fail("holdout", "applies to outreach channels (sms, courrier, appel, rdv) only") }
            if contactPressure != nil { throw fail("contactPressure", "applies to outreach channels (sms, courrier, appel, rdv) only") }
            if ranking != nil { throw fail("ranking", "applies to outreach channels (sms, courrier, appel, rdv) only") }
            if let k = channels.firstIndex(where: { $0.model != nil }) { throw fail("channels[\(k)].model", "a channel's own model is for outreach channels only") }
            return
        }
        if let k = channels.firstIndex(where: { !$0.name.isOutreach }) {
            throw fail("channels[\(k)].name", "an outreach campaign (sms, courrier, appel, rdv) cannot also plan \(channels[k].name.rawValue): plan it in a campaign of its own")
        }
        guard let h = holdout else {
            throw fail("holdout", "is missing: an outreach campaign keeps a randomised share of the households it would contact, not contacted (e.g. holdout: 0.1), because the contact causes the outcome and only that comparison measures its effect")
        }
        guard h > 0 && h <= 0.5 else { throw fail("holdout", "must be in (0, 0.5], got \(h)") }
        if exploration != nil {
            throw fail("exploration", "does not apply to outreach: the randomisation of an outreach campaign is its holdout; train uplift models on a randomised experiment")
        }
        if threshold != nil { throw fail("threshold", "does not apply to outreach: only households with a positive predicted uplift are contacted") }
        if cooldownColumn != nil || cooldownMonths != nil {
            throw fail("cooldownMonths", "an outreach campaign's cool-down is contactPressure.cooldownMonths with contactPressure.lastContactColumn")
        }
        for (k, c) in channels.enumerated() where c.model == nil {
            throw fail("channels[\(k)].model", "names no model of take-up among the contacted of \(c.name.rawValue) (the campaign's model is the held-out arm's)")
        }
        if let k = channels.firstIndex(where: { $0.detectionFactor != nil }) { throw fail("channels[\(k)].detectionFactor", "applies to controls, not to outreach") }
        if let p = contactPressure {
            if let m = p.maxContacts {
                if m < 1 { throw fail("contactPressure.maxContacts", "is \(m): no household can be contacted; give at least 1") }
                if p.contactsColumn == nil { throw fail("contactPressure.contactsColumn", "is needed with maxContacts (the contacts each household already had)") }
            } else if p.contactsColumn != nil { throw fail("contactPressure.maxContacts", "is needed with contactsColumn") }
            if let c = p.cooldownMonths {
                if c < 0 { throw fail("contactPressure.cooldownMonths", "must be ≥ 0, got \(c)") }
                if p.lastContactColumn == nil { throw fail("contactPressure.lastContactColumn", "is needed with cooldownMonths (months since the last contact)") }
            } else if p.lastContactColumn != nil { throw fail("contactPressure.cooldownMonths", "is needed with lastContactColumn") }
        }
        if let o = objective, o.volume == nil { throw fail("objective.volume", "an outreach objective is a number of rights opened") }
    }

    /// The model of each outreach channel, in `channels` order.
    public func loadChannelModels(campaignFile: String, registry: (any ModelRegistryStore)? = nil, on day: CalendarDay = .today()) throws -> [ModelArtifact] {
        try channels.enumerated().map { k, c in
            var copy = self
            copy.model = c.model ?? ""
            do { return try copy.loadModel(campaignFile: campaignFile, registry: registry, on: day) } catch var e as CampaignError {
                e.key = "channels[\(k)].model"
                throw e
            }
        }
    }
}

/// Plans an outreach campaign (datamining accès aux droits).
///
/// 1. **Eligibility**: the campaign's filter and exclusions, then the contact-pressure rule: not
///    opted out (column or list), fewer than `maxContacts` contacts over the period, at least
///    `cooldownMonths` since the last one.
/// 2. **Value** of contacting household i on channel c: the predicted uplift
///    u_ic = p_c(x_i) − p_0(x_i) (one model per arm, a T-learner), or p_c(x_i) with
///    `ranking: response`. Only u_ic > 0 is ever planned.
/// 3. **Assignment**: each channel is to select S_c = round(capacity_c / (1 − h)) households, h the
///    holdout share. Pairs (i, c) are taken by decreasing value, a household at most once, a channel
///    up to S_c: the greedy assignment of the best contact to each household under the capacities.
///    Only each channel's top Σ S_c by value can be assigned (a pair below that many better pairs
///    of its channel finds the channel full or itself already taken), so memory is bounded by the
///    capacities, not the population.
/// 4. **Holdout**: among the n_c households selected on channel c, exactly H_c = n_c − min(capacity_c,
///    n_c − round(h·n_c)) are drawn uniformly (seeded Fisher–Yates) and not contacted. Each selected
///    household is held out with probability H_c / n_c, recorded as its π; the contacted ones have
///    π = 1 − H_c / n_c. The comparison of the two is the campaign's measured effect
///    (`ciblage uplift estimate` on the follow-up).
public enum OutreachPlanner {
    /// How many households each rule left out, to say which key excluded everyone.
    public struct Exclusions: Equatable, Sendable {
        public var filtered = 0, optedOut = 0, tooManyContacts = 0, coolingDown = 0
    }

    public struct Summary: Sendable {
        public var plan: Planner.Summary
        public var exclusions: Exclusions
        /// Held-out households (selection "temoin"), not contacted and not in the queue.
        public var heldOut: [PlannedItem] { plan.items.filter { $0.selection == "temoin" } }
        public var contacted: [PlannedItem] { plan.items.filter { $0.selection != "temoin" } }
    }

    struct Extra { var reason: UInt8; var sector: String }
    struct Pair { var value: Double; var order: Int; var channel: Int; var id: String; var sector: String; var takeUp: Double; var uplift: Double }

    public static func plan(campaign: Campaign, control: ModelArtifact, channelModels: [ModelArtifact], population path: String,
                            format: CSVFormat = CSVFormat(), threads: Int = Parallelism.defaultThreads) throws -> Summary {
        precondition(channelModels.count == campaign.channels.count, "one model per channel")
        try campaign.validate(file: campaign.name)
        let h = campaign.holdout ?? 0
        let ranking = campaign.ranking ?? .uplift
        let pressure = campaign.contactPressure ?? ContactPressure()
        let targets = campaign.channels.map { Int((Double($0.capacity) / (1 - h)).rounded()) }
        let room = targets.reduce(0, +)
        let excluded = Set(campaign.exclusions ?? []), optOutList = Set(pressure.optOut ?? [])
        let sectorName = control.spec?.columns(.sector).first?.name ?? "secteur"
        /// Column indices, known once `prepare` has read the header.
        final class Columns { var id = 0, sector: Int?, filters: [(Int, Set<String>)] = [], optOut: Int?, contacts: Int?, last: Int? }
        let columns = Columns()
        var exclusions = Exclusions()
        var heaps = Array(repeating: Heap<Planner.RankKey>(), count: campaign.channels.count)
        var slots = Array(repeating: [Pair](), count: campaign.channels.count)
        var order = 0, population = 0
        try PairedScoring.forEachBlock(first: control, others: channelModels, input: path, format: format, threads: threads,
            prepare: { header, idColumn in
                func column(_ name: String, _ key: String) throws -> Int {
                    guard let i = header.firstIndex(of: name) else {
                        throw CampaignError(file: campaign.name, key: key, problem: "column '\(name)' is not in \(path) (columns: \(header.joined(separator: ", ")))")
                    }
                    return i
                }
                columns.id = header.firstIndex(of: idColumn)!
                columns.sector = header.firstIndex(of: sectorName)
                columns.filters = try (campaign.filter ?? [:]).sorted { $0.key < $1.key }.map { (try column($0.key, "filter.\($0.key)"), Set($0.value)) }
                columns.optOut = try pressure.optOutColumn.map { try column($0, "contactPressure.optOutColumn") }
                columns.contacts = try pressure.contactsColumn.map { try column($0, "contactPressure.contactsColumn") }
                columns.last = try pressure.lastContactColumn.map { try column($0, "contactPressure.lastContactColumn") }
            },
            extra: { reader in
                let sector = try columns.sector.map { try reader.string($0).trimmingSpaces } ?? "all"
                for (index, values) in columns.filters where !values.contains(try reader.string(index).trimmingSpaces) { return Extra(reason: 1, sector: sector) }
                let id = try reader.string(columns.id).trimmingSpaces
                if excluded.contains(id) { return Extra(reason: 1, sector: sector) }
                if optOutList.contains(id) { return Extra(reason: 2, sector: sector) }
                if let c = columns.optOut, try reader.binaryTarget(c) == 1 { return Extra(reason: 2, sector: sector) }
                if let c = columns.contacts, let m = pressure.maxContacts, try reader.number(c) >= Double(m) { return Extra(reason: 3, sector: sector) }
                if let c = columns.last, let m = pressure.cooldownMonths, try reader.number(c) < Double(m) { return Extra(reason: 4, sector: sector) }
                return Extra(reason: 0, sector: sector)
            },
            merge: { block in
                for i in block.ids.indices {
                    population += 1
                    let extra = block.extras[i]
                    switch extra.reason {
                    case 1: exclusions.filtered += 1; continue
                    case 2: exclusions.optedOut += 1; continue
                    case 3: exclusions.tooManyContacts += 1; continue
                    case 4: exclusions.coolingDown += 1; continue
                    default: break
                    }
                    for c in campaign.channels.indices {
                        let p = block.others[c][i], u = p - block.first[i]
                        guard u > 0 else { continue }
                        let value = ranking == .uplift ? u : p
                        let pair = Pair(value: value, order: order, channel: c, id: block.ids[i], sector: extra.sector, takeUp: p, uplift: u)
                        if heaps[c].count < room {
                            heaps[c].insert(Planner.RankKey(value: value, order: order, slot: slots[c].count))
                            slots[c].append(pair)
                        } else if Planner.RankKey(value: value, order: order, slot: 0) > heaps[c].min! {
                            let slot = heaps[c].min!.slot
                            slots[c][slot] = pair
                            heaps[c].replaceMin(with: Planner.RankKey(value: value, order: order, slot: slot))
                        }
                    }
                    order += 1
                }
            })
        let eligible = order
        if eligible == 0 && population > 0 {
            let keys: [(Int, String)] = [(exclusions.optedOut, "contactPressure.optOutColumn"), (exclusions.tooManyContacts, "contactPressure.maxContacts"),
                                         (exclusions.coolingDown, "contactPressure.cooldownMonths"), (exclusions.filtered, "filter")]
            let (count, key) = keys.max { $0.0 < $1.0 }!
            throw CampaignError(file: campaign.name, key: key,
                                problem: "no household of \(path) can be contacted: this rule leaves out \(count) of \(population) (opted out \(exclusions.optedOut), contacts at the maximum \(exclusions.tooManyContacts), in the cool-down \(exclusions.coolingDown), filtered or excluded \(exclusions.filtered))")
        }
        // Greedy assignment by decreasing value (ties: earlier household, then channel order).
        let pairs = slots.flatMap { $0 }.sorted { ($0.value, -$0.order, -$0.channel) > ($1.value, -$1.order, -$1.channel) }
        var taken = Set<String>()
        var selected = Array(repeating: [Pair](), count: campaign.channels.count)
        for pair in pairs where selected[pair.channel].count < targets[pair.channel] && !taken.contains(pair.id) {
            selected[pair.channel].append(pair)
            taken.insert(pair.id)
        }
        var items: [PlannedItem] = []
        for (c, channel) in campaign.channels.enumerated() {
            let chosen = selected[c], n = chosen.count
            let isHeld = holdoutDraw(selected: n, share: h, capacity: channel.capacity, seed: campaign.seed ?? 1, stream: UInt64(c))
            let piHeld = n > 0 ? Double(isHeld.filter { $0 }.count) / Double(n) : 0
            for (k, pair) in chosen.enumerated() {
                let reasons = String(format: "recours prédit si contact : %.1f %% ; effet prédit du contact : %+.1f pt", 100 * pair.takeUp, 100 * pair.uplift)
                items.append(PlannedItem(dossier: pair.id, channel: channel.name, sector: pair.sector, score: pair.takeUp, expectedAmount: nil,
                                         expectedValue: pair.uplift, selection: isHeld[k] ? "temoin" : "exploit",
                                         inclusionProbability: isHeld[k] ? piHeld : 1 - piHeld, reasons: reasons))
            }
        }
        return Summary(plan: Planner.Summary(eligible: eligible, population: population, items: items), exclusions: exclusions)
    }

    /// Which of `n` selected households are held out: exactly H = n − min(capacity, n − round(h·n)),
    /// drawn uniformly without replacement (the first H positions of a seeded Fisher–Yates
    /// permutation), so each is held out with probability H/n and every set of H equally likely.
    public static func holdoutDraw(selected n: Int, share h: Double, capacity: Int, seed: UInt64, stream: UInt64) -> [Bool] {
        let held = n - min(capacity, n - Int((h * Double(n)).rounded()))
        var g = SplitMix64(seed: seed, index: stream)
        var positions = Array(0..<n)
        for k in 0..<held { positions.swapAt(k, k + Int(g.next() % UInt64(n - k))) }
        var isHeld = [Bool](repeating: false, count: n)
        for k in 0..<held { isHeld[positions[k]] = true }
        return isHeld
    }
}
