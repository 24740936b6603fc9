import Foundation
import Model

/// Linear warm-up to the base rate, then cosine or polynomial decay to `minimum` at `totalSteps`.
package struct LearningRateSchedule: Sendable {
    package var base: Float
    package var minimum: Float
    package var warmupSteps: Int
    package var totalSteps: Int
    package var kind: Schedule
    package var power: Double

    package init(base: Float, minimum: Float, warmupSteps: Int, totalSteps: Int, kind: Schedule, power: Double) {
        self.base = base
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.kind = kind
        self.power = power
    }

    /// The rate for optimizer step `step` (0-based).
    package func rate(at step: Int) -> Float {
        if step < warmupSteps { return base * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let p = min(max(Double(step - warmupSteps) / Double(span), 0), 1)
        let f = kind == .poly ? pow(1 - p, power) : 0.5 * (1 + cos(.pi * p))
        return minimum + (base - minimum) * Float(f)
    }
}
