import CiblageSupport
import Dossiers
import HeapModule
import Foundation
import LinearAlgebra
import Synchronization
import RiskModel

/// Chooses which dossiers go to which channel.
///
/// The rule, in one pass over the population and in memory bounded by the capacities:
/// 1. **Eligibility**: the campaign's filter, no exclusion, outside the cool-down (months since the
///    last control ≥ `cooldownMonths`).
/// 2. **Random share**: for each channel, round(exploration × capacity) dossiers are drawn uniformly
///    among all eligible dossiers: the drawn are those with the smallest keys, a key being a hash of
///    the campaign's seed and name and the dossier's identifier (`drawKey`; bottom-k sampling, a
///    uniform sample without replacement). Each has inclusion probability (drawn)/(eligible): what
///    inverse-probability weighting of their outcomes needs.
/// 3. **Ranking by expected value** EV = P(indu) × E[indu | indu] (the two-part model; P alone when the
///    model has no severity part), among eligible dossiers at or above the score threshold.
/// 4. **Channels by net value.** A control of dossier i on channel c is worth
///    v_ic = EV_i × d_c − cost_c, where d_c is the channel's detection factor (the share of the true
///    indu its controls find; 1 when not given) and cost_c its cost per control (0 when not given).
///    Every v_ic increases with EV_i, so an optimal plan controls a top-EV prefix of the ranking, and
///    by exchange (swapping a visit and a document check between two dossiers changes the total by
///    (EV_i − EV_j)(d_place − d_pieces)) the channel with the higher detection takes the top of that
///    prefix: visits go where their extra yield EV × (d_place − d_pieces) − (cost_place − cost_pieces)
///    is highest. So the planner orders channels by detection (visits first on ties), and chooses how
///    many dossiers the first channel takes by maximising the plan's total net value: for each count
///    a ≤ capacity, the second channel takes the next dossiers whose v is positive, within its
///    capacity; prefix sums make each count O(1). No dossier is planned on a channel where its net
///    value is ≤ 0. Sector caps are applied while filling, in EV order (what a capped channel cannot
///    take stays available to the next), so with caps the split is the uncapped optimum, not an exact
///    capped one.
///    These dossiers have inclusion probability 1 given the scores.
public enum Planner {
    public struct Summary: Sendable {
        public var eligible: Int
        public var population: Int
        public var items: [PlannedItem]
    }

    /// A ranked dossier's key: by expected value, ties to the earlier dossier (smaller `order` ranks higher).
    struct RankKey: Comparable {
        var value: Double; var order: Int; var slot: Int
        static func < (a: RankKey, b: RankKey) -> Bool { (a.value, -a.order) < (b.value, -b.order) }
        static func == (a: RankKey, b: RankKey) -> Bool { a.value == b.value && a.order == b.order }
    }
    /// A dossier in the random draw or the ranking, with the columns (indices into
    /// `ReasonCodes.columns`, −1 for none) of its three reasons.
    struct Candidate { var dossier: String; var sector: String; var score: Double; var amount: Double?; var value: Double; var reasons: SIMD3<Int32>; var order: Int }

    /// A drawn dossier's key in the random draw: the draw keeps the smallest keys (ties: the earlier dossier).
    struct DrawKey: Comparable {
        var key: UInt64; var order: Int; var slot: Int
        static func < (a: DrawKey, b: DrawKey) -> Bool { (a.key, a.order) < (b.key, b.order) }
        static func == (a: DrawKey, b: DrawKey) -> Bool { a.key == b.key && a.order == b.order }
    }

    /// An eligible dossier of a block that may still enter the draw or the ranking (see
    /// `Thresholds`): its place among the block's eligible dossiers, its numbers and its reasons.
    struct Kept { var index: Int; var score: Double; var amount: Double; var value: Double; var key: UInt64; var reasons: SIMD3<Int32> }

    /// The eligible dossiers of one block of the population, scored by a worker. Identifiers and
    /// sectors stay bytes until a dossier enters the draw or the ranking.
    struct ScoredBlock {
        var text: [UInt8] = []
        var idEnds: [Int] = []
        var sectorEnds: [Int] = []
        /// The block's eligible dossiers scored so far, and those of them that can still be chosen.
        var eligibleCount = 0
        var kept: [Kept] = []
        /// With a scores file: whether each record of the chunk being scored is eligible, and the
        /// chunk's lines of the scores file (every record has one).
        var eligible: [Bool] = []
        var lines = ScoresFile.Lines()

