import ArgumentParser
import ClassifyEmbed

extension PredictionFormat: ExpressibleByArgument {}
extension EmbeddingOutput: ExpressibleByArgument {}

/// `--format`, `--json` and `--output`, shared by `predict` and `match`.
struct OutputOptions: ParsableArguments {
    @Option(
        help: "Output format: text, jsonl (one JSON object per image and line) or csv (a header, RFC 4180 quoting).")
    var format: PredictionFormat?
    @Flag(help: "The same as --format jsonl.") var json = false
    @Option(help: ArgumentHelp("Write the results to FILE (atomically: complete or not at all).", valueName: "file"))
    var output: String?

    func validate() throws {
        if json, let format, format != .jsonl {
            throw ValidationError("--json means --format jsonl, but --format \(format.rawValue) is given too; give one")
        }
    }

    /// The chosen format: text unless `--format` or `--json` says otherwise.
    var chosen: PredictionFormat { json ? .jsonl : format ?? .text }
}
