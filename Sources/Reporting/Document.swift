import Foundation

/// A small structured document rendered to both Markdown and HTML, so the two outputs of the model
/// card cannot say different things.
public struct Document: Sendable {
    public enum Block: Sendable {
        case paragraph(String)
        case list([String])
        case table(header: [String], rows: [[String]])
    }

    public struct Section: Sendable {
        public var title: String
        public var blocks: [Block]
        public init(_ title: String, _ blocks: [Block]) { self.title = title; self.blocks = blocks }
    }

    public var title: String
    public var sections: [Section]

    public init(title: String, sections: [Section]) { self.title = title; self.sections = sections }

    public var markdown: String {
        var out = "# \(title)\n"
        for s in sections {
            out += "\n## \(s.title)\n"
            for b in s.blocks {
                switch b {
                case .paragraph(let t): out += "\n\(t)\n"
                case .list(let items): out += "\n" + items.map { "- \($0)\n" }.joined()
                case .table(let header, let rows):
                    func cells(_ r: [String]) -> String { "| " + r.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
                    out += "\n" + cells(header) + "|" + header.map { _ in "---|" }.joined() + "\n" + rows.map(cells).joined()
                }
            }
        }
        return out
    }

    public var html: String {
        typealias E = HTMLPage
        var body = "<h1>\(E.escape(title))</h1>"
        for s in sections {
            body += "<h2>\(E.escape(s.title))</h2>"
            for b in s.blocks {
                switch b {
                case .paragraph(let t): body += "<p>\(inline(t))</p>"
                case .list(let items): body += "<ul>" + items.map { "<li>\(inline($0))</li>" }.joined() + "</ul>"
                case .table(let header, let rows):
                    body += "<table class='doc'><tr>" + header.map { "<th>\(inline($0))</th>" }.joined() + "</tr>"
                        + rows.map { "<tr>" + $0.map { "<td>\(inline($0))</td>" }.joined() + "</tr>" }.joined() + "</table>"
                }
            }
        }
        return HTMLPage.page(title: title, body: body)
    }

    /// Escapes, then renders the two Markdown marks the card uses: **bold** and `code`.
    func inline(_ text: String) -> String {
        var s = HTMLPage.escape(text)
        for (mark, tag) in [("**", "b"), ("`", "code")] {
            var parts = s.components(separatedBy: mark)
            guard parts.count >= 3 else { continue }
            var out = parts.removeFirst()
            for (k, p) in parts.enumerated() { out += (k % 2 == 0 ? "<\(tag)>" : "</\(tag)>") + p }
            if parts.count % 2 == 1 { out += "</\(tag)>" }
            s = out
        }
        return s
    }
}
