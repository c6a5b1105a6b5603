import Dossiers
import Foundation
import RiskModel

/// Model artifacts (JSON with a checksum).
///
/// A checksum stops almost every mutated input at the door, which would leave the checks behind it
/// unfuzzed; so each input is tried twice: as it is, and, when it decodes as an artifact at all,
/// with its checksum recomputed, which reaches the structural checks and `tableSpec()`.
///
/// Properties: the loader throws only `ArtifactError`, naming the file; an artifact it accepts
/// yields its table settings or a `DataError`, never anything else.
enum ModelHarness {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        load(Scratch.write(bytes, name: "model.json"))
        guard var artifact = try? JSONDecoder().decode(ModelArtifact.self, from: Data(bytes)),
              let checksum = try? artifact.computeChecksum() else { return }
        artifact.checksum = checksum
        guard let resealed = try? artifact.encoded() else { return }
        load(Scratch.write(resealed, name: "model-resealed.json"))
    }

    private static func load(_ path: String) {
        let model: ModelArtifact
        do { model = try ModelArtifact.load(from: path) } catch let error as ArtifactError {
            guard "\(error)".contains(path) else { propertyBroken("a model refusal names the file", "\(error)") }
            return
        } catch {
            propertyBroken("a model is refused with an ArtifactError", "\(type(of: error)): \(error)")
        }
        do { _ = try model.tableSpec() } catch is DataError {
        } catch {
            propertyBroken("an accepted model's table settings fail only with a DataError", "\(type(of: error)): \(error)")
        }
    }
}
