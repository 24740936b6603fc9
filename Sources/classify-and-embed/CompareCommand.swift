import ArgumentParser
import ClassifyEmbed
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Score several models on one split and write one comparison table with overlaid plots.",
        discussion: """
            Every model is scored as `evaluate` scores it, on the same split, and timed in the same run. \
            report.json holds one row per model (named by the config it was trained from, else its file name): \
            macro-F1, accuracy, per-class F1 and AUROC, verification AUROC, the TPR@FPR table, the best-accuracy \
            and best-F1 thresholds, latency and size, and each model's whole evaluation. report.html shows the \
            tables and every model's ROC (linear and log FPR) and accuracy/F1-vs-threshold curves overlaid. \
            Models with different classes are compared on the embedding head only.
            """)

    @Argument(help: "Model files (.safetensors) to compare.") var models: [String]
    @Option(help: "CSV split to score every model on.") var split: String
    @Option(help: "Training split: report test identities that also occur there (zero-shot check).") var trainSplit:
        String?
    @Option(help: "classification, embedding or both.") var head: EvaluationRun.Head = .both
    @Option(help: "Output folder for report.json and report.html.") var out: String
    @Flag(help: "Print the table as Markdown (Name | TPR@FPR=1e-4 | ROC | …) instead of the text summary.")
    var markdown = false

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give the model files to compare") }
    }

    func run() throws {
        var run = ComparisonRun(models: models, split: split, head: head, output: out)
        run.trainSplit = trainSplit
        run.progress = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let outcome = try run.run()
        if markdown {
            print(outcome.markdown)
            FileHandle.standardError.write(Data("report: \(outcome.reportJSON) and report.html\n".utf8))
        } else {
            print(outcome.summary)
        }
    }
}
