import CiblageSupport
import Dossiers
import Foundation
import LinearAlgebra

/// Which cible's table the simulator writes.
public enum SimulatedCible: String, Sendable, CaseIterable {
    /// Dossiers over a control window, labelled with DMDE overpayments (données entrantes).
    case dmde
    /// Processing acts, labelled with the verifier's rejet (datamining métier).
    case metier
    /// Households, recipients or not, and a past randomised outreach campaign (accès aux droits).
    case acces
}

/// Write a seeded, simulated CAF population, its samples, histories and spec.
public struct SimulationRequest: Sendable {
    public var cible = SimulatedCible.dmde
    public var options: SimulationOptions
    public var outputs: SimulationOutputs
    /// Also write the feature spec of the simulated table (YAML).
    public var specOutput: String?
    public init(options: SimulationOptions, outputs: SimulationOutputs) { self.options = options; self.outputs = outputs }

    public func validate() throws(RequestError) {
        guard options.dossiers >= 1 else { throw RequestError("dossiers", "{dossiers} must be at least 1, got \(options.dossiers)") }
        try RequestError.check(options.cafs, in: 1...200, "cafs")
        try RequestError.check(options.sectorsPerCAF, in: 1...100, "sectors")
        try RequestError.check(options.candidates, in: 0...999, "candidates")
        guard options.randomSample >= 0 && options.randomSample <= options.dossiers else {
            throw RequestError("randomSample", "{randomSample} must be between 0 and the number of dossiers (\(options.dossiers)), got \(options.randomSample)")
        }
        try RequestError.check(options.targetedSample, in: 0...options.dossiers, "targetedSample")
        if options.randomSample > 0 && outputs.randomSample == nil { throw RequestError("sampleOutput", "{randomSample} needs {sampleOutput}") }
        if options.targetedSample > 0 && outputs.targetedSample == nil { throw RequestError("targetedOutput", "{targetedSample} needs {targetedOutput}") }
    }
}

/// - Parameter progress: told the dossiers written.
public func simulate(_ request: SimulationRequest, progress: ProgressHandler? = nil) throws -> SimulationSummary {
    try request.validate()
    var options = request.options
    options.progress = progress
    switch request.cible {
    case .dmde:
        if let specOutput = request.specOutput {
            try AtomicFile.write(Data(try PopulationSimulator.featureSpec(candidates: request.options.candidates, regimes: request.options.regimes).yaml().utf8), to: specOutput)
        }
        return try PopulationSimulator.run(options, outputs: request.outputs)
    case .metier:
        guard request.outputs.targetedSample == nil, request.outputs.history == nil, !request.options.regimes else {
            throw RequestError("cible", "{cible} metier writes acts and a random sample only: no targeted sample, history or regimes")
        }
        if let specOutput = request.specOutput { try AtomicFile.write(Data(try ProcessingActSimulator.featureSpec().yaml().utf8), to: specOutput) }
        return try ProcessingActSimulator.run(options, outputs: request.outputs)
    case .acces:
        guard request.outputs.targetedSample == nil, request.outputs.history == nil, !request.options.regimes else {
            throw RequestError("cible", "{cible} acces writes households and a randomised campaign only: no targeted sample, history or regimes")
        }
        if let specOutput = request.specOutput { try AtomicFile.write(Data(try HouseholdSimulator.featureSpec().yaml().utf8), to: specOutput) }
        return try HouseholdSimulator.run(options, outputs: request.outputs)
    }
}

/// Build DMDE-style labels from monthly overpayment records.
public struct TargetRequest: Sendable {
    public var history: String
    public var output: String
    public var definition = TargetDefinitionSpec()
    /// Control month; default: the month after the last month in the file.
    public var asOf: TargetBuilder.Month?
    public var format = CSVFormat()
    public init(history: String, output: String) { self.history = history; self.output = output }