        /// Where eligible dossier `i`'s identifier and sector are in `text`.
        func idRange(_ i: Int) -> Range<Int> { (i == 0 ? 0 : sectorEnds[i - 1])..<idEnds[i] }
        func sectorRange(_ i: Int) -> Range<Int> { idEnds[i]..<sectorEnds[i] }
    }

    /// What the merging thread has published for the workers: the ranking's lowest expected value
    /// once it is full, and the draw's largest key once it is full.
    ///
    /// Why: the choice is made in file order on one thread, but most dossiers can be ruled out
    /// where they are scored. Once the ranking holds its `heapSize` dossiers, its lowest value only
    /// rises as dossiers are merged; a dossier whose value is at or below a lowest value published
    /// earlier would be refused by the merge too (it needs a value above the current lowest). Once
    /// the draw holds its dossiers, its largest key only falls; a dossier whose key is at or above
    /// one published earlier would be refused too (it comes later in the file, so it loses ties).
    /// So a worker drops those dossiers before computing their reasons, and the plan is the same
    /// whenever the thresholds were read: only the work changes. Every eligible dossier is still
    /// counted (the inclusion probability needs the count).
    final class Thresholds: Sendable {
        private let state = Mutex((lowestValue: -Double.infinity, largestKey: UInt64.max))
        var current: (lowestValue: Double, largestKey: UInt64) { state.withLock { $0 } }
        func publish(lowestValue: Double?, largestKey: UInt64?) {
            state.withLock {
                if let lowestValue { $0.lowestValue = max($0.lowestValue, lowestValue) }
                if let largestKey { $0.largestKey = min($0.largestKey, largestKey) }
            }
        }
    }

    /// The random draw's key of a dossier: a hash of the campaign's seed and name and the
    /// dossier's identifier. The draw keeps the dossiers with the smallest keys, a uniform sample
    /// without replacement (each eligible dossier is drawn with probability drawn/eligible), which
    /// a worker can evaluate alone, whatever came before in the file. The campaign's name is in the
    /// hash so that two campaigns with the same seed do not draw the same dossiers.
    static func drawKey(_ id: ArraySlice<UInt8>, stream: UInt64) -> UInt64 {
        var g = SplitMix64(seed: stream, index: fnv1a(id))
        return g.next()
    }

    /// The campaign's stream of draw keys: its seed (1 when not given) and its name, hashed.
    static func drawStream(campaign: Campaign) -> UInt64 {
        var g = SplitMix64(seed: campaign.seed ?? 1, index: fnv1a(campaign.name.utf8))
        return g.next()
    }

