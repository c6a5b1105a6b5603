import Accountability
import ArgumentParser
import ControlQueue
import Dossiers
import Foundation
import LinearAlgebra
import RiskModel

/// The command-line tool: parsing and printing only; all logic lives in the libraries.
struct Ciblage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ciblage",
        abstract: "Risk scores for targeting CAF controls: train, inspect and score logistic models.",
        discussion: """
            Exit codes: 0 success, 1 user error (bad input, bad arguments, a model that cannot be fitted), \
            2 internal error.
            """,
        version: ModelArtifact.generatorName,
        subcommands: [Simulate.self, Target.self, Train.self, Select.self, Inspect.self, Score.self, Evaluate.self, Explain.self, Export.self, Queue.self, Audit.self, Monitor.self, Card.self, Timings.self]
    )
}

/// Options shared by every command that reads a CSV file.
struct CSVOptions: ParsableArguments {
    @Option(help: "Field delimiter: ',', ';', 'tab' or '|' (default: detected from the header line).")
    var delimiter: String?

    @Flag(help: "Numbers use a decimal comma (3,14), as in French spreadsheet exports; the delimiter is then ';' or tab.")
    var decimalComma = false

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

    func resolved() throws -> Int {
        if let threads {
            guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
            return threads
        }
        return Parallelism.defaultThreads
    }
}

/// Splits "a,b,c" into trimmed, non-empty names.
func commaList(_ s: String?) -> [String]? {
    s.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

@main
enum Main {
    static func main() {
        do {
            var command = try Ciblage.parseAsRoot()
            try command.run()
        } catch {
            exit(status(for: error))
        }
    }

    /// Prints the error and returns the exit code: 1 for what the user can fix, 2 for our own failures.
    static func status(for error: Error) -> Int32 {
        switch error {
        case let e as DataError: printError("error: \(e)"); return 1
        case let e as FitError: printError("error: \(e)"); return 1
        case let e as ArtifactError: printError("error: \(e)"); return 1
        case let e as CampaignError: printError("error: \(e)"); return 1
        case let e as QueueError: printError("error: \(e)"); return 1
        case let e as AuditError: printError("error: \(e)"); return 1
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
