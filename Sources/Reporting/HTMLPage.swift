/// The frame of every Ciblage report page: one style sheet, the page around a body, escaping.
public enum HTMLPage {
    /// The style sheet of every Ciblage report page.
    public static let css = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}
        .grid{display:flex;flex-wrap:wrap;gap:18px}.grid svg{border:1px solid #ddd;background:#fff}
        table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
        td:first-child,th:first-child{text-align:left}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;vertical-align:middle}
        .flag{color:#b00020}.muted{color:#777}.doc td{text-align:left}
        """

    /// A complete page around `body`.
    public static func page(title: String, body: String) -> String {
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>\(escape(title))</title><style>\(css)</style></head><body>"
            + body + "<p style='color:#666;font-size:12px'>Produit par Ciblage. Le score sert à sélectionner des dossiers pour contrôle ; la décision revient à un agent.</p></body></html>\n"
    }

    /// Escapes text for an element or a quoted attribute: & < > " '.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
