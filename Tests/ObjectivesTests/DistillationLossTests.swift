import Engine
import Foundation
import Objectives
import XCTest

/// The two distillation losses: values by hand and gradients against central differences.
final class DistillationLossTests: XCTestCase {
    /// Central difference of `loss` at element `i` of `x`.
    private func numeric(_ x: Tensor, _ i: Int, h: Float = 1e-3, _ loss: () -> Float) -> Float {
        let old = x.data[i]
        x.data[i] = old + h
        let plus = loss()
        x.data[i] = old - h
        let minus = loss()
        x.data[i] = old
        return (plus - minus) / (2 * h)
    }

    func testSoftTargetKLByHandAndFiniteDifferences() {
        // Equal logits and uniform targets: no divergence, no gradient.
        let kd = SoftTargetKL(temperature: 2)
        let flat = Tensor(shape: [1, 3])
        let g0 = Tensor(shape: [1, 3])
        XCTAssertEqual(kd(logits: flat, targets: [1 / 3, 1 / 3, 1 / 3], gradient: g0), 0, accuracy: 1e-6)
        XCTAssertEqual(g0.array.map(abs).max()!, 0, accuracy: 1e-6)
        // One row by hand: T² · Σ q (log q − log softmax(z/T)).
        let z = Tensor(shape: [1, 2], values: [2, 0])
        let q: [Float] = [0.25, 0.75]
        let p1 = exp(1.0) / (exp(1.0) + 1)
        let expected = 4 * (0.25 * log(0.25 / p1) + 0.75 * log(0.75 / (1 - p1)))
        XCTAssertEqual(Double(kd(logits: z, targets: q, gradient: Tensor(shape: [1, 2]))), expected, accuracy: 1e-5)

        for (mode, k) in [(CrossEntropy.Mode.multiclass, 4), (.binary, 1)] {
            let loss = SoftTargetKL(temperature: 1.7, mode: mode)
            var rng = SeededGenerator(seed: 9)
            let x = Tensor(shape: [5, k])
            rng.fill(x, scale: 2)
            let columns = loss.targetColumns(logitColumns: k)
            var targets = [Float](repeating: 0, count: 5 * columns)
            for r in 0..<5 {
                let raw = (0..<columns).map { _ in rng.uniform() + 0.05 }
                let sum = raw.reduce(0, +)
                for c in 0..<columns { targets[r * columns + c] = raw[c] / sum }
            }
            let g = Tensor(shape: x.shape)
            g.fill(0.5)  // the gradient is added to what is there
            _ = loss(logits: x, targets: targets, gradient: g, scale: 3)
            for i in 0..<x.count {
                let n = numeric(x, i) { loss(logits: x, targets: targets, gradient: Tensor(shape: x.shape), scale: 3) }
                XCTAssertEqual(g.data[i] - 0.5, n, accuracy: 2e-3, "\(mode) element \(i)")
            }
        }
    }

    func testFeatureLossesByHandAndFiniteDifferences() {
        let s = Tensor(shape: [1, 2], values: [3, 0])
        let t: [Float] = [0, 1]
        let cosine = FeatureDistillationLoss(kind: .cosine)
        let (l, c) = cosine(student: s, targets: t, gradient: Tensor(shape: [1, 2]))
        XCTAssertEqual(l, 1, accuracy: 1e-6, "orthogonal: 1 − cos = 1")
        XCTAssertEqual(c, 0, accuracy: 1e-6)
        let (m, _) = FeatureDistillationLoss(kind: .mse)(student: s, targets: t, gradient: Tensor(shape: [1, 2]))
        XCTAssertEqual(m, 10, accuracy: 1e-5, "‖(3, −1)‖² = 10")

        for kind in FeatureDistillationKind.allCases {
            let loss = FeatureDistillationLoss(kind: kind)
            var rng = SeededGenerator(seed: 21)
            let x = Tensor(shape: [4, 6])
            rng.fill(x)
            var targets = [Float](repeating: 0, count: 24)
            for r in 0..<4 {
                let v = (0..<6).map { _ in rng.normal() }
                let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
                for j in 0..<6 { targets[r * 6 + j] = v[j] / norm }
            }
            let g = Tensor(shape: x.shape)
            _ = loss(student: x, targets: targets, gradient: g, scale: 2)
            for i in 0..<x.count {
                let n = numeric(x, i) {
                    loss(student: x, targets: targets, gradient: Tensor(shape: x.shape), scale: 2).loss
                }
                XCTAssertEqual(g.data[i], n, accuracy: 2e-3, "\(kind) element \(i)")
            }
        }
    }
}
