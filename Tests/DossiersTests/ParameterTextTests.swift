import CiblageSupport
import Testing
@testable import Dossiers

/// Library messages name parameters as `{name}`; each edge renders them its own way.
@Suite struct ParameterTextTests {
    @Test func namesAreRenderedByTheEdgeAndDataIsLeftAlone() {
        let flag = { (name: String) in "--" + name.map { $0.isUppercase ? "-" + $0.lowercased() : String($0) }.joined() }
        #expect(ParameterText.render("{allowSensitive} sexe needs {reason}", naming: flag) == "--allow-sensitive sexe needs --reason")
        #expect(ParameterText.render("{allowSensitive} sexe needs {reason}") { $0 } == "allowSensitive sexe needs reason")
        // Braces that do not hold a lowerCamelCase identifier are text: a path, a JSON value, an unclosed brace.
        #expect(ParameterText.render("/tmp/{Data}/x.csv: value '{\"a\": 1}' and { alone", naming: flag) == "/tmp/{Data}/x.csv: value '{\"a\": 1}' and { alone")
        #expect(ParameterText.render("{}{l2}", naming: flag) == "{}--l2")
    }

    @Test func errorsShowPlainNamesToLibraryUsers() {
        let e = DataError.sensitiveFeature(column: "nationalite")
        #expect(e.template.contains("{allowSensitive} nationalite {reason} TEXT"))
        #expect(e.description.contains("allowSensitive nationalite reason TEXT") && !e.description.contains("{"))
    }
}
