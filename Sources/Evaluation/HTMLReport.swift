import Foundation
import Reporting
import RiskModel

/// The evaluation as a self-contained HTML page (no script, no network), drawn with `Reporting`.
public enum HTMLReport {
    typealias Chart = SVGChart
    static func page(title: String, body: String) -> String { HTMLPage.page(title: title, body: body) }
    static func escape(_ s: String) -> String { HTMLPage.escape(s) }

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
            <style>\(HTMLPage.css)</style></head><body>
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
