import CiblageSupport
import Dossiers
import Foundation
import LinearAlgebra

/// The explanation of an individual decision that CRPA R311-3-1-2 asks for: that an algorithm
/// contributed and how, the data used and their sources, each parameter and its weight as applied to
/// this dossier, and the operations performed. Written in French, in plain words, as Markdown and JSON.
public struct Explanation: Codable, Sendable {
    public struct Parameter: Codable, Sendable {
        public var column: String
        public var label: String
        public var source: String
        /// The dossier's value as read from the file.
        public var value: String
        /// Contribution to the logit relative to the average training dossier.
        public var contribution: Double
        /// The model's coefficients for this column (one per level for categorical columns).
        public var weights: [String: Double]
    }

    public var dossier: String
    public var score: Double
    public var rank: Int?
    public var population: Int?
    /// The registered version and its validity, or for an unregistered model its checksum; never a path.
    public var model: String
    public var modelChecksum: String
    /// Inputs that the proxy check found to predict a protected attribute, in plain French (nil: none).
    public var proxies: String?
    public var target: String
    public var intercept: Double
    public var referenceLogit: Double
    public var logit: Double
    public var parameters: [Parameter]

    /// Builds the explanation of dossier `id` in `dataPath`. The rank is computed by scoring the whole file.
    /// - Parameter designation: how the person is told which model scored them (the registered version).
    public static func make(model: ModelArtifact, designation: String, dataPath: String, id: String, idColumn: String? = nil,
                            format: CSVFormat = CSVFormat(), threads: Int = Parallelism.defaultThreads) throws -> Explanation {
        let records = try ScoredRecords(model: model, path: dataPath, format: format)
        let idName = records.identifierColumn(idColumn)
        let idIndex = try records.column(idName)
        let columnIndex = try model.encoding.features.map { try records.column($0.name) }
        let beta = model.estimates
        let reasons = try ReasonCodes(model: model)
        let width = model.encoding.width
        /// Every score (for the rank), and the dossier's design row, values and score once met.
        struct Part {
            var scores: [Double] = []
            var inChunk = 0
            var pending: (index: Int, values: [String])?
            var found: (row: [Double], values: [String], score: Double)?
        }
        var scores: [Double] = []
        var found: (row: [Double], values: [String], score: Double)?
        try records.forEachBlock(threads: threads, makePart: { Part() },
            record: { reader, part in
                if part.found == nil, part.pending == nil, try reader.string(idIndex).trimmingCharacters(in: .whitespaces) == id {
                    part.pending = (part.inChunk, try columnIndex.map { try reader.string($0) })
                }
                part.inChunk += 1
            },
            scored: { x, p, count, part in
                part.scores.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
                if let (i, values) = part.pending {
                    part.found = (Array(UnsafeBufferPointer(start: x + i * width, count: width)), values, p[i])
                    part.pending = nil
                }
                part.inChunk = 0
            },
            merge: { part in
                scores += part.scores
                if found == nil { found = part.found }
            })
        guard let found else { throw DataError.invalidOption("\(dataPath): no dossier with \(idName) = '\(id)'") }
        let contributions = reasons.contributions(row: found.row)
        var parameters: [Parameter] = []
        let ranges = model.encoding.termRanges
        for (k, f) in model.encoding.features.enumerated() {
            var weights: [String: Double] = [:]
            for (t, name) in f.termNames.enumerated() { weights[name] = beta[ranges[k].lowerBound + t] }
            let spec = model.spec?.column(f.name)
            parameters.append(Parameter(column: f.name, label: spec?.label ?? f.name, source: spec?.source ?? "non renseignée",
                                        value: found.values[k], contribution: contributions[k], weights: weights))
        }
        parameters.sort { abs($0.contribution) != abs($1.contribution) ? abs($0.contribution) > abs($1.contribution) : $0.column < $1.column }
        let rank = 1 + scores.filter { $0 > found.score }.count
        let logit = zip(found.row, beta).reduce(0) { $0 + $1.0 * $1.1 }
        return Explanation(dossier: id, score: found.score, rank: rank, population: scores.count, model: designation,
                           modelChecksum: model.checksum ?? "", proxies: model.proxyDisclosure, target: model.spec?.column(model.target.column)?.label ?? model.target.column,
                           intercept: beta[0], referenceLogit: reasons.referenceLogit, logit: logit, parameters: parameters)
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    /// The notice for the person concerned, in French.
    public var markdown: String {
        func pct(_ v: Double) -> String { String(format: "%.1f %%", 100 * v).replacingOccurrences(of: ".", with: ",") }
        func num(_ v: Double) -> String { String(format: "%+.3f", v).replacingOccurrences(of: ".", with: ",") }
        var md = """
            # Explication du traitement algorithmique — dossier \(dossier)

            *Information délivrée en application des articles L311-3-1 et R311-3-1-2 du code des relations entre le public et l'administration.*

            ## 1. Un algorithme a contribué à la décision, et comment

            Votre dossier a reçu un **score de risque** calculé par un modèle statistique (régression logistique).
            Ce score estime la probabilité que votre dossier présente l'événement suivant : **\(target)**.
            Il sert uniquement à **choisir des dossiers à contrôler**. Il ne constate aucune erreur ni fraude :
            un agent de la CAF examine ensuite le dossier et prend seul la décision, qu'il peut écarter en motivant son choix.

            - Score de votre dossier : **\(pct(score))**
            \(rank.map { "- Rang : **\($0)** sur \(population ?? 0) dossiers examinés (1 = score le plus élevé)\n" } ?? "")- Modèle : \(model) (empreinte `\(modelChecksum.prefix(23))…`)

            ## 2. Les données utilisées et leur source

            | donnée | valeur dans votre dossier | source |
            |---|---|---|

            """
        for p in parameters.sorted(by: { $0.column < $1.column }) {
            md += "| \(p.label) | \(p.value) | \(p.source) |\n"
        }
        md += """

            Aucune donnée relative au sexe, à la nationalité, au handicap ou à l'adresse n'est utilisée pour calculer le score, sauf dérogation motivée et consignée dans le modèle.\(proxies.map { " " + $0 } ?? "")

            ## 3. Les paramètres et leur poids, appliqués à votre dossier

            Chaque donnée augmente (+) ou diminue (−) le score par rapport à un dossier moyen.
            Les contributions sont exprimées sur l'échelle logit, où elles s'additionnent exactement.

            | donnée | contribution | poids dans le modèle |
            |---|---|---|

            """
        for p in parameters {
            let w = p.weights.keys.sorted().map { "\($0) : \(num(p.weights[$0]!))" }.joined(separator: " ; ")
            md += "| \(p.label) | \(num(p.contribution)) | \(w) |\n"
        }
        md += """

            Dossier moyen : logit \(num(referenceLogit)). Votre dossier : logit \(num(logit)) = dossier moyen + somme des contributions.

            ## 4. Les opérations effectuées

            1. Les données ci-dessus sont lues dans votre dossier, à la date du calcul.
            2. Chaque donnée est multipliée par son poids ; les produits sont additionnés avec la constante du modèle (\(num(intercept))) : c'est le logit.
            3. Le score est la probabilité 1 / (1 + e^(−logit)).
            4. Les dossiers sont classés par score décroissant ; une partie des contrôles est en outre tirée au hasard.
            5. Un agent examine les dossiers sélectionnés et décide des suites à donner.

            """
        return md
    }
}

extension ModelArtifact {
    /// The inputs the proxy check flagged, said in plain French for the explanation, the public
    /// notice and the card: a model that uses no protected attribute can still rank people by one
    /// through an input that predicts it (the 12-month mean of AAH predicts a disability), and the
    /// person is told so rather than "no data on disability is used". nil when nothing is flagged.
    public var proxyDisclosure: String? {
        guard let flagged = proxyCheck?.flagged, !flagged.isEmpty else { return nil }
        func label(_ column: String) -> String { spec?.column(column)?.label ?? column }
        func auc(_ v: Double) -> String { String(format: "%.2f", v).replacingOccurrences(of: ".", with: ",") }
        let items = flagged.map { f in
            let level = ["1", "true", "oui"].contains(f.level.lowercased()) ? "" : " = \(f.level)"
            return "« \(label(f.input)) » renseigne en partie sur « \(label(f.attribute))\(level) » (AUC \(auc(f.auc)), où 0,5 ne dirait rien et 1 dirait tout)"
        }
        return "Attention : certaines données utilisées sont liées à ces informations protégées et permettent de les deviner en partie : "
            + items.joined(separator: " ; ") + ". Le score peut donc différer selon ces informations, même si elles ne sont pas lues ; l'audit d'équité mesure cet effet."
    }
}
