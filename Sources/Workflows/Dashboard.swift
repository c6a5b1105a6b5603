import ControlQueue
import Foundation

/// What a superviseur follows, per campaign, channel and sector, in count and in euros, against
/// the CPOG objective, as the activity reports print it.
public struct Dashboard: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var campaign: String
        public var channel: String
        public var sector: String
        public var planned = 0
        public var assigned = 0
        public var closed = 0
        public var hits = 0
        public var eurosFound = 0.0
        /// Hits among closed items (0 when none is closed).
        public var hitRate: Double { closed == 0 ? 0 : Double(hits) / Double(closed) }
        /// Planned in all: still free, assigned or closed.
        public var total: Int { planned + assigned + closed }
    }

    /// The hit rate of the population, estimated from the random share alone (its items were drawn
    /// with known probability, so their hit rate is unbiased for the eligible population, unlike the
    /// ranked share's), with a 95% Wilson interval.
    public struct PopulationEstimate: Sendable, Equatable {
        public var closedAtRandom: Int
        public var hitsAtRandom: Int
        public var rate: Double
        public var low: Double
        public var high: Double
    }

    public struct Workload: Sendable, Equatable {
        public var controller: String
        public var assigned: Int
        public var closed: Int
        public var eurosFound: Double
        public var overrides: Int
    }

    public struct Override: Sendable, Equatable {
        public var item: Int64
        public var campaign: String
        public var sector: String
        public var controller: String
        public var reason: String
    }

    public struct CampaignTotal: Sendable, Equatable {
        public var campaign: String
        public var closed: Int
        public var eurosFound: Double
        public var objective: Objective?
        /// Progress against the objective in %, in euros when the objective has euros, else in volume.
        public var progressPercent: Double? {
            if let euros = objective?.euros, euros > 0 { return 100 * eurosFound / euros }
            if let volume = objective?.volume, volume > 0 { return 100 * Double(closed) / Double(volume) }
            return nil
        }
        public var volumePercent: Double? { objective?.volume.flatMap { $0 > 0 ? 100 * Double(closed) / Double($0) : nil } }
        public var eurosPercent: Double? { objective?.euros.flatMap { $0 > 0 ? 100 * eurosFound / $0 : nil } }
    }

    public var lines: [Line]
    public var campaigns: [CampaignTotal]
    public var population: PopulationEstimate?
    public var workload: [Workload]
    public var overrides: [Override]
    /// Open items a superviseur may reassign.
    public var open: [QueueItem]

    /// Builds the dashboard from the items a superviseur sees. `objectives` by campaign name.
    public init(items: [QueueItem], objectives: [String: Objective]) {
        var lines: [String: Line] = [:]
        var work: [String: Workload] = [:]
        var overrides: [Override] = []
        var randomClosed = 0, randomHits = 0
        for q in items {
            let key = "\(q.campaign)\u{1F}\(q.item.channel.rawValue)\u{1F}\(q.item.sector)"
            var line = lines[key] ?? Line(campaign: q.campaign, channel: q.item.channel.rawValue, sector: q.item.sector)
            switch q.state {
            case .planned: line.planned += 1
            case .assigned: line.assigned += 1
            case .closed:
                line.closed += 1
                let indu = q.outcome?.indu ?? 0
                if indu > 0 { line.hits += 1 }
                line.eurosFound += indu
                if q.item.selection == "explore" { randomClosed += 1; if indu > 0 { randomHits += 1 } }
            }
            lines[key] = line
            if let who = q.controller, q.state != .planned {
                var w = work[who] ?? Workload(controller: who, assigned: 0, closed: 0, eurosFound: 0, overrides: 0)
                if q.state == .assigned { w.assigned += 1 } else { w.closed += 1; w.eurosFound += q.outcome?.indu ?? 0 }
                if let o = q.outcome, o.judgement == .override {
                    w.overrides += 1
                    overrides.append(Override(item: q.id, campaign: q.campaign, sector: q.item.sector, controller: who, reason: o.judgementReason ?? ""))
                }
                work[who] = w
            }
        }
        self.lines = lines.values.sorted { ($0.campaign, $0.channel, $0.sector) < ($1.campaign, $1.channel, $1.sector) }
        var totals: [String: CampaignTotal] = [:]
        for l in self.lines {
            var t = totals[l.campaign] ?? CampaignTotal(campaign: l.campaign, closed: 0, eurosFound: 0, objective: objectives[l.campaign])
            t.closed += l.closed; t.eurosFound += l.eurosFound
            totals[l.campaign] = t
        }
        campaigns = totals.values.sorted { $0.campaign < $1.campaign }
        population = randomClosed == 0 ? nil : Self.wilson(hits: randomHits, n: randomClosed)
        workload = work.values.sorted { $0.controller < $1.controller }
        self.overrides = overrides.sorted { $0.item < $1.item }
        open = items.filter { $0.state != .closed }.sorted { ($0.state == .assigned ? 0 : 1, -$0.item.expectedValue, $0.id) < ($1.state == .assigned ? 0 : 1, -$1.item.expectedValue, $1.id) }
    }

    /// Wilson's score interval at 95%: well behaved at small counts and near 0 or 1, where the
    /// normal approximation gives negative rates.
    static func wilson(hits: Int, n: Int) -> PopulationEstimate {
        let z = 1.959963984540054, p = Double(hits) / Double(n), nn = Double(n)
        let centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
        let half = z / (1 + z * z / nn) * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot()
        return PopulationEstimate(closedAtRandom: n, hitsAtRandom: hits, rate: p, low: max(0, centre - half), high: min(1, centre + half))
    }
}

extension QueueOperations {
    /// The dashboard of the items an actor supervises (a superviseur's sectors; everything for a
    /// datascientist or the store's administrator).
    public func dashboard(for actor: Actor, campaign: String?, objectives: [String: Objective]) throws -> Dashboard {
        let items = try supervisedItems(of: actor).filter { campaign == nil || $0.campaign == campaign }
        return Dashboard(items: items, objectives: objectives)
    }

    /// The dashboard page: the dashboard of `campaign` (or of all) and every campaign the actor can
    /// choose from, in name order, from one read of the items (the page used to read them twice).
    public func dashboardPage(for actor: Actor, campaign: String?, objectives: [String: Objective]) throws -> (dashboard: Dashboard, campaigns: [String]) {
        let items = try supervisedItems(of: actor)
        let names = Set(items.map(\.campaign)).sorted()
        return (Dashboard(items: items.filter { campaign == nil || $0.campaign == campaign }, objectives: objectives), names)
    }

    /// The campaigns an actor supervises, in name order, without reading their items (the campaign
    /// filter of the models' page).
    public func supervisedCampaigns(of actor: Actor) throws -> [String] {
        try store.campaigns(in: supervisedScope(of: actor))
    }

    /// The items in an actor's scope: a superviseur's sectors, everything for a datascientist.
    private func supervisedItems(of actor: Actor) throws -> [QueueItem] {
        try store.items(in: supervisedScope(of: actor))
    }

    private func supervisedScope(of actor: Actor) throws -> ItemScope {
        switch actor.role {
        case .superviseur: return .sectors(actor.sectors ?? [])
        case .datascientist, nil: return .all
        case .controleur, .admin: throw QueueError("the dashboard is for superviseurs and datascientists", kind: .forbidden)
        }
    }
}