    /// FNV-1a over bytes: a cheap, stable digest of an identifier, mixed by `SplitMix64` above.
    static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0100_0000_01B3 }
        return h
    }

    /// - Parameter scores: also write every dossier's score there, the same bytes as `ciblage score`
    ///   writes with the model's id column (`ScoresFile`), from this same pass over the population.
    /// - Parameter record: told the plan before the scores file is committed (the store's insert):
    ///   if it throws, the scores file is discarded, so a plan the store refused leaves no scores
    ///   of it behind.
    public static func plan(campaign: Campaign, model: ModelArtifact, population path: String, format: CSVFormat = CSVFormat(),
                            threads: Int = Parallelism.defaultThreads, blockBytes: Int = 1 << 20,
                            scores: String? = nil, progress: ProgressHandler? = nil,
                            record: (Summary) throws -> Void = { _ in }) throws -> Summary {
        // Without the severity part, expected values are probabilities: a cost in euros means nothing against them.
        if model.severity == nil, let k = campaign.channels.firstIndex(where: { ($0.costPerControl ?? 0) > 0 }) {
            throw CampaignError(file: campaign.name, key: "channels[\(k)].costPerControl",
                                problem: "the model has no severity part (train it with {amountColumn}), so its expected values are probabilities and cannot be weighed against a cost in euros; remove the cost or use a two-part model")
        }
        let records = try ScoredRecords(model: model, path: path, format: format, blockBytes: blockBytes)
        records.progress = progress
        let header = records.header
        func column(_ name: String?) throws -> Int? { try name.map(records.column) }
        let idIndex = try records.column(records.identifierColumn())
        let sectorIndex = header.firstIndex(of: model.spec?.columns(.sector).first?.name ?? "secteur")
        let cooldownIndex = try column(campaign.cooldownColumn)
        let filters = try (campaign.filter ?? [:]).sorted { $0.key < $1.key }.map { (try records.column($0.key), Set($0.value)) }
        let excluded = Set(campaign.exclusions ?? [])
        let cooldown = campaign.cooldownMonths.map(Double.init)
        let reasons = try ReasonCodes(model: model)
        let width = model.encoding.width
        let severity = model.severity
        let threshold = campaign.threshold ?? 0
        let channels = campaign.channels.sorted { $0.name == .surPlace && $1.name != .surPlace }  // visits first
        let explore = channels.map { Int((campaign.explorationShare * Double($0.capacity)).rounded()) }
        let exploit = zip(channels, explore).map { $0.capacity - $1 }
        let drawSize = explore.reduce(0, +)
        let heapSize = exploit.reduce(0, +) + drawSize  // room for dossiers also drawn at random
        let stream = drawStream(campaign: campaign)
        let thresholds = Thresholds()
        let scoresFile = try scores.map { try ScoresFile(records: records, output: $0) }

        // Workers: eligibility, then encoding and scores (the one scoring loop), block by block.
        // Without a scores file, ineligible dossiers are skipped before they are encoded; with one,
        // every dossier is scored and its eligibility kept for the chunk.
        let eligible = { (block: CSVReader) throws -> Bool in
            for (index, values) in filters where !values.contains(try block.string(index)) { return false }
            if !excluded.isEmpty, excluded.contains(try block.string(idIndex)) { return false }
            if let cooldownIndex, let cooldown, try block.number(cooldownIndex) < cooldown { return false }
            return true
        }
        let capture = { (block: CSVReader, out: inout ScoredBlock) throws in
            if let scoresFile {
                try scoresFile.capture(block, &out.lines)
                guard try eligible(block) else { out.eligible.append(false); return }
                out.eligible.append(true)
            }
            block.withField(idIndex) { out.text.append(contentsOf: $0) }
            out.idEnds.append(out.text.count)
            if let sectorIndex { block.withField(sectorIndex) { out.text.append(contentsOf: $0) } }
            out.sectorEnds.append(out.text.count)
        }
        let scored = { (x: UnsafePointer<Double>, p: UnsafePointer<Double>, count: Int, out: inout ScoredBlock) in
            // The expected amounts of the chunk, once: for the scores file's lines and for the choice.
            let amounts = UnsafeMutablePointer<Double>.allocate(capacity: count)
            let topColumns = UnsafeMutablePointer<Int>.allocate(capacity: 3), topValues = UnsafeMutablePointer<Double>.allocate(capacity: 3)
            defer { amounts.deallocate(); topColumns.deallocate(); topValues.deallocate() }
            for i in 0..<count { amounts[i] = severity?.expectedAmount(row: x + i * width) ?? .nan }
            scoresFile?.format(x, p, count, &out.lines, expectedAmounts: severity == nil ? nil : UnsafePointer(amounts))
            let (lowestValue, largestKey) = thresholds.current
            for i in 0..<count where scoresFile == nil || out.eligible[i] {
                let index = out.eligibleCount
                out.eligibleCount += 1
                let row = x + i * width
                let amount = amounts[i]
                let value = p[i] * (amount.isNaN ? 1 : amount)
                let ranked = heapSize > 0 && p[i] >= threshold && value > lowestValue
                var key = UInt64.max
                if drawSize > 0 {
                    key = drawKey(out.text[out.idRange(index)], stream: stream)
                }
                guard ranked || key < largestKey else { continue }
                var top = SIMD3<Int32>(repeating: -1)
                let found = reasons.selectTop(3, row: row, indices: topColumns, values: topValues)
                for k in 0..<found { top[k] = Int32(topColumns[k]) }
                out.kept.append(Kept(index: index, score: p[i], amount: amount, value: value, key: key, reasons: top))
            }
            out.eligible.removeAll(keepingCapacity: true)
        }

        // Merge, in file order: the draw and the ranking see the dossiers as one sequential pass would.
        var choice = Choice(drawSize: drawSize, heapSize: heapSize, threshold: threshold)
        var eligibleCount = 0
        defer { scoresFile?.discard() }  // on an error; after `commit` it does nothing
        try records.forEachBlock(threads: threads, include: scoresFile == nil ? eligible : nil, makePart: { ScoredBlock() },
                                 record: capture, scored: scored) { block in
            try scoresFile?.write(block.lines)
            for kept in block.kept {
                let i = kept.index, order = eligibleCount + i
                choice.consider(kept, order: order) {
                    let id = String(decoding: block.text[block.idRange(i)], as: UTF8.self)
                    let sector = sectorIndex == nil ? "all" : String(decoding: block.text[block.sectorRange(i)], as: UTF8.self)
                    return Candidate(dossier: id, sector: sector, score: kept.score, amount: kept.amount.isNaN ? nil : kept.amount,
                                     value: kept.value, reasons: kept.reasons, order: order)
                }
            }
            eligibleCount += block.eligibleCount
            thresholds.publish(lowestValue: choice.lowestRankedValue, largestKey: choice.largestDrawnKey)
        }
        let probability = eligibleCount > 0 ? Double(min(drawSize, eligibleCount)) / Double(eligibleCount) : 0
        let items = assign(draw: choice.draw, ranking: choice.ranking, channels: channels, explore: explore, exploit: exploit,
                           inclusionProbability: probability, reasons: reasons)
        let summary = Summary(eligible: eligibleCount, population: records.recordCount, items: items)
        try record(summary)
        try scoresFile?.commit()
        return summary
    }
}

