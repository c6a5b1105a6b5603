import Foundation
import Testing
@testable import Dossiers

@Suite struct TargetBuilderTests {
    let definition = TargetDefinitionSpec()  // 600 EUR, 6 months, 24-month window
    let asOf = TargetBuilder.month(year: 2026, month: 1)

    func months(_ start: (Int, Int), _ amounts: [Double]) -> [TargetBuilder.Record] {
        let first = TargetBuilder.month(year: start.0, month: start.1)
        return amounts.enumerated().map { .init(month: first + $0.offset, indu: $0.element) }
    }

    @Test func exactlySixHundredOverExactlySixMonthsIsPositive() {
        #expect(TargetBuilder.label(months((2025, 1), [100, 100, 100, 100, 100, 100]), definition: definition, asOf: asOf).positive)
        #expect(!TargetBuilder.label(months((2025, 1), [100, 100, 100, 100, 100, 99.99]), definition: definition, asOf: asOf).positive)
        #expect(!TargetBuilder.label(months((2025, 1), [200, 200, 200, 200, 200]), definition: definition, asOf: asOf).positive,
                "five months, 1000 EUR: too short")
    }

    @Test func aGapBreaksTheRun() {
        var records = months((2025, 1), [150, 150, 150])
        records += months((2025, 5), [150, 150, 150])  // April is missing
        let l = TargetBuilder.label(records, definition: definition, asOf: asOf)
        #expect(!l.positive)
        #expect(l.longestRunMonths == 3)
        #expect(l.indu == 900)
        // A zero record is a gap too.
        #expect(!TargetBuilder.label(months((2025, 1), [150, 150, 0, 150, 150, 150, 150]), definition: definition, asOf: asOf).positive)
    }

    @Test func overlappingRecordsOfTheSameMonthAreAdded() {
        let a = months((2025, 3), [60, 60, 60, 60, 60, 60]), b = months((2025, 3), [40, 40, 40, 40, 40, 40])
        #expect(!TargetBuilder.label(a, definition: definition, asOf: asOf).positive)
        let l = TargetBuilder.label(a + b, definition: definition, asOf: asOf)
        #expect(l.positive && l.indu == 600)
    }

    @Test func theWindowBoundsAreRespected() {
        // The window is [asOf − 24, asOf): Jan 2024 … Dec 2025.
        #expect(TargetBuilder.label(months((2024, 1), [100, 100, 100, 100, 100, 100]), definition: definition, asOf: asOf).positive)
        let early = TargetBuilder.label(months((2023, 12), [100, 100, 100, 100, 100, 100]), definition: definition, asOf: asOf)
        #expect(!early.positive, "December 2023 is outside the window: only five months remain")
        #expect(early.indu == 500)
        #expect(!TargetBuilder.label(months((2025, 8), [100, 100, 100, 100, 100, 100]), definition: definition, asOf: asOf).positive,
                "January 2026 is the control month itself, not in the window")
    }

    @Test func aLongRunWithAQualifyingStretchIsPositive() {
        // Small months first, then a stretch: the run counts as a whole.
        #expect(TargetBuilder.label(months((2024, 6), [10, 10, 10, 10, 10, 10, 10, 10, 300, 300]), definition: definition, asOf: asOf).positive)
        let custom = TargetDefinitionSpec(minimumAmount: 1000, minimumMonths: 3, windowMonths: 12)
        #expect(TargetBuilder.label(months((2025, 6), [400, 400, 400]), definition: custom, asOf: asOf).positive)
        #expect(!TargetBuilder.label(months((2024, 6), [400, 400, 400]), definition: custom, asOf: asOf).positive)
    }

    @Test func buildReadsHistoriesAndWritesLabels() throws {
        let path = temporaryFile("""
            dossier,mois,indu,rappel
            A,2025-01,100,0
            B,2025-01,50,10
            A,2025-02,100,0
            A,2025-03,100,0
            A,2025-04,100,0
            A,2025-05,100,0
            A,2025-06,100,5.5

            """)
        let out = path + ".labels.csv"
        let s = try TargetBuilder.build(historyPath: path, outputPath: out, asOf: asOf)
        #expect(s == TargetBuilder.Summary(dossiers: 2, positives: 1, asOf: asOf))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "id,cible,montant_indu,montant_rappel\nA,1,600,5.50\nB,0,50,10\n")
        // Default control month: the month after the last one in the file.
        #expect(try TargetBuilder.build(historyPath: path, outputPath: out).asOf == TargetBuilder.month(year: 2025, month: 7))
    }

    @Test func badHistoriesAreRefusedWithThePlace() {
        let bad = temporaryFile("dossier,mois,indu\nA,2025-13,100\n")
        #expect(throws: DataError.notADate(file: bad, line: 2, column: "mois", value: "2025-13")) {
            try TargetBuilder.build(historyPath: bad, outputPath: bad + ".out")
        }
        let negative = temporaryFile("dossier,mois,indu\nA,2025-01,-3\n")
        let refusal19 = #expect(throws: DataError.self) { try TargetBuilder.build(historyPath: negative, outputPath: negative + ".out") }
        #expect(refusal19?.description == "\(negative), line 2: indu and rappel must be ≥ 0 (got -3.0, 0.0)")
        let missing = temporaryFile("id,mois,indu\nA,2025-01,3\n")
        #expect(throws: DataError.unknownColumn(file: missing, name: "dossier", available: ["id", "mois", "indu"])) {
            try TargetBuilder.build(historyPath: missing, outputPath: missing + ".out")
        }
    }
}
