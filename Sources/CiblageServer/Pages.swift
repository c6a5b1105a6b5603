import ControlQueue
import Foundation
import Hummingbird
import Mustache

/// The template library and the French formatting of numbers the pages show.
struct Pages: Sendable {
    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in Templates.all { try library.register(text, named: name) }
        self.library = library
    }

    func render(_ name: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(context, withTemplate: name) ?? "<!doctype html><title>Ciblage</title><p>page indisponible</p>"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    func error(_ refusal: ServerError) -> Response {
        let heading: String
        switch refusal.status {
        case .notFound: heading = "Introuvable"
        case .forbidden: heading = "Accès refusé"
        case .conflict: heading = "Opération impossible"
        case .tooManyRequests: heading = "Trop de tentatives"
        case .contentTooLarge: heading = "Requête trop volumineuse"
        case .internalServerError: heading = "Erreur interne"
        default: heading = "Requête refusée"
        }
        let message = refusal.status == .notFound ? "Cette page n'existe pas ou ne vous est pas accessible." : refusal.message
        return render("erreur", ["title": heading, "heading": heading, "message": message], status: refusal.status)
    }
}

/// French number formats: `12 345,67 €`, `4,2 %`.
enum French {
    static func euros(_ x: Double) -> String { grouped(x, decimals: 2) + " €" }
    static func percent(_ x: Double, decimals: Int = 1) -> String { grouped(100 * x, decimals: decimals) + " %" }
    static func number(_ x: Double, decimals: Int) -> String { grouped(x, decimals: decimals) }

    static func grouped(_ x: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", abs(x))
        let parts = text.split(separator: ".")
        var integer = String(parts[0]), out = ""
        while integer.count > 3 { out = "\u{202F}" + integer.suffix(3) + out; integer = String(integer.dropLast(3)) }
        out = integer + out
        if parts.count > 1 { out += "," + parts[1] }
        return (x < 0 ? "−" : "") + out
    }

    static func state(_ s: ModelState) -> String {
        switch s {
        case .registered: "enregistrée, en attente d'approbation"
        case .approved: "approuvée"
        case .retired: "retirée"
        }
    }

    static func validity(_ v: ModelVersion) -> String {
        "du \(v.validFrom) " + (v.validUntil.map { "au \($0)" } ?? "jusqu'à son retrait")
    }

    /// "3 h 59 min" left on a lease, or "expiré".
    static func remaining(until date: Date?, now: Date = Date()) -> String? {
        guard let date else { return nil }
        let seconds = Int(date.timeIntervalSince(now))
        guard seconds > 0 else { return "expiré" }
        return seconds >= 3600 ? "\(seconds / 3600) h \((seconds % 3600) / 60) min" : "\(max(1, seconds / 60)) min"
    }

    static func dateTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR"); f.timeZone = TimeZone(identifier: "Europe/Paris"); f.dateFormat = "dd/MM/yyyy HH:mm"
        return f.string(from: date)
    }

    static func channel(_ c: ChannelKind) -> String {
        switch c {
        case .surPlace: return "contrôle sur place"
        case .surPieces: return "contrôle sur pièces"
        case .verification: return "vérification d'un acte de traitement"
        case .sms: return "SMS d'information sur un droit"
        case .courrier: return "courrier d'information sur un droit"
        case .appel: return "appel sortant (accès aux droits)"
        case .rdv: return "rendez-vous des droits"
        }
    }
}
