import Evaluation
import Reporting
import Foundation

/// The audit as one self-contained page: findings first, then per grouping the charts
/// (selection rate, false positive rate, hit rate and score deciles by cell, with intervals)
/// and the full table. Suppressed cells are shown as such, never with their numbers.
public enum AuditHTML {
    static let palette = ["#1f5fa8", "#d9661f", "#2a9d5b", "#8e44ad", "#c0392b", "#7f8c8d", "#b8860b", "#16a085"]

    public static func render(_ r: AuditReport) -> String {
        typealias E = HTMLPage
        var body = "<h1>Ciblage — audit d'équité</h1>"
        let units = E.escape(r.unit ?? "dossiers")
        body += "<p>Modèle <code>\(E.escape(r.model))</code>, population <code>\(E.escape(r.data))</code> : \(r.rows) \(units) ; "
            + "sélection : \(E.escape(r.rule)) (\(r.selected) \(units)) ; strate aléatoire : \(r.randomStratumRows) \(units) à issue connue. "
            + "Intervalles à 95 % par bootstrap (\(r.bootstrapReplicates) réplications, graine \(r.seed)). "
            + "Les cellules de moins de \(r.minimumCell) \(units) sont masquées.</p>"
        for n in r.notes { body += "<p class='muted'>Note : \(E.escape(n))</p>" }
        body += "<h2>Disparités constatées</h2>"
        if r.findings.isEmpty {
            body += "<p>Aucune : aucun rapport dont l'intervalle exclut 1 et qui sort de [0,8 ; 1,25].</p>"
        } else {
            body += "<ul>" + r.findings.map { "<li class='flag'>\(E.escape($0))</li>" }.joined() + "</ul>"
        }
        body += "<p class='muted'>Lecture : taux de sélection (parité statistique) ; taux de succès parmi les sélectionnés (parité prédictive) ; "
            + "taux de faux positifs et de faux négatifs mesurés sur la strate aléatoire ; « charge égale » = part du groupe dans les contrôles à tort "
            + "rapportée à sa part dans les erreurs réelles ; calibration = taux observé / score moyen.</p>"
        for g in r.groupings { body += grouping(g, minimumCell: r.minimumCell) }
        if let cases = r.archetypes, !cases.isEmpty { body += archetypes(cases, rows: r.rows) }
        return HTMLPage.page(title: "Ciblage — audit d'équité", body: body)
    }