extension Planner {
    /// The random draw and the ranking as the merge builds them, one eligible dossier at a time in
    /// file order. Both keep trivial keys in a heap; the candidates stay put in an array, a slot per
    /// key, and are built only for the dossiers that enter.
    struct Choice {
        let drawSize: Int, heapSize: Int, threshold: Double
        private var drawn = Heap<DrawKey>(), drawnCandidates: [Candidate] = []
        private var heap = Heap<RankKey>(), ranked: [Candidate] = []

        init(drawSize: Int, heapSize: Int, threshold: Double) { self.drawSize = drawSize; self.heapSize = heapSize; self.threshold = threshold }

        /// The draw keeps the `drawSize` smallest keys (ties: the earlier dossier); the ranking the
        /// `heapSize` highest expected values at or above the threshold (ties: the earlier dossier).
        mutating func consider(_ kept: Kept, order: Int, candidate: () -> Candidate) {
            if drawSize > 0 {
                let key = DrawKey(key: kept.key, order: order, slot: drawnCandidates.count)
                if drawn.count < drawSize {
                    drawn.insert(key)
                    drawnCandidates.append(candidate())
                } else if key < drawn.max! {
                    let slot = drawn.max!.slot
                    drawnCandidates[slot] = candidate()
                    drawn.replaceMax(with: DrawKey(key: kept.key, order: order, slot: slot))
                }
            }
            if kept.score >= threshold && heapSize > 0 {
                if heap.count < heapSize {
                    heap.insert(RankKey(value: kept.value, order: order, slot: ranked.count))
                    ranked.append(candidate())
                } else if kept.value > heap.min!.value {
                    let slot = heap.min!.slot
                    ranked[slot] = candidate()
                    heap.replaceMin(with: RankKey(value: kept.value, order: order, slot: slot))
                }
            }
        }

        /// What the workers may rule out by (`Thresholds`): nil until the ranking, or the draw, is full.
        var lowestRankedValue: Double? { heapSize > 0 && heap.count == heapSize ? heap.min!.value : nil }
        var largestDrawnKey: UInt64? { drawSize > 0 && drawn.count == drawSize ? drawn.max!.key : nil }

        /// The drawn, in key order: the first go to the first channel's random share, and so on.
        var draw: [Candidate] { drawn.unordered.sorted().map { drawnCandidates[$0.slot] } }
        /// The ranked, best expected value first.
        var ranking: [Candidate] { heap.unordered.sorted(by: >).map { ranked[$0.slot] } }
    }

