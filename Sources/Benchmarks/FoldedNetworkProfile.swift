import Foundation
import Inference

/// `benchmark --inference --profile-eval`: every step of the folded network timed at batch 1, on one core
/// and on both, as a printable table.
public enum FoldedNetworkProfile {
    public static func table(modelPath: String?, size: Int) throws -> String {
        let predictor = try Predictor(modelPath: modelPath)
        let both = predictor.network.profile(height: size, width: size, bothCores: true)
        var lines = ["step                  output (blocks×h×w+pad)   ms, one core   ms, both cores (batch 1)"]
        var total = 0.0
        var total2 = 0.0
        for (i, row) in predictor.network.profile(height: size, width: size).enumerated() {
            total += row.milliseconds
            total2 += both[i].milliseconds
            let shape = "\(row.plane.blocks)×\(row.plane.height)×\(row.plane.width)+\(row.plane.pad)"
            lines.append(
                row.step.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + shape.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + milliseconds(row.milliseconds, width: 10) + milliseconds(both[i].milliseconds, width: 15))
        }
        lines.append(
            "total" + String(repeating: " ", count: 39) + milliseconds(total, width: 10)
                + milliseconds(total2, width: 15))
        return lines.joined(separator: "\n")
    }

    private static func milliseconds(_ value: Double, width: Int) -> String {
        let text = String(format: "%.4f", value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
