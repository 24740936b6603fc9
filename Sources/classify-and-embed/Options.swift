import ArgumentParser
import ClassifyEmbed

/// `--model`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model file (.safetensors). Default: the shipped Data/models/default.safetensors.") var model: String?

    /// The model file to use: `--model`, else the shipped one.
    var path: String { model ?? Predictor.defaultModelPath }

    func predictor() throws -> Predictor {
        do { return try Predictor(modelPath: model) } catch let e as PredictorError {
            throw ValidationError(e.description)
        }
    }
}

/// `--fpr` / `--threshold`, shared by the commands that decide "same template or not" (verify, predict
/// with a gallery, match).
struct ThresholdOptions: ParsableArguments {
    @Option(help: "FPR level whose stored threshold decides (stored by `evaluate --write-thresholds`).")
    var fpr: Double = 1e-2
    @Option(help: "Similarity threshold (overrides --fpr).") var threshold: Float?

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
