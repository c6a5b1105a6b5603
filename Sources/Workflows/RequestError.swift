import CiblageSupport
import Foundation

/// A request that a workflow refuses before it reads anything: a missing, contradictory or
/// out-of-range parameter.
///
/// The message names parameters by their request names between braces (`{proxyThreshold}`), because
/// the same refusal reaches people through different edges: the CLI shows `--proxy-threshold`, the
/// server the JSON field `proxyThreshold`. `description` leaves the plain names.
public struct RequestError: ParameterNamingError, Equatable, Sendable {
    /// The parameter at fault (the first one the message names).
    public var parameter: String
    /// The message, with every parameter written `{name}`.
    public var template: String

    public init(_ parameter: String, _ template: String) {
        self.parameter = parameter
        self.template = template
    }

    /// The message with each `{name}` replaced by what the edge calls that parameter.
    public func message(naming name: (String) -> String) -> String { ParameterText.render(template, naming: name) }
}

extension RequestError {
    /// Refuses a value outside `range`, naming the parameter.
    static func check<T: Comparable>(_ value: T, in range: ClosedRange<T>, _ parameter: String) throws(RequestError) {
        guard range.contains(value) else {
            throw RequestError(parameter, "{\(parameter)} must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }

    /// Refuses an output that is the same file as an input or as another output (after `.`, `..`
    /// and symbolic links): the output replaces its file when the command ends, so the input would
    /// be lost, or one output would replace the other.
    /// - Parameter files: (parameter, path) pairs, inputs first; the first that names an earlier
    ///   one's file is the one refused.
    static func checkDistinct(_ files: [(parameter: String, path: String?)]) throws(RequestError) {
        var seen: [(parameter: String, path: String)] = []
        for case let (parameter, path?) in files {
            let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if let earlier = seen.first(where: { $0.path == resolved }) {
                throw RequestError(parameter, "{\(parameter)} \(path) is the file of {\(earlier.parameter)}: writing it would replace that file; give another path")
            }
            seen.append((parameter, resolved))
        }
    }
}
