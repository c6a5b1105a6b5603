import CiblageSupport
import Dossiers

/// The retraining file: one labelled row per closed item, with what inverse-probability weighting
/// needs (provenance and inclusion probability) and what ties the row to its selection (score,
/// channel, judgement, model checksum).
public enum OutcomeExport {
    public static let header = "id,cible,montant_indu,montant_rappel,mois_indu,fraude,provenance,proba_inclusion,score,canal,jugement,modele"

    /// The label `cible` is the cible's target rule applied to what the controller recorded
    /// (`Outcome.label(under:)`): the same definition as the target builder's.
    public static func csv(_ items: [QueueItem], definition: TargetDefinitionSpec) -> String {
        var text = header + "\n"
        for q in items {
            guard let o = q.outcome else { continue }
            text += [csvField(q.item.dossier), o.label(under: definition) ? "1" : "0", "\(o.indu)", "\(o.rappel)", "\(o.induMonths ?? 0)",
                     o.fraud ? "1" : "0", q.item.selection == "explore" ? "random" : "targeted", "\(q.item.inclusionProbability)",
                     "\(q.item.score)", q.item.channel.rawValue, o.judgement.rawValue, csvField(q.modelChecksum)].joined(separator: ",") + "\n"
        }
        return text
    }
}
