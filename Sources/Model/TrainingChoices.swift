/// The learning-rate decay after warm-up (`train.schedule`).
public enum Schedule: String, Codable, Sendable, CaseIterable {
    /// Half a cosine from the peak rate down to the minimum.
    case cosine
    /// (1 − progress)^power.
    case poly
}

/// What picks the `best/` checkpoint (`train.validation_metric`).
public enum ValidationMetric: String, Codable, Sendable, CaseIterable {
    /// Macro-averaged F1 of the classification head.
    case macroF1 = "macro_f1"
    /// TPR at FPR 1e-4 of the embedding head over all validation pairs.
    case tprAtFPR1e4 = "tpr_at_fpr_1e-4"
}
