import Accountability
import ControlQueue
import Dossiers
import Foundation
import Yams

/// The YAML files people write: feature specs, campaigns, archetypes.
///
/// Properties: a loader either returns a value or throws its own documented error type (naming the
/// file); a spec it accepts is written back with `yaml()` and read again unchanged (what
/// `select --selected-spec` and `simulate --spec-output` rely on).
enum YAMLHarness {
    static func spec(_ bytes: UnsafeBufferPointer<UInt8>) {
        let path = Scratch.write(bytes, name: "spec.yaml")
        let spec: FeatureSpec
        do { spec = try FeatureSpec.load(path: path) } catch {
            // Typed throws: only a DataError can arrive here; it must name this file.
            guard "\(error)".contains(path) else {
                propertyBroken("a spec refusal names the file", "\(error)")
            }
            return
        }
        let again: FeatureSpec
        do {
            let written = Scratch.write(Array(try spec.yaml().utf8), name: "spec-again.yaml")
            again = try FeatureSpec.load(path: written)
        } catch {
            propertyBroken("an accepted spec reads back after it is written", "\(error)")
        }
        guard again == spec else { propertyBroken("an accepted spec is unchanged by writing and reading it") }
    }

    static func campaign(_ bytes: UnsafeBufferPointer<UInt8>) {
        let path = Scratch.write(bytes, name: "campaign.yaml")
        let campaign: Campaign
        do { campaign = try Campaign.load(path: path) } catch let error as CampaignError {
            guard error.file == path else { propertyBroken("a campaign refusal names the file", "\(error)") }
            return
        } catch {
            propertyBroken("a campaign is refused with a CampaignError", "\(type(of: error)): \(error)")
        }
        // Ciblage only reads campaigns (nothing writes one back), so there is no round trip to
        // check; what `load` accepted must pass the planner's own validation again.
        do { try campaign.validate(file: path) } catch {
            propertyBroken("an accepted campaign validates", "\(error)")
        }
    }

    static func archetypes(_ bytes: UnsafeBufferPointer<UInt8>) {
        let path = Scratch.write(bytes, name: "archetypes.yaml")
        do { _ = try Archetype.load(path: path) } catch let error as AuditError {
            guard "\(error)".contains(path) else { propertyBroken("an archetypes refusal names the file", "\(error)") }
        } catch {
            propertyBroken("archetypes are refused with an AuditError", "\(type(of: error)): \(error)")
        }
    }
}
