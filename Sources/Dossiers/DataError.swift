import CiblageSupport
/// A problem with input data or with the way the user described it. Every case names the place
/// (file, line, column) so the message can be acted on without opening a debugger.
///
/// Lines are physical lines of the file, 1-based, the header being line 1; a record with an embedded
/// newline is reported at the line where it starts.
public enum DataError: ParameterNamingError, Equatable {
    case cannotOpen(file: String, reason: String)
    case emptyFile(file: String)
    case headerOnly(file: String)
    case emptyColumnName(file: String, position: Int)
    case duplicateColumn(file: String, name: String)
    case invalidUTF8(file: String, line: Int, column: String)
    case unclosedQuote(file: String, line: Int)
    case strayQuote(file: String, line: Int, column: String)
    case textAfterClosingQuote(file: String, line: Int, column: String)
    case raggedRow(file: String, line: Int, expected: Int, found: Int)
    case unknownColumn(file: String, name: String, available: [String])
    case missingColumn(file: String, name: String)
    case notANumber(file: String, line: Int, column: String, value: String)
    case nonFinite(file: String, line: Int, column: String, value: String)
    case missingValue(file: String, line: Int, column: String)
    case notABoolean(file: String, line: Int, column: String, value: String)
    case targetNotBinary(file: String, line: Int, column: String, value: String)
    case invalidWeight(file: String, line: Int, column: String, value: String)
    case unseenLevel(file: String, line: Int, column: String, level: String, known: [String])
    case unknownReferenceLevel(column: String, level: String, known: [String])
    case referenceForNonCategorical(column: String)
    case conflictingRoles(column: String, roles: String)
    case invalidOption(String)
    case invalidSpec(file: String, problem: String)
    case undeclaredLevel(file: String, line: Int, column: String, level: String, declared: [String])
    case notADate(file: String, line: Int, column: String, value: String)
    case sensitiveFeature(column: String)
    case invalidProvenance(file: String, line: Int, column: String, value: String)
    case invalidInclusionProbability(file: String, line: Int, column: String, value: String)
    case noRowsSelected(file: String, reason: String)

    public var template: String {
        switch self {
        case .cannotOpen(let f, let r): "\(f): cannot open: \(r)"
        case .emptyFile(let f): "\(f): the file is empty; expected a header row and at least one data row"
        case .headerOnly(let f): "\(f): the file has a header but no data rows"
        case .emptyColumnName(let f, let i): "\(f), line 1: column \(i) of the header has no name"
        case .duplicateColumn(let f, let n): "\(f), line 1: column name '\(n)' appears more than once in the header"
        case .invalidUTF8(let f, let l, let c): "\(f), line \(l), column '\(c)': the text is not valid UTF-8"
        case .unclosedQuote(let f, let l): "\(f), line \(l): a quoted field opened here is never closed"
        case .strayQuote(let f, let l, let c):
            "\(f), line \(l), column '\(c)': a double quote inside an unquoted field; quote the whole field and double the inner quotes (\"\")"
        case .textAfterClosingQuote(let f, let l, let c):
            "\(f), line \(l), column '\(c)': text after the closing quote; expected a delimiter or the end of the line"
        case .raggedRow(let f, let l, let e, let n): "\(f), line \(l): \(n) fields, expected \(e) as in the header"
        case .unknownColumn(let f, let n, let a):
            "\(f): no column named '\(n)'; the header has: \(a.joined(separator: ", "))"
        case .missingColumn(let f, let n): "\(f): the model needs column '\(n)', which the header lacks"
        case .notANumber(let f, let l, let c, let v): "\(f), line \(l), column '\(c)': '\(v)' is not a number"
        case .nonFinite(let f, let l, let c, let v):
            "\(f), line \(l), column '\(c)': '\(v)' is not a finite number (NaN and infinities are refused)"
        case .missingValue(let f, let l, let c):
            "\(f), line \(l), column '\(c)': missing value; missing values are refused (fill or drop the row)"
        case .notABoolean(let f, let l, let c, let v):
            "\(f), line \(l), column '\(c)': '\(v)' is not a boolean (expected 0/1, true/false, yes/no, oui/non, vrai/faux)"
        case .targetNotBinary(let f, let l, let c, let v):
            "\(f), line \(l), column '\(c)': target value '\(v)' is not 0 or 1"
        case .invalidWeight(let f, let l, let c, let v):
            "\(f), line \(l), column '\(c)': weight '\(v)' must be a finite number ≥ 0"
        case .unseenLevel(let f, let l, let c, let v, let k):
            "\(f), line \(l), column '\(c)': level '\(v)' was not seen in training (known: \(k.joined(separator: ", ")))"
        case .unknownReferenceLevel(let c, let v, let k):
            "{reference} \(c)=\(v): column '\(c)' has no level '\(v)' (levels: \(k.joined(separator: ", ")))"
        case .referenceForNonCategorical(let c):
            "{reference} \(c)=…: column '\(c)' is not categorical; list it in {categorical}"
        case .conflictingRoles(let c, let r): "column '\(c)' is given two roles: \(r)"
        case .invalidOption(let s): s
        case .invalidSpec(let f, let p): "\(f): invalid feature spec: \(p)"
        case .undeclaredLevel(let f, let l, let c, let v, let d):
            "\(f), line \(l), column '\(c)': level '\(v)' is not among the levels the spec declares (\(d.joined(separator: ", ")))"
        case .notADate(let f, let l, let c, let v): "\(f), line \(l), column '\(c)': '\(v)' is not a date (expected YYYY-MM-DD or YYYY-MM)"
        case .sensitiveFeature(let c):
            "column '\(c)' is a sensitive attribute (sex, nationality, disability, address…): it may be used to audit, never to score; "
                + "to override, pass {allowSensitive} \(c) {reason} TEXT (the override is recorded in the model)"
        case .invalidProvenance(let f, let l, let c, let v):
            "\(f), line \(l), column '\(c)': provenance '\(v)' must be random, targeted or other"
        case .invalidInclusionProbability(let f, let l, let c, let v):
            "\(f), line \(l), column '\(c)': inclusion probability '\(v)' must be in (0, 1]"
        case .noRowsSelected(let f, let r): "\(f): no rows left to train on: \(r)"
        }
    }
}
