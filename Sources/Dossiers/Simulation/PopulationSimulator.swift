import CiblageSupport
import Dispatch
import LinearAlgebra

/// Settings of a simulated CAF population.
public struct SimulationOptions: Sendable {
    public var dossiers: Int
    public var seed: UInt64
    public var cafs: Int
    public var sectorsPerCAF: Int
    /// Noise or weakly informative candidate columns `c001…` for variable selection to work on.
    public var candidates: Int
    /// The month of the control: labels look back `definition.windowMonths` months before it.
    public var controlMonth: TargetBuilder.Month
    public var definition: TargetDefinitionSpec
    /// Size of the PBDF-like random sample (exact, drawn without replacement).
    public var randomSample: Int
    /// Expected size of the sample of controls targeted by the previous model.
    public var targetedSample: Int
    public var threads: Int
    /// Simulate the switch to pre-filled resource declarations (DMDE 2026): a switch month per
    /// dossier, written in `date_bascule`, with the drivers of indu changing at it.
    public var regimes = false
    /// Told the dossiers written after each batch of chunks.
    public var progress: ProgressHandler?

    public init(dossiers: Int, seed: UInt64 = 1, cafs: Int = 10, sectorsPerCAF: Int = 4, candidates: Int = 20,
                controlMonth: TargetBuilder.Month = TargetBuilder.month(year: 2026, month: 1),
                definition: TargetDefinitionSpec = TargetDefinitionSpec(), randomSample: Int = 0, targetedSample: Int = 0,
                threads: Int = Parallelism.defaultThreads) {
        self.dossiers = dossiers; self.seed = seed; self.cafs = cafs; self.sectorsPerCAF = sectorsPerCAF
        self.candidates = candidates; self.controlMonth = controlMonth; self.definition = definition
        self.randomSample = randomSample; self.targetedSample = targetedSample; self.threads = threads
    }
}

/// Where the simulator writes; any of them may be nil.
public struct SimulationOutputs: Sendable {
    public var population: String?
    public var randomSample: String?
    public var targetedSample: String?
    /// Monthly overpayment records of the sampled dossiers (random and targeted), for `ciblage target`.
    public var history: String?
    public init(population: String? = nil, randomSample: String? = nil, targetedSample: String? = nil, history: String? = nil) {
        self.population = population; self.randomSample = randomSample; self.targetedSample = targetedSample; self.history = history
    }
}

public struct SimulationSummary: Equatable, Sendable {
    public var dossiers: Int
    public var positives: Int
    public var frauds: Int
    public var totalIndu: Double
    public var randomRows: Int
    public var randomPositives: Int
    public var targetedRows: Int
    public var targetedPositives: Int
    public var historyRecords: Int
    public var prevalence: Double { dossiers == 0 ? 0 : Double(positives) / Double(dossiers) }
}

/// Writes a seeded, deterministic CAF population (see docs/SIMULATION.md).
///
/// Dossiers are generated independently from (seed, index), in chunks formatted in parallel and
/// written in order, so the bytes do not depend on the thread count and memory stays at a few chunks.
public enum PopulationSimulator {
    public static let chunkSize = 16_384

