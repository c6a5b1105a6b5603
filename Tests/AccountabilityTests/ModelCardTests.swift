import CiblageSupport
import Foundation
import Testing
@testable import Accountability
import Reporting
@testable import Dossiers
@testable import Evaluation
@testable import RiskModel

@Suite struct ModelCardTests {
    static let model = SimulatorAuditTests.model

    static func evaluation() -> EvaluationReport {
        var g = SplitMix64(seed: 4)
        let scores = (0..<2000).map { _ in g.uniform() * 0.5 }
        let sample = ScoredSample(scores: scores, outcomes: scores.map { g.bernoulli($0) ? 1 : 0 })
        return EvaluationReport.make(model: model, modelPath: "models/dmde-simule.model.json", dataPath: "pbdf_eval.csv", sample: sample,
                                     topK: [100], bootstrap: 20, seed: 1, threads: 1)
    }

    static func audit() -> AuditReport {
        let (p, g) = GroupAuditTests.handTable()
        let options = GroupAudit.Options(minimumCell: 10, replicates: 20)
        return AuditReport(model: "m.json", modelChecksum: nil, data: "population.csv", table: AuditTable(population: p, groupings: [g], notes: []),
                           rule: .topK(30), options: options, groupings: GroupAudit.run(p, groupings: [g], options: options), archetypes: nil)
    }

    @Test func theCardCoversEverySectionAndTheNotice() throws {
        var model = Self.model
        model.proxyCheck = ProxyCheck(threshold: 0.7, rows: 7000, attributes: ["parent_isole"],
                                      findings: [ProxyFinding(input: "activite_conjoint", attribute: "parent_isole", level: "1", auc: 0.76, flagged: true),
                                                 ProxyFinding(input: "c002", attribute: "parent_isole", level: "1", auc: 0.51, flagged: false)])
        let evaluation = Self.evaluation()
        let card = ModelCard(model: model, evaluation: evaluation, audit: Self.audit(),
                             context: .init(organisation: "Caf de test", validFrom: "2026-01-01", validUntil: "2026-12-31", contact: "dpo@caf.test"))
        let md = card.document.markdown
        for title in ["1. Objet et cible", "2. Données d'entraînement", "3. Variables", "4. Performance", "5. Audit d'équité",
                      "6. Variables indirectement liées", "7. Limites connues", "8. Supervision humaine", "9. Versions et période de validité",
                      "10. Notice publique — article L312-1-3 du CRPA"] {
            #expect(md.contains("## \(title)"), "missing section \(title)")
        }
        // Numbers come from the inputs, not from text written in advance.
        let auc = String(format: "%.3f", evaluation.metrics["auc"]!.estimate).replacingOccurrences(of: ".", with: ",")
        #expect(md.contains("| AUC | \(auc) |"))
        #expect(md.contains("`activite_conjoint` | parent_isole | 1 | 0,760"))
        #expect(!md.contains("`c002` | parent_isole"), "an input under the threshold is not in the flagged table")
        #expect(md.contains("**Disparité** — g: B: taux de sélection 2,00×"))
        #expect(md.contains("du 2026-01-01 au 2026-12-31") && md.contains("Caf de test") && md.contains("dpo@caf.test"))
        #expect(md.contains(model.checksum!))
        // The notice lists the inputs with their sources, and no sensitive attribute among them.
        let notice = String(md[md.range(of: "## 10.")!.lowerBound...])
        let used = notice.components(separatedBy: "**Données utilisées** : ")[1].components(separatedBy: "\n")[0]
        for f in model.encoding.features { #expect(used.contains(model.spec?.column(f.name)?.label ?? f.name)) }
        for s in model.spec!.columns(.sensitive) { #expect(!used.contains(s.label ?? s.name), "\(s.name) listed as used") }
        #expect(notice.contains("L311-3-1"))
        // The flagged proxy is disclosed in the notice, in words; the one under the threshold is not.
        #expect(notice.contains("renseigne en partie sur « Parent isolé » (AUC 0,76") && !notice.contains("c002"))
        // The card names the model by its version to be registered, and no directory of this machine.
        let named = ModelCard(model: model, evaluation: evaluation, audit: Self.audit(), context: .init(reference: "dmde@2026.1")).document.markdown
        #expect(named.contains("Modèle : `dmde@2026.1`") && named.contains("Fiche du modèle — dmde@2026.1"))
        #expect(!md.contains("models/") && md.contains("Évaluation : `pbdf_eval.csv`"))

        let html = card.document.html
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<table class='doc'>") && !html.contains("**"))
        #expect(html.contains("<b>Disparité</b>"))
    }

    @Test func noFlaggedProxyNoDisclosure() {
        var model = Self.model
        model.proxyCheck = ProxyCheck(threshold: 0.7, rows: 7000, attributes: ["parent_isole"],
                                      findings: [ProxyFinding(input: "c002", attribute: "parent_isole", level: "1", auc: 0.51, flagged: false)])
        #expect(model.proxyDisclosure == nil)
        let md = ModelCard(model: model, evaluation: nil, audit: nil).document.markdown
        #expect(!md.contains("renseigne en partie") && md.contains("Modèle : non enregistré"))
    }

    @Test func whatIsNotGivenIsSaidSo() {
        let md = ModelCard(model: Self.model, evaluation: nil, audit: nil).document.markdown
        #expect(md.contains("Performance : non renseigné"))
        #expect(md.contains("Audit : non renseigné"))
        #expect(md.contains("Validité : du non renseigné au non renseigné"))
    }

    @Test func markdownAndHTMLEscapeAndMark() {
        let d = Document(title: "t", sections: [.init("s", [.paragraph("a **b** `c` <d>"), .table(header: ["x|y"], rows: [["1"]])])])
        #expect(d.markdown.contains("| x\\|y |"))
        #expect(d.html.contains("a <b>b</b> <code>c</code> &lt;d&gt;"))
    }
}