    public func validate() throws(RequestError) {
        guard definition.minimumMonths >= 1 else { throw RequestError("months", "{months} must be at least 1, got \(definition.minimumMonths)") }
        guard definition.windowMonths >= definition.minimumMonths else {
            throw RequestError("window", "{window} must be at least {months} (\(definition.minimumMonths)), got \(definition.windowMonths)")
        }
        guard definition.minimumAmount >= 0, definition.minimumAmount.isFinite else {
            throw RequestError("amount", "{amount} must be a finite amount ≥ 0, got \(definition.minimumAmount)")
        }
    }
}

public func buildTargets(_ request: TargetRequest) throws -> TargetBuilder.Summary {
    try request.validate()
    return try TargetBuilder.build(historyPath: request.history, outputPath: request.output, definition: request.definition,
                                   asOf: request.asOf, format: request.format)
}

/// Label the households of an outreach campaign (accès aux droits): a right opened within N months
/// after the contact (`Targets/RightOpenedTarget.swift`).
public struct RightOpenedTargetRequest: Sendable {
    public var contacts: String
    public var openings: String
    public var output: String
    public var definition = RightOpenedDefinition()
    public var format = CSVFormat()
    public init(contacts: String, openings: String, output: String) { self.contacts = contacts; self.openings = openings; self.output = output }
}

public func buildRightOpenedTargets(_ request: RightOpenedTargetRequest) throws -> RightOpenedDefinition.Summary {
    try RequestError.check(request.definition.withinMonths, in: 1...36, "within")
    return try request.definition.build(contactsPath: request.contacts, openingsPath: request.openings, outputPath: request.output, format: request.format)
}

/// Label verified processing acts (datamining métier): the verifier's rejet (`Targets/VerifierRejetTarget.swift`).
public struct RejetTargetRequest: Sendable {
    public var verifications: String
    public var output: String
    public var definition = RejetDefinition()
    public var format = CSVFormat()
    public init(verifications: String, output: String) { self.verifications = verifications; self.output = output }
}

public func buildRejetTargets(_ request: RejetTargetRequest) throws -> RejetDefinition.Summary {
    guard request.definition.minimumImpact >= 0, request.definition.minimumImpact.isFinite else {
        throw RequestError("minimumImpact", "{minimumImpact} must be a finite amount ≥ 0, got \(request.definition.minimumImpact)")
    }
    return try request.definition.build(verificationsPath: request.verifications, outputPath: request.output, format: request.format)
}

/// What the simulated households of an outreach plan did in the 3 months after it (the simulator's
/// own take-up chances): the follow-up that `uplift estimate` reads, for the demo and the tests.
public struct FollowUpSimulationRequest: Sendable {
    /// A plan file of `queue plan --output` on households of `simulate --cible acces`.
    public var plan: String
    /// The seed the households were simulated with.
    public var seed: UInt64
    public var output: String
    public var sectors = 4
    public init(plan: String, seed: UInt64, output: String) { self.plan = plan; self.seed = seed; self.output = output }
}

public func simulateFollowUp(_ request: FollowUpSimulationRequest) throws -> (rows: Int, opened: Int) {
    let reader = try CSVReader(path: request.plan)
    func column(_ name: String) throws -> Int {
        guard let i = reader.header.firstIndex(of: name) else { throw DataError.unknownColumn(file: request.plan, name: name, available: reader.header) }
        return i
    }
    let id = try column("id"), channel = try column("canal"), selection = try column("selection")
    var plan: [(id: String, channel: String, heldOut: Bool)] = []
    while try reader.next() {
        plan.append((try reader.string(id).trimmingSpaces, try reader.string(channel).trimmingSpaces, try reader.string(selection).trimmingSpaces == "temoin"))
    }
    if plan.isEmpty { throw DataError.headerOnly(file: request.plan) }
    return try HouseholdSimulator.followUp(plan, seed: request.seed, sectors: request.sectors, output: request.output)
}
