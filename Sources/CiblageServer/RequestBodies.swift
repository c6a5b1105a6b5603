import Foundation
import Hummingbird

/// A JSON object body read strictly: malformed JSON is 400; an unknown field, a wrong type or a
/// missing required field is 422 with the field named. Nothing is changed before a body is accepted.
package struct JSONBody: Sendable {
    private let object: [String: any Sendable]

    /// - Parameter limit: the body's largest size (64 KiB; a model's registration carries its artifact).
    init(_ request: Request, context: ServerContext, allowed: Set<String>, limit: Int = ServerConfiguration.maximumBodyBytes) async throws {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw ServerError(.contentTooLarge, "the body is larger than \(limit) bytes")
        }
        try self.init(data: Data(buffer.readableBytesView), allowed: allowed)
    }

    /// The body's bytes checked against the fields a route allows (`package`: the fuzzing harness
    /// feeds it directly, without a server).
    package init(data: Data, allowed: Set<String>) throws {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data.isEmpty ? Data("{}".utf8) : data, options: [.fragmentsAllowed]) } catch {
            throw ServerError(.badRequest, "the body is not valid JSON")
        }
        guard let dictionary = parsed as? [String: Any] else { throw ServerError(.badRequest, "the body must be a JSON object") }
        for key in dictionary.keys.sorted() where !allowed.contains(key) {
            throw ServerError(.unprocessableContent, "unknown field \(key.debugDescription); expected one of \(allowed.sorted().joined(separator: ", "))", field: key)
        }
        var object: [String: any Sendable] = [:]
        for (k, v) in dictionary {
            switch v {
            case let n as NSNumber: object[k] = n
            case let s as String: object[k] = s
            case is NSNull: break
            default: object[k] = "\u{0}compound"  // arrays and objects: refused by every accessor below
            }
        }
        self.object = object
    }

    package func has(_ key: String) -> Bool { object[key] != nil }

    package func string(_ key: String, required: Bool = false, maxLength: Int = 4096) throws -> String? {
        guard let v = object[key] else {
            if required { throw ServerError(.unprocessableContent, "\(key) is required", field: key) }
            return nil
        }
        guard let s = v as? String, !s.hasPrefix("\u{0}") else { throw ServerError(.unprocessableContent, "\(key) must be a string", field: key) }
        guard s.count <= maxLength else { throw ServerError(.unprocessableContent, "\(key) must be at most \(maxLength) characters", field: key) }
        return s
    }

    package func number(_ key: String, required: Bool = false) throws -> Double? {
        guard let v = object[key] else {
            if required { throw ServerError(.unprocessableContent, "\(key) is required", field: key) }
            return nil
        }
        guard let n = v as? NSNumber, !Self.isBoolean(n), n.doubleValue.isFinite else {
            throw ServerError(.unprocessableContent, "\(key) must be a number", field: key)
        }
        return n.doubleValue
    }

    package func integer(_ key: String, required: Bool = false) throws -> Int? {
        guard let d = try number(key, required: required) else { return nil }
        guard d == d.rounded(), abs(d) < 1e9 else { throw ServerError(.unprocessableContent, "\(key) must be a whole number", field: key) }
        return Int(d)
    }

    package func boolean(_ key: String, required: Bool = false) throws -> Bool? {
        guard let v = object[key] else {
            if required { throw ServerError(.unprocessableContent, "\(key) is required", field: key) }
            return nil
        }
        guard let n = v as? NSNumber, Self.isBoolean(n) else { throw ServerError(.unprocessableContent, "\(key) must be true or false", field: key) }
        return n.boolValue
    }

    /// JSON `true`/`false` arrive as NSNumber too; only their type code (`c`, where numbers have
    /// `i`, `q` or `d`) tells them from 1 and 0.
    private static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }
}

/// An `application/x-www-form-urlencoded` body (the pages' forms), decoded into fields.
package struct FormBody: Sendable {
    let fields: [String: String]

    init(_ request: Request) async throws {
        let buffer = try await request.body.collect(upTo: ServerConfiguration.maximumBodyBytes)
        fields = Self.decode(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    package static func decode(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func unescape(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let key = unescape(parts[0])
            guard !key.isEmpty, out[key] == nil else { continue }
            out[key] = parts.count > 1 ? unescape(parts[1]) : ""
        }
        return out
    }

    subscript(_ key: String) -> String? { fields[key] }
}
