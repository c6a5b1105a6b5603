import ArgumentParser
import Workflows

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode a training CSV once into a cache (.cbl) that train and select read without parsing.",
        discussion: """
            Give the same column settings as the command that will read the cache (--spec and its options, \
            or the column flags; --amount for a two-part train): a cache is refused under other settings. \
            The cache holds the design matrix, target, weights, amounts and lines as aligned raw doubles, \
            with the source CSV's fingerprint (which models trained from it record) and a checksum checked \
            on every read; the proxy check's sample of the sensitive columns travels with it.
            """
    )

    @OptionGroup var data: DataOptions
    @OptionGroup var encoding: EncodingOptions
    @Option(help: "Where to write the cache (.cbl).") var output: String
    @OptionGroup var csv: CSVOptions
    @OptionGroup var threads: ThreadOptions

    func request() throws -> ConversionRequest {
        var training = TrainingRequest(data: data.data, roles: try encoding.roles())
        training.idColumn = encoding.id
        training.amountColumn = encoding.amount
        training.rowFilter = try encoding.rowFilter()
        training.format = try csv.format()
        training.threads = threads.resolved
        return ConversionRequest(training: training, output: output)
    }

    func validate() throws { try check(try request().training.validate) }

    func run() throws {
        let request = try request()
        let r = try withProgress { try convert(request, progress: $0) }
        print("wrote \(output): \(r.rows) rows × \(r.columns) terms, \(r.bytes) bytes (\(format(seconds: r.seconds)) s)")
    }
}
