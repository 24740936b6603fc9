import Foundation

/// The KD term's targets for every row of the training split: a teacher probe's class logits (`classes`
/// per row, in split order), turned into probabilities at the configured temperature when a batch needs
/// them. Made outside `Training` (the teacher lives in `Inference`; see the `Distillation` module) and
/// handed to the trainer.
package struct SoftTargets: Sendable {
    /// Logit columns per row: the class names of the split (2 for a binary head).
    package let classes: Int
    /// `rows × classes` logits.
    package let logits: [Float]
    /// What made them (teacher, probe settings, cross-fitted accuracy), a JSON object recorded in the
    /// provenance of every model file the run writes.
    package let provenance: String

    package init(classes: Int, logits: [Float], provenance: String) {
        precondition(classes >= 1 && logits.count % classes == 0, "logits do not fill whole rows")
        self.classes = classes
        self.logits = logits
        self.provenance = provenance
    }

    package var rows: Int { logits.count / classes }

    /// `softmax(logits / temperature)` of each of `rows`, concatenated.
    package func probabilities(rows: [Int], temperature: Float) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * classes)
        for (i, r) in rows.enumerated() {
            var mx = -Float.infinity
            for c in 0..<classes { mx = max(mx, logits[r * classes + c] / temperature) }
            var sum: Float = 0
            for c in 0..<classes {
                let e = expf(logits[r * classes + c] / temperature - mx)
                out[i * classes + c] = e
                sum += e
            }
            for c in 0..<classes { out[i * classes + c] /= sum }
        }
        return out
    }
}
