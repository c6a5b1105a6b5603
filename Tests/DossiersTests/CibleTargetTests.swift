import CiblageSupport
import Foundation
import Testing
@testable import Dossiers

/// The labels of datamining accès aux droits and métier, on hand-built histories at their boundaries.
@Suite struct RightOpenedTargetTests {
    let definition = RightOpenedDefinition(withinMonths: 3)
    func day(_ s: String) -> CalendarDay { CalendarDay(s)! }
    func opening(_ s: String, _ amount: Double = 250) -> RightOpenedDefinition.Opening { .init(day: day(s), monthlyAmount: amount) }

    @Test func theWindowRunsFromTheContactDayToNMonthsLaterBothIncluded() {
        let contact = day("2026-03-15")
        #expect(definition.label(contact: contact, openings: [opening("2026-03-15")]).opened, "the day of the contact counts")
        #expect(definition.label(contact: contact, openings: [opening("2026-06-15")]).opened, "exactly 3 months later counts")
        #expect(!definition.label(contact: contact, openings: [opening("2026-06-16")]).opened, "the day after does not")
        #expect(!definition.label(contact: contact, openings: [opening("2026-03-14")]).opened, "a right opened before the contact is not caused by it")
        #expect(!definition.label(contact: contact, openings: []).opened)
    }

    @Test func monthsAreCalendarMonthsClampedToTheLastDay() {
        #expect(RightOpenedDefinition(withinMonths: 1).windowEnd(after: day("2026-01-31")) == day("2026-02-28"))
        #expect(RightOpenedDefinition(withinMonths: 1).windowEnd(after: day("2028-01-31")) == day("2028-02-29"), "leap year")
        #expect(definition.windowEnd(after: day("2026-11-30")) == day("2027-02-28"), "across the year")
        #expect(definition.windowEnd(after: day("2026-10-31")) == day("2027-01-31"))
    }

    @Test func theFirstOpeningInTheWindowGivesTheAmount() {
        let l = definition.label(contact: day("2026-03-01"), openings: [opening("2026-05-20", 410), opening("2026-02-01", 90), opening("2026-04-02", 180)])
        #expect(l.opened && l.monthlyAmount == 180)
    }

    @Test func buildsTheFollowUpOfACampaignAndNamesBadRows() throws {
        let contacts = temporaryFile("foyer,date_contact,canal,selection\nF1,2026-03-01,sms,exploit\nF2,2026-03-01,sms,temoin\nF3,2026-03-01,appel,exploit\n", name: "contacts.csv")
        let openings = temporaryFile("foyer,date_ouverture,montant_mensuel\nF1,2026-06-01,312.5\nF2,2026-06-02,200\nF9,2026-03-10,100\n", name: "ouvertures.csv")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("suivi-\(UUID().uuidString).csv").path
        let s = try definition.build(contactsPath: contacts, openingsPath: openings, outputPath: out)
        #expect(s == .init(households: 3, opened: 1))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "id,canal,selection,droit_ouvert,montant_mensuel\nF1,sms,exploit,1,312.50\nF2,sms,temoin,0,0\nF3,appel,exploit,0,0\n")
        let twice = temporaryFile("foyer,date_contact\nF1,2026-03-01\nF1,2026-04-01\n", name: "contacts.csv")
        #expect { try definition.build(contactsPath: twice, openingsPath: openings, outputPath: out) } throws: { "\($0)".contains("line 3") && "\($0)".contains("F1") }
        let badDate = temporaryFile("foyer,date_ouverture,montant_mensuel\nF1,2026-13-01,10\n", name: "ouvertures.csv")
        #expect { try definition.build(contactsPath: contacts, openingsPath: badDate, outputPath: out) } throws: { "\($0)".contains("line 2") && "\($0)".contains("date_ouverture") }
    }
}

@Suite struct RejetTargetTests {
    @Test func aRejetCountsFromItsMinimumImpactInAbsoluteValue() {
        let d = RejetDefinition(minimumImpact: 50)
        #expect(d.isPositive(rejected: true, impact: 50) && d.isPositive(rejected: true, impact: -50), "a rejet in the allocataire's favour counts too")
        #expect(!d.isPositive(rejected: true, impact: 49.99) && !d.isPositive(rejected: false, impact: 500))
        #expect(RejetDefinition().isPositive(rejected: true, impact: 0), "with no minimum, a rejet without financial impact counts")
    }

    @Test func theLastVerificationOfAnActDecides() throws {
        let file = temporaryFile("""
            acte,date_verification,resultat,impact_euros
            A1,2026-02-01,rejet,120
            A2,2026-02-01,valide,
            A1,2026-02-10,valide,0
            A3,2026-02-05,rejet,-80
            A2,2026-01-15,rejet,300

            """, name: "verifications.csv")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rejets-\(UUID().uuidString).csv").path
        let s = try RejetDefinition().build(verificationsPath: file, outputPath: out)
        #expect(s == .init(acts: 3, rejets: 1))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "id,rejet,impact_euros\nA1,0,0\nA2,0,0\nA3,1,-80\n",
                "A1 corrected by its second look; A2's earlier rejet is superseded by the later validation")
        let bad = temporaryFile("acte,date_verification,resultat,impact_euros\nA1,2026-02-01,refus,10\n", name: "verifications.csv")
        #expect { try RejetDefinition().build(verificationsPath: bad, outputPath: out) } throws: { "\($0)".contains("line 2") && "\($0)".contains("resultat") }
    }
}

/// A spec's unit and its target definition must fit.
@Suite struct UnitAndTargetTests {
    func spec(_ yaml: String) throws(DataError) -> FeatureSpec { try FeatureSpec.load(path: temporaryFile(yaml, name: "spec.yaml")) }
    let columns = """
        columns:
          - {name: id, role: id}
          - {name: y, role: target, type: boolean}
          - {name: x, role: feature}

        """

    @Test func aHouseholdSpecWithTheOverpaymentRuleIsRefusedNamingTheKey() {
        #expect { try spec("name: s\nunit: household\ntargetDefinition: {minimumAmount: 600, minimumMonths: 6, windowMonths: 24}\n" + columns) }
            throws: { "\($0)".contains("key 'targetDefinition'") && "\($0)".contains("unit: dossier-period") && "\($0)".contains("'rightOpened'") }
        #expect { try spec("name: s\nrejet: {minimumImpact: 0}\n" + columns) }
            throws: { "\($0)".contains("key 'rejet'") && "\($0)".contains("(the default)") }
        #expect { try spec("name: s\nunit: household\nrightOpened: {withinMonths: 3}\nrejet: {minimumImpact: 0}\n" + columns) }
            throws: { "\($0)".contains("'rightOpened' and 'rejet'") }
        #expect { try spec("name: s\nunit: household\nrightOpened: {withinMonths: 0}\n" + columns) } throws: { "\($0)".contains("rightOpened.withinMonths") }
    }

    @Test func eachUnitAcceptsItsOwnDefinition() throws {
        #expect(try spec("name: s\nunit: household\nrightOpened: {withinMonths: 3}\n" + columns).rightOpened?.withinMonths == 3)
        #expect(try spec("name: s\nunit: processing-act\nrejet: {minimumImpact: 10}\n" + columns).rejet?.minimumImpact == 10)
        #expect(try spec("name: s\ntargetDefinition: {minimumAmount: 600, minimumMonths: 6, windowMonths: 24}\n" + columns).targetDefinition != nil)
    }
}