    static func grouping(_ g: AuditGrouping, minimumCell: Int) -> String {
        typealias E = HTMLPage
        let shown = g.groups.filter { !$0.suppressed }
        var html = "<h2>\(E.escape(g.name))</h2><p>Référence : <b>\(E.escape(g.reference))</b>.</p>"
        func chart(_ metric: GroupAudit.Metric, _ title: String, _ axis: String) -> String {
            var c = SVGChart(title: title, xLabel: g.name, yLabel: axis)
            c.width = max(360, 70 * Double(shown.count) + 80)
            let values = shown.map { $0.metrics[metric.rawValue] }
            let top = values.compactMap { $0?.upper ?? $0?.value }.max() ?? 0
            c.yMax = max(0.01, top * 1.1)
            for (k, v) in values.enumerated() {
                var bar = [Double](repeating: 0, count: shown.count)
                bar[k] = v?.value ?? 0
                c.bars(bar, color: palette[k % palette.count])
            }
            c.intervals(values.map { v in v?.lower.flatMap { lo in v?.upper.map { (lo, $0) } } }, color: "#222")
            return c.svg(xTicks: shown.map { short($0.level) })
        }
        html += "<div class='grid'>" + chart(.selectionRate, "Taux de sélection", "part sélectionnée")
            + chart(.hitRate, "Taux de succès des sélectionnés", "part irrégulière")
            + chart(.falsePositiveRate, "Faux positifs (strate aléatoire)", "taux")
        // Score deciles: each cell's share per decile, 0.1 everywhere if the score ignored the group.
        var deciles = SVGChart(title: "Répartition par décile de score", xLabel: "décile (1 = scores les plus hauts)", yLabel: "part du groupe")
        deciles.xMax = 10
        deciles.yMax = max(0.2, (shown.flatMap { $0.deciles.compactMap(\.value) }.max() ?? 0) * 1.1)
        deciles.polyline([(0, 0.1), (10, 0.1)], color: "#999", width: 1, dash: "4 4")
        for (k, cell) in shown.enumerated() {
            let points = cell.deciles.enumerated().compactMap { d, m in m.value.map { (Double(d) + 0.5, $0) } }
            deciles.polyline(points, color: palette[k % palette.count])
            deciles.dots(points, color: palette[k % palette.count])
        }
        html += deciles.svg(xTicks: (1...10).map(String.init)) + "</div><p class='legend'>" + shown.enumerated().map { k, c in
            "<span style='background:\(palette[k % palette.count])'></span>\(E.escape(c.level))"
        }.joined() + "</p>"

        html += "<table><tr><th>cellule</th><th>dossiers</th><th>part</th><th>taux de sélection</th><th>rapport</th><th>taux de succès</th><th>rapport</th>"
            + "<th>faux positifs</th><th>rapport</th><th>faux négatifs</th><th>rapport</th><th>charge égale</th><th>observé / attendu</th><th>constats</th></tr>"
        let columns: [GroupAudit.Metric] = [.share, .selectionRate, .selectionRatio, .hitRate, .hitRateRatio, .falsePositiveRate, .falsePositiveRatio,
                                            .falseNegativeRate, .falseNegativeRatio, .equalBurden, .calibrationRatio]
        for cell in g.groups {
            let name = E.escape(cell.level) + (cell.isReference ? " (réf.)" : "")
            guard !cell.suppressed else {
                html += "<tr><td>\(name)</td><td colspan='13' class='muted'>masquée : moins de \(minimumCell) dossiers</td></tr>"
                continue
            }
            html += "<tr><td>\(name)</td><td>\(cell.count ?? 0)</td>"
            for m in columns { html += "<td>\(format(cell.metrics[m.rawValue], ratio: GroupAudit.ratioMetrics.contains(m)))</td>" }
            html += "<td class='flag' style='text-align:left'>\(cell.findings.map(E.escape).joined(separator: "<br>"))</td></tr>"
        }
        return html + "</table>"
    }

    static func archetypes(_ cases: [ArchetypeResult], rows: Int) -> String {
        typealias E = HTMLPage
        var html = "<h2>Archétypes contrefactuels</h2><p>Chaque profil est rescoré après modification d'un seul attribut ; le rang est la place parmi les \(rows) dossiers audités.</p>"
        html += "<table><tr><th>archétype</th><th>modification</th><th>entrée du modèle</th><th>score</th><th>variation</th><th>rang</th><th>places gagnées</th></tr>"
        for a in cases {
            html += "<tr><td>\(E.escape(a.name))</td><td>profil</td><td></td><td>\(String(format: "%.4f", a.score))</td><td></td><td>\(a.rank) (top \(String(format: "%.1f", a.topPercent)) %)</td><td></td></tr>"
            for v in a.variants {
                html += "<tr><td></td><td>\(E.escape(v.column)) : \(E.escape(v.from)) → \(E.escape(v.to))</td><td>\(v.isModelInput ? "oui" : "non")</td>"
                    + "<td>\(String(format: "%.4f", v.score))</td><td>\(String(format: "%+.4f", v.scoreChange))</td><td>\(v.rank)</td><td>\(v.placesGained)</td></tr>"
            }
        }
        return html + "</table>"
    }

    static func format(_ m: AuditMetric?, ratio: Bool) -> String {
        guard let m, let v = m.value else { return "<span class='muted'>masqué</span>" }
        let interval = (m.lower != nil && m.upper != nil) ? String(format: " <span class='muted'>[%.3f ; %.3f]</span>", m.lower!, m.upper!) : ""
        let flag = ratio && GroupAudit.isDisparity(m)
        return (flag ? "<b class='flag'>" : "") + String(format: "%.3f", v) + (flag ? "</b>" : "") + interval
    }

    /// A tick label: an intersection's values without the attribute names ("1 × < 0.5"), cut at 16 characters.
    static func short(_ level: String) -> String {
        let values = level.replacingOccurrences(of: #"[^ ×]+="#, with: "", options: .regularExpression)
        return values.count > 16 ? String(values.prefix(15)) + "…" : values
    }
}
