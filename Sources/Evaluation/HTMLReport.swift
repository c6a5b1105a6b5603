import Foundation
import RiskModel

/// A self-contained HTML page (no script, no network): charts are inline SVG drawn here.
public enum HTMLReport {
    /// A line or scatter chart on [0, xMax] × [0, yMax] with axes, ticks and an optional diagonal.
    package struct Chart {
        package var title: String
        package var xLabel: String
        package var yLabel: String
        package var xMax = 1.0, yMax = 1.0
        package var width = 420.0, height = 320.0
        let left = 56.0, bottom = 44.0, top = 30.0, right = 16.0
        var body = ""

        package init(title: String, xLabel: String, yLabel: String) {
            self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        }

        package func x(_ v: Double) -> Double { left + v / xMax * (width - left - right) }
        package func y(_ v: Double) -> Double { height - bottom - v / yMax * (height - bottom - top) }

        package mutating func polyline(_ points: [(Double, Double)], color: String, width w: Double = 2, dash: String? = nil) {
            let p = points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
            body += "<polyline fill='none' stroke='\(color)' stroke-width='\(w)'\(dash.map { " stroke-dasharray='\($0)'" } ?? "") points='\(p)'/>"
        }
        package mutating func dots(_ points: [(Double, Double)], color: String) {
            for (a, b) in points { body += String(format: "<circle cx='%.1f' cy='%.1f' r='4' fill='%@'/>", x(a), y(b), color) }
        }
        package mutating func bars(_ values: [Double], color: String, offset: Double = 0, share: Double = 1) {
            let n = Double(values.count), slot = (width - left - right) / n
            for (k, v) in values.enumerated() {
                let x0 = left + Double(k) * slot + slot * (0.1 + 0.8 * offset), w = slot * 0.8 * share
                body += String(format: "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%@'/>", x0, y(v), w, max(0, y(0) - y(v)), color)
            }
        }
        /// Vertical interval bars centred on each slot (same slots as `bars`).
        package mutating func intervals(_ values: [(Double, Double)?], color: String, offset: Double = 0, share: Double = 1) {
            let n = Double(values.count), slot = (width - left - right) / n
            for (k, v) in values.enumerated() {
                guard let (lo, hi) = v else { continue }
                let cx = left + Double(k) * slot + slot * (0.1 + 0.8 * offset) + slot * 0.4 * share
                body += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%@' stroke-width='1.5'/>", cx, y(lo), cx, y(hi), color)
                body += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%@'/>", cx - 4, y(lo), cx + 4, y(lo), color)
                body += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%@'/>", cx - 4, y(hi), cx + 4, y(hi), color)
            }
        }
        package func svg(xTicks: [String]? = nil) -> String {
            var s = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' role='img' aria-label='\(title)'>"
            s += "<text x='\(width / 2)' y='18' text-anchor='middle' font-weight='bold'>\(title)</text>"
            s += "<line x1='\(left)' y1='\(y(0))' x2='\(width - right)' y2='\(y(0))' stroke='#333'/><line x1='\(left)' y1='\(y(0))' x2='\(left)' y2='\(top)' stroke='#333'/>"
            for k in 0...4 {
                let v = yMax * Double(k) / 4
                s += String(format: "<text x='%.1f' y='%.1f' text-anchor='end' font-size='11'>%@</text>", left - 6, y(v) + 4, fmt(v))
                s += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#eee'/>", left, y(v), width - right, y(v))
            }
            if let xTicks {
                let slot = (width - left - right) / Double(xTicks.count)
                for (k, t) in xTicks.enumerated() {
                    s += String(format: "<text x='%.1f' y='%.1f' text-anchor='middle' font-size='11'>%@</text>", left + slot * (Double(k) + 0.5), y(0) + 16, t)
                }
            } else {
                for k in 0...4 {
                    let v = xMax * Double(k) / 4
                    s += String(format: "<text x='%.1f' y='%.1f' text-anchor='middle' font-size='11'>%@</text>", x(v), y(0) + 16, fmt(v))
                }
            }
            s += "<text x='\((left + width - right) / 2)' y='\(height - 6)' text-anchor='middle' font-size='12'>\(xLabel)</text>"
            s += "<text transform='translate(14,\((top + height - bottom) / 2)) rotate(-90)' text-anchor='middle' font-size='12'>\(yLabel)</text>"
            return s + body + "</svg>"
        }
        func fmt(_ v: Double) -> String {
            v >= 10 ? String(format: "%.0f", v) : v == 0 || v >= 0.1 ? String(format: "%.2f", v) : String(format: "%.3f", v)
        }
    }

