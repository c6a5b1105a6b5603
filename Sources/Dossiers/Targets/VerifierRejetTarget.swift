import CiblageSupport

/// The label of datamining métier (unit: processing act): the verifier rejected the act, with an
/// impact of at least `minimumImpact` euros in absolute value (0: every rejet counts, those without
/// a financial impact too), and that impact.
///
/// An act verified more than once takes its last verification (by date, then by line: a second
/// look corrects the first). Acts never verified have no label and are not written.
public struct RejetDefinition: Codable, Equatable, Sendable {
    public var minimumImpact: Double
    public init(minimumImpact: Double = 0) { self.minimumImpact = minimumImpact }

    public static let unit = AnalysisUnit.processingAct
    public static let key = "rejet"

    public func isPositive(rejected: Bool, impact: Double) -> Bool { rejected && abs(impact) >= minimumImpact - 1e-9 }

    public struct Summary: Equatable, Sendable { public var acts: Int; public var rejets: Int }

    /// Reads verifications (`acte,date_verification,resultat,impact_euros`, resultat `valide` or
    /// `rejet`) and writes `id,rejet,impact_euros`, acts in order of first appearance, atomically.
    public func build(verificationsPath: String, outputPath: String, format: CSVFormat = CSVFormat()) throws(DataError) -> Summary {
        guard minimumImpact >= 0 && minimumImpact.isFinite else { throw .invalidOption("{minimumImpact} must be a finite amount ≥ 0, got \(minimumImpact)") }
        let rows = try TargetFiles.read(verificationsPath, columns: ["acte", "date_verification", "resultat", "impact_euros"], format: format) { r, path throws(DataError) in
            let result = try r.reader.string(r.index[2]).trimmingSpaces
            guard result == "valide" || result == "rejet" else {
                throw .notABoolean(file: path, line: r.reader.line, column: "resultat", value: result + " (expected valide or rejet)")
            }
            let impact = r.reader.isBlank(r.index[3]) ? 0 : try r.reader.number(r.index[3])
            return (try r.id(0), try r.day(1), result == "rejet", impact)
        }
        var order: [String] = [], last: [String: (day: CalendarDay, rejected: Bool, impact: Double)] = [:]
        for (id, day, rejected, impact) in rows {
            if let previous = last[id] { if day >= previous.day { last[id] = (day, rejected, impact) } } else {
                order.append(id); last[id] = (day, rejected, impact)
            }
        }
        let out = try AtomicFile(path: outputPath)
        try out.write("id,rejet,impact_euros\n")
        var rejets = 0
        for id in order {
            let v = last[id]!, positive = isPositive(rejected: v.rejected, impact: v.impact)
            if positive { rejets += 1 }
            try out.write("\(csvField(id)),\(positive ? 1 : 0),\(formatAmount(v.rejected ? v.impact : 0))\n")
        }
        try out.commit()
        return Summary(acts: order.count, rejets: rejets)
    }
}