    public static func run(_ options: SimulationOptions, outputs: SimulationOutputs) throws(DataError) -> SimulationSummary {
        guard options.dossiers >= 1 else { throw .invalidOption("{dossiers} must be ≥ 1") }
        guard options.cafs >= 1 && options.cafs <= 200 else { throw .invalidOption("{cafs} must be between 1 and 200") }
        guard options.sectorsPerCAF >= 1 && options.sectorsPerCAF <= 100 else { throw .invalidOption("{sectors} must be between 1 and 100") }
        guard options.candidates >= 0 && options.candidates <= 999 else { throw .invalidOption("{candidates} must be between 0 and 999") }
        guard options.randomSample >= 0 && options.randomSample <= options.dossiers else {
            throw .invalidOption("{randomSample} must be between 0 and {dossiers} (\(options.dossiers))")
        }
        guard options.targetedSample >= 0 && options.targetedSample <= options.dossiers else {
            throw .invalidOption("{targetedSample} must be between 0 and {dossiers}")
        }
        if options.randomSample > 0 && outputs.randomSample == nil { throw .invalidOption("{randomSample} needs {sampleOutput}") }
        if options.targetedSample > 0 && outputs.targetedSample == nil { throw .invalidOption("{targetedSample} needs {targetedOutput}") }

        let cafWeights: [Double] = {
            let raw = (0..<options.cafs).map { 1 / (Double($0) + 1).squareRoot() }
            let total = raw.reduce(0, +)
            return raw.map { $0 / total }
        }()
        let windowStart = options.controlMonth - options.definition.windowMonths
        func dossier(_ i: Int) -> SimulatedDossier {
            SimulatedDossier.generate(index: i, seed: options.seed, cafWeights: cafWeights, sectorsPerCAF: options.sectorsPerCAF,
                                      windowStart: windowStart, definition: options.definition, regimes: options.regimes)
        }

        // Exact random sample: selection sampling (Knuth's algorithm S) on its own stream.
        var selected = [Bool](repeating: false, count: options.randomSample > 0 ? options.dossiers : 0)
        if options.randomSample > 0 {
            var g = SplitMix64(seed: options.seed ^ 0x5EED_5A3B_1E00_0001)
            var needed = options.randomSample
            for i in 0..<options.dossiers where needed > 0 {
                if Double(options.dossiers - i) * g.uniform() < Double(needed) { selected[i] = true; needed -= 1 }
            }
        }
        let randomInclusion = Double(options.randomSample) / Double(options.dossiers)
        // Targeted sample: Poisson sampling with π ∝ the previous model's score, normalised with the
        // mean score estimated on the first 100 000 dossiers.
        var targetScale = 0.0
        if options.targetedSample > 0 {
            let probe = min(options.dossiers, 100_000)
            var sum = 0.0
            for i in 0..<probe { sum += dossier(i).previousModelScore }
            targetScale = Double(options.targetedSample) / (sum / Double(probe) * Double(options.dossiers))
        }

        let population = try outputs.population.map { (p) throws(DataError) in try AtomicFile(path: p) }
        let randomFile = try outputs.randomSample.map { (p) throws(DataError) in try AtomicFile(path: p) }
        let targetedFile = try outputs.targetedSample.map { (p) throws(DataError) in try AtomicFile(path: p) }
        let historyFile = try outputs.history.map { (p) throws(DataError) in try AtomicFile(path: p) }
        let header = headerLine(candidates: options.candidates, regimes: options.regimes)
        try population?.write(header + "\n")
        try randomFile?.write(header + ",provenance,proba_inclusion\n")
        try targetedFile?.write(header + ",provenance,proba_inclusion\n")
        try historyFile?.write("dossier,mois,indu,rappel\n")

        var summary = SimulationSummary(dossiers: options.dossiers, positives: 0, frauds: 0, totalIndu: 0, randomRows: 0,
                                        randomPositives: 0, targetedRows: 0, targetedPositives: 0, historyRecords: 0)
        struct Chunk { var population = ByteBuffer(), random = ByteBuffer(), targeted = ByteBuffer(), history = ByteBuffer()
                       var summary = SimulationSummary(dossiers: 0, positives: 0, frauds: 0, totalIndu: 0, randomRows: 0, randomPositives: 0,
                                                       targetedRows: 0, targetedPositives: 0, historyRecords: 0) }
        let chunkCount = (options.dossiers + chunkSize - 1) / chunkSize
        let workers = max(1, options.threads)
        let wantPopulation = population != nil, wantHistory = historyFile != nil
        var next = 0
        while next < chunkCount {
            let batch = min(workers * 2, chunkCount - next)
            var chunks = [Chunk](repeating: Chunk(), count: batch)
            chunks.withUnsafeMutableBufferPointer { out in
                let box = UncheckedSendable(out.baseAddress!)
                let first = next
                let sel = UncheckedSendable(selected)
                DispatchQueue.concurrentPerform(iterations: batch) { b in
                    var c = Chunk()
                    let lo = (first + b) * chunkSize, hi = min(options.dossiers, lo + chunkSize)
                    c.population = ByteBuffer(capacity: wantPopulation ? (hi - lo) * (140 + 6 * options.candidates) : 0)
                    for i in lo..<hi {
                        let d = dossier(i)
                        if d.label.positive { c.summary.positives += 1 }
                        if d.fraud { c.summary.frauds += 1 }
                        c.summary.totalIndu += d.label.indu
                        let isRandom = !sel.value.isEmpty && sel.value[i]
                        let pi = min(1, targetScale * d.previousModelScore)
                        let isTargeted = targetScale > 0 && d.samplingDraw < pi
                        if wantPopulation { writeRow(d, candidates: options.candidates, seed: options.seed, into: &c.population); c.population.newline() }
                        if isRandom {
                            writeRow(d, candidates: options.candidates, seed: options.seed, into: &c.random)
                            c.random.append(",random,"); c.random.append(randomInclusion, decimals: 9); c.random.newline()
                            c.summary.randomRows += 1
                            if d.label.positive { c.summary.randomPositives += 1 }
                        }
                        if isTargeted {
                            writeRow(d, candidates: options.candidates, seed: options.seed, into: &c.targeted)
                            c.targeted.append(",targeted,"); c.targeted.append(pi, decimals: 9); c.targeted.newline()
                            c.summary.targetedRows += 1
                            if d.label.positive { c.summary.targetedPositives += 1 }
                        }
                        if wantHistory && (isRandom || isTargeted) {
                            for r in d.history {
                                c.history.append(dossierID(i)); c.history.comma()
                                c.history.append(TargetBuilder.format(r.month)); c.history.comma()
                                c.history.append(r.indu, decimals: 2); c.history.comma()
                                c.history.append(r.rappel, decimals: 2); c.history.newline()
                                c.summary.historyRecords += 1
                            }
                        }
                    }
                    box.value[b] = c
                }
            }
            for c in chunks {
                try population?.write(c.population.bytes)
                try randomFile?.write(c.random.bytes)
                try targetedFile?.write(c.targeted.bytes)
                try historyFile?.write(c.history.bytes)
                summary.positives += c.summary.positives; summary.frauds += c.summary.frauds
                summary.totalIndu += c.summary.totalIndu
                summary.randomRows += c.summary.randomRows; summary.randomPositives += c.summary.randomPositives
                summary.targetedRows += c.summary.targetedRows; summary.targetedPositives += c.summary.targetedPositives
                summary.historyRecords += c.summary.historyRecords
            }
            next += batch
            options.progress?(ProgressUpdate(phase: "simulating", done: Double(min(options.dossiers, next * chunkSize)),
                                             total: Double(options.dossiers), unit: .rows))
        }
        try population?.commit(); try randomFile?.commit(); try targetedFile?.commit(); try historyFile?.commit()
        return summary
    }

