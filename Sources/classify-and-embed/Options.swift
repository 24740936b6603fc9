import ArgumentParser
import ClassifyEmbed
import Foundation

/// `--model`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(
        help: """
            Model file (.safetensors). Default: $\(ModelLookup.environmentVariable), else the shipped model \
            installed beside the tool (PREFIX/share/classify-and-embed/) or in the checkout it was built in \
            (Data/models/default.safetensors).
            """)
    var model: String?

    /// The model file to use: `--model`, else the one `ModelLookup` finds (its error lists the paths tried).
    func path() throws -> String { try model ?? ModelLookup.locate() }

    func predictor() throws -> Predictor {
        // A file that cannot be used is a usage error of `--model`; finding none is not (it has its own advice).
        do { return try Predictor(modelPath: try path()) } catch let e as PredictorError {
            throw ValidationError(e.description)
        }
    }
}

/// `--fpr` / `--threshold`, shared by the commands that decide "same template or not" (verify, predict
/// with a gallery, match).
struct ThresholdOptions: ParsableArguments {
    // `.unconditional`: `--fpr -1` is read as a (bad) value, not as a missing one followed by a flag.
    @Option(
        parsing: .unconditional,
        help: "FPR level whose stored threshold decides (stored by `evaluate --write-thresholds`), in (0, 1].")
    var fpr: Double = 1e-2
    @Option(parsing: .unconditional, help: "Similarity threshold in [-1, 1] (overrides --fpr).") var threshold: Float?

    func validate() throws {
        guard fpr.isFinite, fpr > 0, fpr <= 1 else {
            throw ValidationError("--fpr \(fpr) is not a false-positive rate: give a level in (0, 1], e.g. 1e-2")
        }
        if let threshold, !(threshold.isFinite && (-1...1).contains(threshold)) {
            throw ValidationError("--threshold \(threshold) is not a cosine similarity: give a value in [-1, 1]")
        }
    }

    /// The similarity cut and, when it came from the model's table, the FPR level and the TPR there.
    struct Decision {
        var threshold: Float
        var fpr: Double?
        var tpr: Double?
    }

    func decision(for predictor: Predictor) throws -> Decision {
        if let threshold { return Decision(threshold: threshold, fpr: nil, tpr: nil) }
        let t = try predictor.threshold(atFPR: fpr)
        return Decision(threshold: Float(t.threshold), fpr: t.fpr, tpr: t.tpr)
    }
}
