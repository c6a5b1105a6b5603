import CiblageServer
import Foundation

/// The server's request bodies, as `JSONBody` reads them for each route's fields, then as the close
/// route turns one into an outcome; and the same bytes as a form body.
///
/// Properties: a JSON body is accepted or refused with 400 (not JSON, not an object) or 422 (a field
/// named); every refusal of a field names a field of the route; form decoding keeps the first of a
/// repeated key and never yields an empty key.
enum BodyHarness {
    /// The routes' field sets, from `APIRoutes`.
    private static let routes: [Set<String>] = [
        ["user", "password"], ["channel", "sector"], ["indu", "rappel", "induMonths", "fraud", "judgement", "reason"],
        [], ["controller"], ["name", "role", "sectors", "password"],
    ]

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let data = Data(bytes)
        for allowed in routes {
            let body: JSONBody
            do { body = try JSONBody(data: data, allowed: allowed) } catch { check(error, allowed: allowed); continue }
            for key in allowed.sorted() {
                do { _ = try body.string(key) } catch { check(error, allowed: allowed) }
                do { _ = try body.number(key) } catch { check(error, allowed: allowed) }
                do { _ = try body.integer(key) } catch { check(error, allowed: allowed) }
                do { _ = try body.boolean(key) } catch { check(error, allowed: allowed) }
            }
            if allowed.contains("judgement") {
                do { _ = try APIRoutes.outcome(from: body) } catch { check(error, allowed: allowed) }
            }
        }
        let fields = FormBody.decode(String(decoding: bytes, as: UTF8.self))
        guard !fields.keys.contains("") else { propertyBroken("a form body has no empty key") }
    }

    private static func check(_ error: any Error, allowed: Set<String>) {
        guard let refusal = error as? ServerError else {
            propertyBroken("a body is refused with a ServerError", "\(type(of: error)): \(error)")
        }
        switch refusal.status.code {
        case 400: guard refusal.field == nil else { propertyBroken("a 400 names no field", refusal.message) }
        case 422:
            guard let field = refusal.field else { propertyBroken("a 422 names its field", refusal.message) }
            // An unknown field is named as sent; every other refusal names one of the route's.
            guard allowed.contains(field) || refusal.message.hasPrefix("unknown field") else {
                propertyBroken("a 422 names a field of the route", "\(field): \(refusal.message)")
            }
        default: propertyBroken("a body is refused with 400 or 422", "\(refusal.status.code): \(refusal.message)")
        }
    }
}
