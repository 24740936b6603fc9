import Engine
import Objectives

// Test-only access to the margin classifier's per-class gradients.
extension MarginClassifier {
    /// The gradient of class `c`'s centres accumulated in this step, after `finishGradients()`. Nil when `c`
    /// was not sampled.
    func centreGradient(ofClass c: Int) -> [Float]? {
        guard c < classes, slotOfClass[c] >= 0 else { return nil }
        let k = settings.subCenters
        let d = dimension
        let slot = Int(slotOfClass[c])
        return Array(UnsafeBufferPointer(start: centreGrads.pointer + slot * k * d, count: k * d))
    }
}