    public static func dossierID(_ i: Int) -> String {
        let s = String(i + 1)
        return "D" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }

    static func headerLine(candidates: Int, regimes: Bool = false) -> String {
        var names = featureSpec(candidates: candidates, regimes: regimes).columns.map(\.name)
        names.removeAll { $0 == "provenance" || $0 == "proba_inclusion" }
        return names.joined(separator: ",")
    }

    /// One CSV row, in the column order of `featureSpec` (without provenance and inclusion).
    static func writeRow(_ d: SimulatedDossier, candidates: Int, seed: UInt64, into b: inout ByteBuffer) {
        func flag(_ v: Bool) { b.append(v ? UInt8(ascii: "1") : UInt8(ascii: "0")); b.comma() }
        func int(_ v: Int) { b.append(v); b.comma() }
        b.append(UInt8(ascii: "D"))
        var digits = 1, t = d.index + 1
        while t >= 10 { t /= 10; digits += 1 }
        for _ in digits..<8 { b.append(UInt8(ascii: "0")) }
        b.append(d.index + 1); b.comma()
        b.append(UInt8(ascii: "C")); if d.caf + 1 < 10 { b.append(UInt8(ascii: "0")) }; b.append(d.caf + 1); b.comma()
        b.append(UInt8(ascii: "C")); if d.caf + 1 < 10 { b.append(UInt8(ascii: "0")) }; b.append(d.caf + 1)
        b.append("-S"); b.append(d.sector + 1); b.comma()
        if let s = d.switchMonth {
            if d.switchRecorded { b.append(TargetBuilder.format(s)) }
            b.comma()
        }
        int(d.children); flag(d.childAged19Plus); flag(d.couple)
        b.append(d.activity.label); b.comma()
        b.append(d.partnerActivity.label); b.comma()
        b.append(d.incomeToMinimumWage, decimals: 3); b.comma()
        flag(d.quarterlyDeclaration)
        int(Int(d.rsa)); int(Int(d.ppa)); int(Int(d.housing)); int(Int(d.af)); int(Int(d.cf)); int(Int(d.aah))
        int(d.rentChanges); int(d.addressChanges); flag(d.familyChange); flag(d.alimony); flag(d.guardianship)
        int(d.contacts); int(d.monthsSinceControl)
        if candidates > 0 {
            var g = SplitMix64(seed: seed ^ 0xCA4D_1DA7_E5, index: UInt64(d.index))
            for k in 0..<candidates {
                // Every tenth candidate carries a weak signal of the true risk; the others are noise.
                let v = k % 10 == 9 ? 0.25 * (d.trueLogit + 1) + g.normal() : g.normal()
                b.append(v, decimals: 2); b.comma()
            }
        }
        b.append(d.female ? UInt8(ascii: "F") : UInt8(ascii: "M")); b.comma()
        b.append(d.nationality.label); b.comma()
        flag(d.disability); flag(d.singleParent); flag(d.priorityNeighbourhood)
        flag(d.label.positive)
        b.append(d.label.indu, decimals: 2); b.comma()
        b.append(d.label.rappel, decimals: 2); b.comma()
        b.append(d.fraud ? UInt8(ascii: "1") : UInt8(ascii: "0"))
    }
}