    /// The style sheet of every Ciblage report page.
    package static let css = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}
        .grid{display:flex;flex-wrap:wrap;gap:18px}.grid svg{border:1px solid #ddd;background:#fff}
        table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
        td:first-child,th:first-child{text-align:left}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;vertical-align:middle}
        .flag{color:#b00020}.muted{color:#777}.doc td{text-align:left}
        """

    /// A complete page around `body`.
    package static func page(title: String, body: String) -> String {
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>\(escape(title))</title><style>\(css)</style></head><body>"
            + body + "<p style='color:#666;font-size:12px'>Produit par Ciblage. Le score sert à sélectionner des dossiers pour contrôle ; la décision revient à un agent.</p></body></html>\n"
    }

    package static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    public static func render(_ r: EvaluationReport, title: String = "Ciblage — rapport d'évaluation") -> String {
        let blue = "#1f5fa8", orange = "#d9661f", grey = "#999"
        var roc = Chart(title: "Courbe ROC (AUC \(String(format: "%.3f", r.metrics["auc"]?.estimate ?? .nan)))", xLabel: "taux de faux positifs", yLabel: "taux de vrais positifs")
        roc.polyline([(0, 0), (1, 1)], color: grey, width: 1, dash: "4 4")
        roc.polyline(r.roc.map { ($0.falsePositiveRate, $0.truePositiveRate) }, color: blue)

        var gains = Chart(title: "Gains cumulés", xLabel: "part des dossiers contrôlés (déciles de score)", yLabel: "part captée")
        gains.polyline([(0, 0), (1, 1)], color: grey, width: 1, dash: "4 4")
        let n = Double(r.lift.count)
        gains.polyline([(0, 0)] + r.lift.enumerated().map { (Double($0.offset + 1) / n, $0.element.cumulativeGain) }, color: blue)
        if r.lift.first?.cumulativeEuroShare != nil {
            gains.polyline([(0, 0)] + r.lift.enumerated().map { (Double($0.offset + 1) / n, $0.element.cumulativeEuroShare ?? 0) }, color: orange, dash: "6 3")
        }

        var lift = Chart(title: "Lift par décile", xLabel: "décile (1 = scores les plus hauts)", yLabel: "lift")
        lift.yMax = max(1, (r.lift.map(\.lift).max() ?? 1) * 1.1)
        lift.bars(r.lift.map(\.lift), color: blue)

        var calibration = Chart(title: "Calibration (déciles)", xLabel: "probabilité prédite moyenne", yLabel: "taux observé")
        let cmax = min(1, max(0.05, (r.calibration.flatMap { [$0.meanPredicted, $0.observedRate] }.max() ?? 1) * 1.1))
        calibration.xMax = cmax; calibration.yMax = cmax
        calibration.polyline([(0, 0), (cmax, cmax)], color: grey, width: 1, dash: "4 4")
        calibration.dots(r.calibration.map { ($0.meanPredicted, $0.observedRate) }, color: blue)

        var histogram = Chart(title: "Distribution des scores par issue", xLabel: "score", yLabel: "part des dossiers")
        let pTotal = max(1e-300, r.scoreHistogram.positives.reduce(0, +)), nTotal = max(1e-300, r.scoreHistogram.negatives.reduce(0, +))
        let pShare = r.scoreHistogram.positives.map { $0 / pTotal }, nShare = r.scoreHistogram.negatives.map { $0 / nTotal }
        histogram.yMax = max(0.05, (pShare + nShare).max()! * 1.1)
        histogram.bars(nShare, color: grey, offset: 0, share: 0.5)
        histogram.bars(pShare, color: orange, offset: 0.5, share: 0.5)

        var html = """
            <!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>\(css)</style></head><body>
            <h1>\(escape(title))</h1>
            <p>Modèle <code>\(escape(r.model))</code>, données <code>\(escape(r.data))</code> : \(r.rows) dossiers\(r.weighted ? " (pondérés)" : ""), prévalence \(String(format: "%.2f %%", 100 * r.prevalence)).
            Intervalles de confiance à 95 % par bootstrap (\(r.bootstrapReplicates) réplications, graine \(r.seed)).</p>
            <div class="grid">\(roc.svg())\(gains.svg())\(lift.svg(xTicks: r.lift.map { "\($0.decile)" }))\(calibration.svg())\(histogram.svg(xTicks: (0..<20).map { $0 % 4 == 0 ? String(format: "%.1f", Double($0) / 20) : "" }))</div>
            <p class="legend">Gains : <span style="background:\(blue)"></span>dossiers positifs<span style="background:\(orange)"></span>euros d'indu. Distribution : <span style="background:\(grey)"></span>issue 0<span style="background:\(orange)"></span>issue 1.</p>
            <h2>Indicateurs</h2><table><tr><th>indicateur</th><th>valeur</th><th>IC 95 % bas</th><th>IC 95 % haut</th></tr>
            """
        for name in r.metrics.keys.sorted() {
            let m = r.metrics[name]!
            html += "<tr><td>\(escape(name))</td><td>\(String(format: "%.4f", m.estimate))</td><td>\(m.lower.isNaN ? "—" : String(format: "%.4f", m.lower))</td><td>\(m.upper.isNaN ? "—" : String(format: "%.4f", m.upper))</td></tr>"
        }
        let hl = r.hosmerLemeshow
        html += "</table><p>Hosmer–Lemeshow (10 groupes) : χ² = \(String(format: "%.3f", hl.statistic)), ddl = \(hl.degreesOfFreedom), p = \(String(format: "%.4f", hl.pValue)).</p>"
        html += "<h2>Coefficients</h2>"
        // Forest plot of the estimates with their 95% intervals, then the table.
        let shown = r.coefficients.filter { $0.term != "Intercept" }
        if !shown.isEmpty, shown.allSatisfy({ $0.ciLower != nil }) {
            let lo = shown.map { $0.ciLower! }.min()!, hi = shown.map { $0.ciUpper! }.max()!
            let span = max(1e-9, hi - lo), rowH = 18.0, w = 760.0, labelW = 260.0
            var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(w))' height='\(Int(Double(shown.count) * rowH + 30))' role='img' aria-label='coefficients'>"
            func px(_ v: Double) -> Double { labelW + (v - lo) / span * (w - labelW - 20) }
            svg += String(format: "<line x1='%.1f' y1='0' x2='%.1f' y2='%.1f' stroke='#999' stroke-dasharray='3 3'/>", px(0), px(0), Double(shown.count) * rowH)
            for (k, c) in shown.enumerated() {
                let yy = Double(k) * rowH + 12
                svg += "<text x='\(labelW - 8)' y='\(yy + 4)' text-anchor='end' font-size='11'>\(escape(c.term))</text>"
                svg += String(format: "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%@' stroke-width='2'/>", px(c.ciLower!), yy, px(c.ciUpper!), yy, blue)
                svg += String(format: "<circle cx='%.1f' cy='%.1f' r='3.5' fill='%@'/>", px(c.estimate), yy, orange)
            }
            svg += String(format: "<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle'>0</text></svg>", px(0), Double(shown.count) * rowH + 24)
            html += svg
        }
        html += "<table><tr><th>terme</th><th>coef</th><th>err. std</th><th>z</th><th>P&gt;|z|</th><th>IC 95 %</th><th>odds ratio</th></tr>"
        for c in r.coefficients {
            func f(_ v: Double?, _ d: Int = 4) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "—" }
            html += "<tr><td>\(escape(c.term))</td><td>\(f(c.estimate))</td><td>\(f(c.stdError))</td><td>\(f(c.z, 2))</td><td>\(f(c.pValue))</td><td>[\(f(c.ciLower, 3)), \(f(c.ciUpper, 3))]</td><td>\(f(c.oddsRatio, 3))</td></tr>"
        }
        html += "</table><h2>Lift et gains</h2><table><tr><th>décile</th><th>poids</th><th>taux de positifs</th><th>lift</th><th>gain cumulé</th><th>euros cumulés</th></tr>"
        for l in r.lift {
            html += "<tr><td>\(l.decile)</td><td>\(String(format: "%.0f", l.weight))</td><td>\(String(format: "%.4f", l.hitRate))</td><td>\(String(format: "%.2f", l.lift))</td><td>\(String(format: "%.3f", l.cumulativeGain))</td><td>\(l.cumulativeEuroShare.map { String(format: "%.3f", $0) } ?? "—")</td></tr>"
        }
        html += "</table><p style='color:#666;font-size:12px'>Produit par Ciblage. Le score sert à sélectionner des dossiers pour contrôle ; la décision revient à un agent.</p></body></html>\n"
        return html
    }
}
