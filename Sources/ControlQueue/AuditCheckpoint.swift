import CiblageSupport
import Crypto
import Foundation

/// The public half of the key that signs audit checkpoints, as hex of its 32 raw bytes.
public struct AuditPublicKey: Equatable, Sendable {
    /// The 32 raw bytes (checked to be a valid key when made).
    public let raw: [UInt8]
    public init(_ key: Curve25519.Signing.PublicKey) { raw = Array(key.rawRepresentation) }
    public init(raw: [UInt8]) throws { _ = try Curve25519.Signing.PublicKey(rawRepresentation: raw); self.raw = raw }
    var key: Curve25519.Signing.PublicKey { try! Curve25519.Signing.PublicKey(rawRepresentation: raw) }
    public var hex: String { raw.map { String(format: "%02x", $0) }.joined() }

    /// Reads a key file written by `AuditSigningKey.generate` (`KEY.pub`: one line of hex).
    public static func load(path: String) throws -> AuditPublicKey {
        do { return try AuditPublicKey(raw: try hexBytes(fromFile: path)) } catch let e as QueueError {
            throw e
        } catch {
            throw QueueError("\(path): not an Ed25519 public key (64 hexadecimal digits): \(error)")
        }
    }
}

/// The private key that signs checkpoints. It lives outside the store (a file readable by the
/// planning account only): whoever can write the store must not be able to sign.
public enum AuditSigningKey {
    /// Writes a new key to `path` (mode 0600) and its public half to `path.pub`; refuses to overwrite.
    public static func generate(path: String) throws -> AuditPublicKey {
        guard !FileManager.default.fileExists(atPath: path) else { throw QueueError("{key} \(path) exists already: a signing key is never overwritten") }
        let key = Curve25519.Signing.PrivateKey()
        let hex = key.rawRepresentation.map { String(format: "%02x", $0) }.joined() + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(hex.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw QueueError("{key} \(path): cannot be written")
        }
        let pub = AuditPublicKey(key.publicKey)
        try Data((pub.hex + "\n").utf8).write(to: URL(fileURLWithPath: path + ".pub"), options: .atomic)
        return pub
    }

    public static func load(path: String) throws -> Curve25519.Signing.PrivateKey {
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: try hexBytes(fromFile: path)) } catch let e as QueueError {
            throw e
        } catch {
            throw QueueError("{key} \(path): not an Ed25519 private key (64 hexadecimal digits): \(error)")
        }
    }
}

/// 32 bytes written as one line of hex.
func hexBytes(fromFile path: String) throws -> [UInt8] {
    guard let text = try? WholeFile.text(path) else { throw QueueError("\(path): cannot read the key file") }
    let hex = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard hex.utf8.count == 64 else { throw QueueError("\(path): expected 64 hexadecimal digits, found \(hex.utf8.count) characters") }
    guard let bytes = AuditCheckpoint.bytes(hex: hex) else { throw QueueError("\(path): not hexadecimal") }
    return bytes
}

/// A signed statement of the head of the audit chain: "entry `sequence` has hash `hash`".
///
/// A hash chain shows an entry altered, removed or reordered, but not its own end cut off (the
/// shorter chain is still a valid chain), nor a chain rebuilt from some entry on with consistent
/// hashes by someone who can write the store. A checkpoint kept outside the store, signed with a
/// key the store's writers do not hold, pins the head: a later chain must still contain entry
/// `sequence` with exactly that hash.
public struct AuditCheckpoint: Codable, Equatable, Sendable {
    public var sequence: Int64
    public var hash: String
    /// When it was signed (seconds since 1970).
    public var time: Double
    /// The signer's public key (hex), to tell which key was used; verification trusts only the key it is given.
    public var publicKey: String
    /// Ed25519 signature (hex) of `message`.
    public var signature: String

    /// What is signed: a fixed prefix, then the sequence number, hash and time.
    public var message: Data { Data("ciblage-audit-checkpoint|v1|\(sequence)|\(hash)|\(time)".utf8) }

    /// Signs the head of `entries` (nil for an empty log).
    public static func sign(head entries: [AuditEntry], at time: Date, with key: Curve25519.Signing.PrivateKey) throws -> AuditCheckpoint? {
        guard let last = entries.last else { return nil }
        var c = AuditCheckpoint(sequence: last.seq, hash: last.hash, time: time.timeIntervalSince1970,
                                publicKey: AuditPublicKey(key.publicKey).hex, signature: "")
        c.signature = try key.signature(for: c.message).map { String(format: "%02x", $0) }.joined()
        return c
    }

    /// Why the log does not agree with this checkpoint, or nil when it does.
    public func check(against entries: [AuditEntry], trusting key: AuditPublicKey) -> String? {
        let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: time))
        guard let bytes = Self.bytes(hex: signature), key.key.isValidSignature(bytes, for: message) else {
            return "checkpoint of entry \(sequence) (signed \(when)): the signature does not verify with the trusted key: the checkpoint was edited or signed by another key"
        }
        let last = entries.last?.seq ?? 0
        guard sequence <= last else {
            return "entries \(last + 1) to \(sequence) are missing: the log ends at entry \(last), but a checkpoint signed \(when) saw entry \(sequence) (the newest entries were deleted)"
        }
        guard let entry = entries.first(where: { $0.seq == sequence }), entry.hash == hash else {
            return "entry \(sequence) is not the one signed \(when): its hash differs from the checkpoint, so the chain was rewritten from that entry or before"
        }
        return nil
    }

    static func bytes(hex: String) -> [UInt8]? {
        let h = Array(hex.utf8)
        guard h.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for k in stride(from: 0, to: h.count, by: 2) {
            guard let b = UInt8(String(decoding: h[k..<(k + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }
}

/// The checkpoints kept outside the store: one JSON object per line, appended (temporary file and
/// rename, so a crash leaves the previous file whole).
public enum AuditCheckpointLog {
    public static func read(path: String) throws -> [AuditCheckpoint] {
        guard let text = try? WholeFile.text(path) else { throw QueueError("{checkpoint} \(path): cannot read the file") }
        var out: [AuditCheckpoint] = []
        for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do { out.append(try JSONDecoder().decode(AuditCheckpoint.self, from: Data(line.utf8))) } catch {
                throw QueueError("{checkpoint} \(path), line \(k + 1): not a checkpoint (\(error))")
            }
        }
        guard !out.isEmpty else { throw QueueError("{checkpoint} \(path): no checkpoint in the file") }
        return out
    }

    public static func append(_ checkpoint: AuditCheckpoint, to path: String) throws {
        let previous = FileManager.default.fileExists(atPath: path) ? Data(try WholeFile.bytes(path)) : Data()
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
        var data = previous
        if let last = data.last, last != 0x0A { data.append(0x0A) }
        data.append(try e.encode(checkpoint)); data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
