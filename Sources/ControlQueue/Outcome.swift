import Dossiers
import Foundation

/// The controller's judgement of the selection: human oversight is recorded, not assumed.
public enum Judgement: String, Codable, Sendable, CaseIterable {
    /// The selection was justified.
    case agree
    /// The controller disagrees with the selection; a reason is required.
    case override
}

/// What a controller records when closing an item: the finding and their own judgement of the selection.
public struct Outcome: Codable, Equatable, Sendable {
    public var indu: Double
    public var rappel: Double
    /// The number of consecutive months the indu covers: with the amount, what the target rule of
    /// the cible needs to label the dossier (`TargetDefinitionSpec.isPositive`). Required when indu > 0.
    public var induMonths: Int?
    public var fraud: Bool
    public var judgement: Judgement
    public var judgementReason: String?
    public init(indu: Double, rappel: Double, induMonths: Int? = nil, fraud: Bool, judgement: Judgement, judgementReason: String? = nil) {
        self.indu = indu; self.rappel = rappel; self.induMonths = induMonths; self.fraud = fraud
        self.judgement = judgement; self.judgementReason = judgementReason
    }

    /// The longest period an indu is recorded over: the 24-month look-back of the DMDE target, with
    /// room for older cibles.
    public static let maximumInduMonths = 120

    /// The rules every store applies before recording an outcome.
    public func validate() throws {
        guard indu >= 0, indu.isFinite else { throw QueueError("{indu} must be a finite amount ≥ 0, got \(indu)") }
        guard rappel >= 0, rappel.isFinite else { throw QueueError("{rappel} must be a finite amount ≥ 0, got \(rappel)") }
        if indu > 0 {
            guard let months = induMonths else {
                throw QueueError("an indu needs the number of months it covers ({induMonths}): the target rule depends on it")
            }
            guard (1...Self.maximumInduMonths).contains(months) else {
                throw QueueError("{induMonths} must be between 1 and \(Self.maximumInduMonths), got \(months)")
            }
        } else if let months = induMonths, months != 0 {
            throw QueueError("{induMonths} is \(months) but there is no indu")
        }
        if judgement == .override, (judgementReason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw QueueError("an override needs a reason ({reason}): human oversight is recorded, not assumed")
        }
    }

    /// The audit details of a close.
    public var auditDetails: String {
        "indu=\(indu) rappel=\(rappel)" + (induMonths.map { " months=\($0)" } ?? "") + " fraud=\(fraud) judgement=\(judgement.rawValue)"
            + (judgementReason.map { " reason=\($0)" } ?? "")
    }

    /// The label this outcome gives under a target definition: positive when the indu reaches the
    /// definition's amount over at least its number of months.
    public func label(under definition: TargetDefinitionSpec) -> Bool {
        indu > 0 && definition.isPositive(months: induMonths ?? 0, amount: indu)
    }
}
