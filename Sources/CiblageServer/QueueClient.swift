import ControlQueue
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The controller's operations through a server's JSON API instead of the store: what
/// `ciblage queue next|list|close|release --server URL` uses, with the API token of CIBLAGE_TOKEN.
/// The server then does the authorisation, the leases and the audit log exactly as for its pages.
public struct QueueClient: Sendable {
    public let base: URL
    let token: String

    public init(server: String, token: String?) throws {
        guard let url = URL(string: server), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw QueueError("{server} must be an http:// or https:// URL, got \(server.debugDescription)")
        }
        guard let token, !token.isEmpty else { throw QueueError("{server} needs CIBLAGE_TOKEN (from 'ciblage users token NAME')", kind: .forbidden) }
        base = url; self.token = token
    }

    /// Pulls the best free item of the token's user; nil when nothing is left.
    public func next(channel: ChannelKind?, sector: String?) throws -> QueueItem? {
        var body: [String: String] = [:]
        if let channel { body["channel"] = channel.rawValue }
        if let sector { body["sector"] = sector }
        let (status, data) = try call("POST", "/api/v1/queue/next", body: body)
        if status == 204 { return nil }
        return try Self.decodeItem(data)
    }

    public func items() throws -> [QueueItem] {
        let (_, data) = try call("GET", "/api/v1/items", body: nil)
        return try Self.decoder.decode([ItemJSON].self, from: data).map(\.queueItem)
    }

    public func close(item: Int64, outcome: Outcome) throws {
        var body: [String: Any] = ["indu": outcome.indu, "rappel": outcome.rappel, "fraud": outcome.fraud, "judgement": outcome.judgement.rawValue]
        if let months = outcome.induMonths { body["induMonths"] = months }
        if let reason = outcome.judgementReason { body["reason"] = reason }
        _ = try call("POST", "/api/v1/items/\(item)/close", body: body)
    }

    public func release(item: Int64) throws { _ = try call("POST", "/api/v1/items/\(item)/release", body: [String: String]()) }

    /// One request; a refusal of the server becomes the `QueueError` of the same meaning.
    private func call(_ method: String, _ path: String, body: Any?) throws -> (Int, Data) {
        var request = URLRequest(url: base.appendingPathComponent(path))
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let box = Reply(), done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.data = data; box.status = (response as? HTTPURLResponse)?.statusCode; box.error = error
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 60) == .success else { throw QueueError("\(base): no answer within 60 s", kind: .unavailable) }
        guard let status = box.status else {
            throw QueueError("\(base) cannot be reached: \(box.error.map { String(describing: $0) } ?? "no answer")", kind: .unavailable)
        }
        let data = box.data ?? Data()
        guard (200..<300).contains(status) else {
            let message = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["error"] as? String ?? "HTTP \(status)"
            let kind: QueueError.Kind = switch status {
            case 401, 403: .forbidden
            case 404: .notFound
            case 409: .conflict
            case 503: .unavailable
            default: .invalid
            }
            throw QueueError("the server refused: \(message) (HTTP \(status))", kind: kind)
        }
        return (status, data)
    }

    private final class Reply: @unchecked Sendable { var data: Data?; var status: Int?; var error: (any Error)? }

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    static func decodeItem(_ data: Data) throws -> QueueItem { try decoder.decode(ItemJSON.self, from: data).queueItem }
}
