import Foundation

/// The formats Ciblage reads from other systems or from people, one harness each. A harness feeds
/// the bytes to the loader the commands use and checks a property beyond "no crash" wherever one
/// exists: two readers agree, a value equals `strtod`'s, what is loaded survives a round trip, a
/// refusal is of the documented kind. A broken property stops the process (`fatalError`), which
/// libFuzzer reports as a crash and keeps the input.
enum FuzzTarget: String, CaseIterable {
    /// The CSV reader and the block reader, on every delimiter and decimal option and on blocks
    /// small enough that records straddle them.
    case csv
    /// Feature spec YAML (`--spec`).
    case spec
    /// Campaign YAML (`queue plan --campaign`).
    case campaign
    /// Model artifact JSON (`--model`).
    case model
    /// Archetypes YAML (`audit --archetypes`).
    case archetypes
    /// The server's JSON request bodies (and its form bodies).
    case json

    /// The harness libFuzzer runs (set once by `LLVMFuzzerInitialize`, before any input).
    nonisolated(unsafe) static var selected: FuzzTarget = .csv

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .csv: CSVHarness.run(bytes)
        case .spec: YAMLHarness.spec(bytes)
        case .campaign: YAMLHarness.campaign(bytes)
        case .model: ModelHarness.run(bytes)
        case .archetypes: YAMLHarness.archetypes(bytes)
        case .json: BodyHarness.run(bytes)
        }
    }
}

/// Loaders read paths, as the commands do: each input goes to one file in a private folder (on
/// tmpfs when there is one), rewritten for every input.
enum Scratch {
    private static let folder: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = base + "/ciblage-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.folder) }
        return path
    }()

    static func write<Bytes: Collection>(_ bytes: Bytes, name: String) -> String where Bytes.Element == UInt8 {
        let path = folder + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("ciblage-fuzz: cannot write the scratch file \(path)")
        }
        return path
    }
}

/// Stops the run: the property named does not hold for this input.
func propertyBroken(_ property: String, _ details: @autoclosure () -> String = "") -> Never {
    let more = details()
    fatalError("property broken: \(property)" + (more.isEmpty ? "" : "\n" + more))
}
