import CiblageSupport
import Accountability
import ArgumentParser
import ControlQueue
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel
import Workflows

/// The command-line edge: each command turns its options into a request, calls one workflow
/// (`Sources/Workflows`) and prints the result. Nothing here reads or writes a data file, builds CSV
/// or JSON, or opens a store; `CLIBoundaryTests` checks it.
struct Ciblage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ciblage",
        abstract: "Risk scores for targeting CAF controls: train, inspect and score logistic models.",
        discussion: """
            Exit codes: 0 success, 1 user error (bad input, bad arguments, a model that cannot be fitted), \
            2 internal error.
            """,
        version: ModelArtifact.generatorName,
        subcommands: [Simulate.self, Target.self, Train.self, Convert.self, Select.self, Inspect.self, Score.self, Route.self, UpliftCommand.self, Evaluate.self, Explain.self, Export.self, Queue.self, Audit.self, Monitor.self, Card.self, ModelRegistryCommand.self, Users.self, Serve.self]
    )
}

// MARK: Option groups shared by several commands

/// Options shared by every command that reads a CSV file.
struct CSVOptions: ParsableArguments {
    @Option(help: "Field delimiter: ',', ';', 'tab' or '|' (default: detected from the header line).")
    var delimiter: String?

    @Flag(help: "Numbers use a decimal comma (3,14), as in French spreadsheet exports; the delimiter is then ';' or tab.")
    var decimalComma = false

    func validate() throws { _ = try format() }

    func format() throws -> CSVFormat {
        var format = CSVFormat(decimalComma: decimalComma)
        if let delimiter {
            guard let d = CSVFormat.delimiter(named: delimiter) else {
                throw ValidationError("--delimiter must be ',', ';', 'tab' or '|', got '\(delimiter)'")
            }
            if decimalComma && d == UInt8(ascii: ",") {
                throw ValidationError("--decimal-comma needs a delimiter other than ','")
            }
            format.delimiter = d
        }
        return format
    }
}

struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for the numeric core (default: CIBLAGE_THREADS, else the number of cores). Results are identical for any value.")
    var threads: Int?

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256") }
    }

    var resolved: Int { threads ?? Parallelism.defaultThreads }
}

/// The model a command reads.
struct ModelOptions: ParsableArguments {
    @Option(help: "The model: an artifact file (JSON), or a registered version NAME@VERSION or NAME@in-force (with --store; a file so named is written ./NAME@1).")
    var model: String

    @Option(help: "With --model NAME@VERSION: the store whose registry holds it (a SQLite file, or postgres://…).")
    var store: String?
}

/// The dossier file a command reads.
struct DataOptions: ParsableArguments {
    @Option(help: "CSV file of dossiers with a header row.")
    var data: String
}

/// A JSON copy of a command's results.
struct JSONOutputOptions: ParsableArguments {
    @Option(help: "Also write the results as JSON here.")
    var json: String?
}

/// Bootstrap settings of the commands that give intervals.
struct BootstrapOptions: ParsableArguments {
    @Option(help: "Bootstrap replicates for the confidence intervals (0: none).")
    var bootstrap: Int = 200

    @Option(help: "Seed of the bootstrap (and of cross-validation folds).")
    var seed: UInt64 = 1
}

// MARK: Fixed choices

extension SeparationChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument == "stabilise" ? "stabilize" : argument) }
}
extension SelectionCorrection: ExpressibleByArgument {}
extension SimulatedCible: ExpressibleByArgument {}
extension VariableSelection.Method: ExpressibleByArgument {}
extension VariableSelection.RemovalTest: ExpressibleByArgument, CaseIterable {
    public static let allCases: [VariableSelection.RemovalTest] = [.wald, .likelihoodRatio]
}
extension ChannelKind: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}
extension Judgement: ExpressibleByArgument {}
extension ProvenanceChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
    public static var defaultCompletionKind: CompletionKind { .list(["random", "all", "targeted", "other"]) }
}

