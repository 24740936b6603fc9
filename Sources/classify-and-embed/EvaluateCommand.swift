import ArgumentParser
import ClassifyEmbed

extension EvaluationRun.Head: ExpressibleByArgument {}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score each head of a model on a CSV split and write report.json.",
        discussion: """
            The classification head: accuracy, per-class precision/recall/F1/support, macro and weighted F1, the \
            confusion matrix (rows true, columns predicted) and one-vs-rest AUROC. The embedding head: cosine \
            similarity over all unordered pairs of rows with an identity, exact AUROC and the TPR@FPR table with \
            thresholds (the ROC point with the largest FPR ≤ target; positive means score ≥ threshold).
            """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "CSV split to score.") var split: String
    @Option(help: "classification, embedding or both.") var head: EvaluationRun.Head = .both
    @Option(help: "Output folder for report.json and report.html.") var out: String
    @Option(help: "Training split: report test identities that also occur there (zero-shot check).") var trainSplit:
        String?
    @Flag(help: "Store the TPR@FPR threshold table in the model file's metadata.") var writeThresholds = false
    @Option(help: "Score this many random pairs instead of all pairs.") var pairs: Int?
    @Flag(
        help:
            "Also score with test-time augmentation (flip/blur for classes, small crops for embeddings), side by side.")
    var tta = false
    @Option(help: "Score the pairs listed in this file (`pathA | pathB [| same]`, paths relative to it).")
    var pairsFile: String?
    @Option(
        help: ArgumentHelp(
            "A table with a `path` column and per-image attributes (make-dataset's captures.csv): also report "
                + "the classification accuracy per value of each --by column."))
    var breakdown: String?
    @Option(help: "A --breakdown column to group by (repeatable; default: kind).") var by: [String] = []

    func run() throws {
        var run = EvaluationRun(model: try modelOptions.path(), split: split, head: head, output: out)
        run.tta = tta
        run.trainSplit = trainSplit
        run.writeThresholds = writeThresholds
        run.sampledPairs = pairs
        run.pairsFile = pairsFile
        run.breakdownFile = breakdown
        if !by.isEmpty { run.breakdownColumns = by }
        let summary: String
        do {
            summary = try run.run()
        } catch {
            // Under mpirun one rank's error ends every rank (the others would wait in a collective).
            ProcessGroup.end(after: error)
            throw error
        }
        // Rank 0 reports; the other ranks of an mpirun job return an empty summary.
        if !summary.isEmpty { print(summary) }
        ProcessGroup.finish()
    }
}
