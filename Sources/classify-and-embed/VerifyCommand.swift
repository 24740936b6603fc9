import ArgumentParser
import ClassifyEmbed
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Do two captures show the same template? Cosine similarity and a same/different decision.",
        discussion: """
            The threshold is the model's stored one for the FPR level (--fpr, default 1e-2; stored by `evaluate \
            --write-thresholds`), or --threshold. Exit status 0 for same, 2 for different, 1 for an error.
            """)

    @Argument(help: "First image (- reads it from standard input).") var first: String
    @Argument(help: "Second image (- reads it from standard input).") var second: String
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var thresholdOptions: ThresholdOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let predictor = try modelOptions.predictor()
        let sources = try ImageInputs.sources([first, second], expandingFolders: false)
        let a = try predictor.predict(sources[0])
        let b = try predictor.predict(sources[1])
        let similarity = cosineSimilarity(a.embedding, b.embedding)
        let decision = try thresholdOptions.decision(for: predictor)
        let (cut, level, tpr) = (decision.threshold, decision.fpr, decision.tpr)
        let same = similarity >= cut
        if json {
            let record = VerificationRecord(
                first: first, second: second, similarity: similarity, threshold: cut, fpr: level, tpr: tpr,
                same: same)
            print(String(decoding: try JSONLines.encoder.encode(record), as: UTF8.self))
        } else {
            let at = level.map { String(format: " at FPR %g (TPR there %.3f)", $0, tpr ?? 0) } ?? ""
            print(
                String(
                    format: "similarity %.4f, threshold %.4f%@: %@", similarity, cut, at,
                    same ? "SAME template" : "DIFFERENT templates"))
        }
        if !same { throw ExitCode(2) }
    }
}