// MARK: From requests to flags

/// The flag of a request parameter: `proxyThreshold` is `--proxy-threshold`, except where the
/// command's flag has a name of its own.
func flag(_ parameter: String) -> String {
    let renamed = ["entryLevel": "slentry", "stayLevel": "slstay", "crossValidationFolds": "cv", "minimumCell": "min-cell",
                   "dossier": "id", "amountColumn": "amount", "population": "data"]
    if let name = renamed[parameter] { return "--" + name }
    var out = "--"
    for c in parameter {
        if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
    }
    return out
}

extension ParameterNamingError {
    /// The message as the CLI user sees it: parameters named by their flags.
    var cliMessage: String { ParameterText.render(template, naming: flag) }
}

/// Runs a request's own checks inside `validate()`, before any file is read.
func check(_ body: () throws(RequestError) -> Void) throws {
    do { try body() } catch { throw ValidationError(error.cliMessage) }
}

/// Splits "a,b,c" into trimmed, non-empty names.
func commaList(_ s: String?) -> [String]? {
    s.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}

/// "key=value" of an option, or a message naming the option and the expected form.
func pair(_ text: String, option: String, expected: String) throws -> (String, String) {
    let parts = text.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("\(option) expects \(expected), got '\(text)'") }
    return (parts[0], parts[1])
}

/// `col=v1,v2` of `--only` and `--among`: the rows whose column holds one of the values.
func parseRowFilter(_ text: String?, option: String) throws -> RowFilter? {
    guard let text else { return nil }
    let (column, values) = try pair(text, option: option, expected: "col=v1,v2")
    let set = Set(values.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    guard !set.isEmpty else { throw ValidationError("\(option) \(text): no value after '='") }
    return RowFilter(column: column, values: set)
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

func format(seconds: Double) -> String { String(format: "%.2f", seconds) }

@main
enum Main {
    static func main() async {
        // Before any thread starts: OpenBLAS may have to choose its kernels again (see the type).
        _ = OpenBLAS.kernelChoice
        do {
            var command = try Ciblage.parseAsRoot()
            if var server = command as? any AsyncParsableCommand {
                try await server.run()
            } else {
                try command.run()
            }
        } catch {
            exit(status(for: error))
        }
    }

    /// Prints the error and returns the exit code: 1 for what the user can fix, 2 for our own failures.
    static func status(for error: Error) -> Int32 {
        switch error {
        case let e as RequestError: printError("error: \(e.cliMessage)"); return 1
        case let e as DataError: printError("error: \(e.cliMessage)"); return 1
        case let e as FitError: printError("error: \(e.cliMessage)"); return 1
        case let e as ArtifactError: printError("error: \(e)"); return 1
        case let e as CampaignError: printError("error: \(e.cliMessage)"); return 1
        case let e as QueueError: printError("error: \(e.cliMessage)"); return 1
        case let e as AuditError: printError("error: \(e.cliMessage)"); return 1
        case let e as LinearAlgebraError: printError("internal error: \(e)"); return 2
        default:
            let code = Ciblage.exitCode(for: error)
            if code == .success {
                Ciblage.exit(withError: error)  // --help, --version
            }
            if code == .validationFailure || error is ValidationError {
                printError(Ciblage.fullMessage(for: error))
                return 1
            }
            printError("internal error: \(error)")
            return 2
        }
    }
}

/// The warnings a written model carries, and the inputs its proxy check flagged, on stderr.
func printWarnings(of model: ModelArtifact) {
    for w in model.warnings { printError("warning: \(w)") }
    for p in model.proxyCheck?.flagged ?? [] {
        printError(String(format: "warning: proxy: %@ predicts %@=%@ with AUC %.3f (threshold %.2f); see the model card",
                          p.input, p.attribute, p.level, p.auc, model.proxyCheck!.threshold))
    }
}
