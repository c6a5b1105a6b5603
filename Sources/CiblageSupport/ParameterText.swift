/// Messages that name parameters, whatever edge shows them.
///
/// A library message writes a parameter of the library as `{name}` (lowerCamelCase, as in the
/// request types: `{l2}`, `{allowSensitive}`). Each edge renders the names its own way: the CLI as
/// flags (`--l2`, `--allow-sensitive`), a server as JSON fields, a library user as the plain name
/// (the error's `description`). Only braces around a plain identifier are a name, so file paths
/// and data values quoted in a message are left alone unless they look exactly like `{name}`.
public enum ParameterText {
    /// The template with each `{name}` replaced by `naming(name)`.
    public static func render(_ template: String, naming: (String) -> String) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest.index(after: open)
            if let close = rest[after...].firstIndex(of: "}"), close > after,
               rest[after..<close].allSatisfy({ $0.isLetter || $0.isNumber }), rest[after].isLowercase {
                out += naming(String(rest[after..<close]))
                rest = rest[rest.index(after: close)...]
            } else {
                out.append("{")
                rest = rest[after...]
            }
        }
        return out + rest
    }
}

/// An error whose message names parameters as `{name}` (see `ParameterText`); its `description`
/// shows the plain names.
public protocol ParameterNamingError: Error, CustomStringConvertible {
    /// The message, with every parameter written `{name}`.
    var template: String { get }
}

extension ParameterNamingError {
    public var description: String { ParameterText.render(template) { $0 } }
}
