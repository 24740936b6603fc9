import Foundation

/// Everything `compare` measured, as written to its `report.json`: one row per model, every model scored on
/// the same split by the same evaluator as `evaluate`.
package struct ComparisonReport: Codable, Sendable {
    package var split: String
    package var images: Int
    package var trainSplit: String?
    /// The class names every model shares; nil when they differ, and then no row has classification columns.
    package var classNames: [String]?
    /// What a reader must know to read the table right (differing class names or input sizes, pair counts …).
    package var notes: [String]
    /// How `latency` was measured.
    package var latencyMethod: String
    package var rows: [ComparisonRow]

    package init(
        split: String, images: Int, trainSplit: String?, classNames: [String]?, notes: [String],
        latencyMethod: String, rows: [ComparisonRow]
    ) {
        self.split = split
        self.images = images
        self.trainSplit = trainSplit
        self.classNames = classNames
        self.notes = notes
        self.latencyMethod = latencyMethod
        self.rows = rows
    }
}

/// Time per image of one model, measured in the comparison run on this machine.
package struct Latency: Codable, Equatable, Sendable {
    /// Median milliseconds of a single-image pass (batch 1).
    package var singleImageMs: Double
    /// Milliseconds per image of a batched pass.
    package var batchedMsPerImage: Double

    package init(singleImageMs: Double, batchedMsPerImage: Double) {
        self.singleImageMs = singleImageMs
        self.batchedMsPerImage = batchedMsPerImage
    }
}

/// One model's row: what it is, how fast it ran, and its headline figures (the table's columns), plus its whole
/// evaluation for the plots.
package struct ComparisonRow: Codable, Sendable {
    /// The row's name: the model's config name, else its file name, made unique among the rows.
    package var name: String
    package var model: String
    /// The fingerprint of the weights (`Predictor.modelID`).
    package var modelID: String
    package var inputSize: Int
    package var embeddingSize: Int
    package var classNames: [String]
    package var sizeMiB: Double
    package var latency: Latency
    /// Classification columns: nil when the head was not scored or the models' class names differ.
    package var accuracy: Double?
    package var macroF1: Double?
    /// Per class, in the order of the report's `classNames`.
    package var f1PerClass: [Double]?
    /// One-vs-rest AUROC per class (nil where the split has one side only).
    package var aurocPerClass: [Double?]?
    /// Verification columns: nil when the embedding head was not scored.
    package var auroc: Double?
    package var tprAtFPR: [ROC.OperatingPoint]?
    package var bestAccuracy: PairVerification.ThresholdPoint?
    package var bestF1: PairVerification.ThresholdPoint?
    /// The model's full evaluation, as `evaluate` writes it (curves, histograms, confusion matrix).
    package var evaluation: EvaluationReport

    /// The row of `evaluation`; `classificationColumns` is false when the models' class names differ.
    package init(
        name: String, model: String, modelID: String, inputSize: Int, embeddingSize: Int, classNames: [String],
        sizeMiB: Double, latency: Latency, evaluation: EvaluationReport, classificationColumns: Bool
    ) {
        self.name = name
        self.model = model
        self.modelID = modelID
        self.inputSize = inputSize
        self.embeddingSize = embeddingSize
        self.classNames = classNames
        self.sizeMiB = sizeMiB
        self.latency = latency
        self.evaluation = evaluation
        if classificationColumns, let c = evaluation.classification {
            accuracy = c.metrics.accuracy
            macroF1 = c.metrics.macroF1
            f1PerClass = c.metrics.f1
            aurocPerClass = c.auroc
        }
        if let v = evaluation.verification {
            auroc = v.auroc
            tprAtFPR = v.tprAtFPR
            bestAccuracy = v.bestAccuracy
            bestF1 = v.bestF1
        }
    }

    /// TPR at the FPR level `target` of the verification table, when scored.
    package func tpr(atFPR target: Double) -> Double? { tprAtFPR?.first { $0.fprTarget == target }?.tpr }
}