    /// The plan's items: each channel's random share from the draw, then the ranked dossiers not
    /// drawn, best expected value first, by channel (steps 2 and 4 of the rule).
    static func assign(draw: [Candidate], ranking: [Candidate], channels: [ChannelSpec], explore: [Int], exploit: [Int],
                       inclusionProbability: Double, reasons: ReasonCodes) -> [PlannedItem] {
        func labels(_ top: SIMD3<Int32>) -> String {
            (0..<3).filter { top[$0] >= 0 }.map { reasons.labels[Int(top[$0])] }.joined(separator: " | ")
        }
        var items: [PlannedItem] = []
        var taken = Set<String>()
        var next = 0
        for (k, channel) in channels.enumerated() {
            for c in draw[next..<min(draw.count, next + explore[k])] {
                items.append(PlannedItem(dossier: c.dossier, channel: channel.name, sector: c.sector, score: c.score, expectedAmount: c.amount,
                                         expectedValue: c.value, selection: "explore", inclusionProbability: inclusionProbability,
                                         reasons: labels(c.reasons)))
                taken.insert(c.dossier)
            }
            next += explore[k]
        }
        // Those a channel cannot take (capacity or sector cap) stay available to the next channel.
        var pool = ranking.filter { !taken.contains($0.dossier) }
        let byDetection = channels.indices.sorted { (channels[$0].detection, -$0) > (channels[$1].detection, -$1) }
        let counts = split(values: pool.map(\.value), channels: byDetection.map { (channels[$0], exploit[$0]) })
        for (position, k) in byDetection.enumerated() {
            let channel = channels[k]
            var used = 0
            var perSector: [String: Int] = [:]
            var leftover: [Candidate] = []
            for c in pool {
                let sectorFull = channel.sectorCapacity?[c.sector].map { perSector[c.sector, default: 0] >= $0 } ?? false
                guard used < counts[position], !sectorFull, channel.netValue(expected: c.value) > 0 else { leftover.append(c); continue }
                items.append(PlannedItem(dossier: c.dossier, channel: channel.name, sector: c.sector, score: c.score, expectedAmount: c.amount,
                                         expectedValue: c.value, selection: "exploit", inclusionProbability: 1, reasons: labels(c.reasons)))
                used += 1
                perSector[c.sector, default: 0] += 1
            }
            pool = leftover
        }
        return items
    }

    /// How many of the ranked dossiers (expected values `values`, best first) each channel takes, the
    /// channels in the order given (highest detection first), to maximise the total net value
    /// Σ (EV × d − cost). See step 4 of the rule: the first channel takes a prefix of length a, the
    /// second the next b = min(capacity, dossiers whose net value on it is positive); a is chosen by
    /// enumeration with prefix sums, ties going to the larger a (the first channel's share).
    static func split(values: [Double], channels: [(spec: ChannelSpec, capacity: Int)]) -> [Int] {
        guard let first = channels.first else { return [] }
        func positives(_ c: ChannelSpec) -> Int { values.prefix { c.netValue(expected: $0) > 0 }.count }
        guard channels.count == 2 else { return [min(first.capacity, positives(first.spec))] }
        let second = channels[1]
        var prefix = [0.0]
        for v in values { prefix.append(prefix.last! + v) }
        func total(_ c: ChannelSpec, from: Int, to: Int) -> Double {
            c.detection * (prefix[to] - prefix[from]) - c.cost * Double(to - from)
        }
        let secondPositives = positives(second.spec)
        var best = (a: 0, b: 0, value: -Double.infinity)
        for a in 0...min(first.capacity, positives(first.spec)) {
            let b = min(second.capacity, max(0, secondPositives - a))
            let value = total(first.spec, from: 0, to: a) + total(second.spec, from: a, to: a + b)
            if value >= best.value { best = (a, b, value) }
        }
        return [best.a, best.b]
    }
}

extension ChannelSpec {
    /// The share of the true indu a control of this channel finds (1 when not given).
    public var detection: Double { detectionFactor ?? 1 }
    public var cost: Double { costPerControl ?? 0 }
    /// What a control is worth on this channel: EV × detection − cost.
    public func netValue(expected value: Double) -> Double { value * detection - cost }
}

extension Planner.Summary {
    /// The plan as CSV, one row per item in plan order: for review before it goes to the controllers,
    /// and as the selection of `ciblage audit --selected`.
    public func csv() -> String {
        var text = "id,canal,secteur,selection,proba_inclusion,score,montant_attendu,valeur_attendue,raisons\n"
        for it in items {
            text += [csvField(it.dossier), it.channel.rawValue, csvField(it.sector), it.selection, "\(it.inclusionProbability)", "\(it.score)",
                     it.expectedAmount.map { "\($0)" } ?? "", "\(it.expectedValue)", csvField(it.reasons)].joined(separator: ",") + "\n"
        }
        return text
    }
}
