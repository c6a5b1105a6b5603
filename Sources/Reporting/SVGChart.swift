import Foundation

/// A line, scatter or bar chart as inline SVG, drawn by hand (no script, no network) for every
/// Ciblage report: evaluation, audit. Text is escaped; colours are the caller's constants.
public struct SVGChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xMax = 1.0, yMax = 1.0
    public var width = 420.0, height = 320.0
    let left = 56.0, bottom = 44.0, top = 30.0, right = 16.0
    var body = ""

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    public func x(_ v: Double) -> Double { left + v / xMax * (width - left - right) }
    public func y(_ v: Double) -> Double { height - bottom - v / yMax * (height - bottom - top) }

    public mutating func polyline(_ points: [(Double, Double)], color: String, width w: Double = 2, dash: String? = nil) {
        let p = points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
        body += "<polyline fill='none' stroke='\(color)' stroke-width='\(w)'\(dash.map { " stroke-dasharray='\($0)'" } ?? "") points='\(p)'/>"
    }
    public mutating func dots(_ points: [(Double, Double)], color: String) {
        for (a, b) in points { body += String(format: "<circle cx='%.1f' cy='%.1f' r='4' fill='%@'/>", x(a), y(b), color) }
    }
    public mutating func bars(_ values: [Double], color: String, offset: Double = 0, share: Double = 1) {
        let n = Double(values.count), slot = (width - left - right) / n
        for (k, v) in values.enumerated() {
            let x0 = left + Double(k) * slot + slot * (0.1 + 0.8 * offset), w = slot * 0.8 * share
            body += String(format: "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%@'/>", x0, y(v), w, max(0, y(0) - y(v)), color)
        }
    }
    /// Vertical interval bars centred on each slot (same slots as `bars`).
    public mutating func intervals(_ values: [(Double, Double)?], color: String, offset: Double = 0, share: Double = 1) {
        let n = Double(values.count), slot = (width - left - right) / n
        for (k, v) in values.enumerated() {
            guard let (lo, hi) = v else { continue }
            let cx = left + Double(k) * slot + slot * (0.1 + 0.8 * offset) + slot * 0.4 * share
            body += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%@' stroke-width='1.5'/>", cx, y(lo), cx, y(hi), color)
            body += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%@'/>", cx - 4, y(lo), cx + 4, y(lo), color)
            body += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%@'/>", cx - 4, y(hi), cx + 4, y(hi), color)
        }
    }
    public func svg(xTicks: [String]? = nil) -> String {
        var s = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' role='img' aria-label='\(HTMLPage.escape(title))'>"
        s += "<text x='\(width / 2)' y='18' text-anchor='middle' font-weight='bold'>\(HTMLPage.escape(title))</text>"
        s += "<line x1='\(left)' y1='\(y(0))' x2='\(width - right)' y2='\(y(0))' stroke='#333'/><line x1='\(left)' y1='\(y(0))' x2='\(left)' y2='\(top)' stroke='#333'/>"
        for k in 0...4 {
            let v = yMax * Double(k) / 4
            s += String(format: "<text x='%.1f' y='%.1f' text-anchor='end' font-size='11'>%@</text>", left - 6, y(v) + 4, fmt(v))
            s += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#eee'/>", left, y(v), width - right, y(v))
        }
        if let xTicks {
            let slot = (width - left - right) / Double(xTicks.count)
            for (k, t) in xTicks.enumerated() {
                s += String(format: "<text x='%.1f' y='%.1f' text-anchor='middle' font-size='11'>%@</text>", left + slot * (Double(k) + 0.5), y(0) + 16, HTMLPage.escape(t))
            }
        } else {
            for k in 0...4 {
                let v = xMax * Double(k) / 4
                s += String(format: "<text x='%.1f' y='%.1f' text-anchor='middle' font-size='11'>%@</text>", x(v), y(0) + 16, fmt(v))
            }
        }
        s += "<text x='\((left + width - right) / 2)' y='\(height - 6)' text-anchor='middle' font-size='12'>\(HTMLPage.escape(xLabel))</text>"
        s += "<text transform='translate(14,\((top + height - bottom) / 2)) rotate(-90)' text-anchor='middle' font-size='12'>\(HTMLPage.escape(yLabel))</text>"
        return s + body + "</svg>"
    }
    func fmt(_ v: Double) -> String {
        v >= 10 ? String(format: "%.0f", v) : v == 0 || v >= 0.1 ? String(format: "%.2f", v) : String(format: "%.3f", v)
    }
}

