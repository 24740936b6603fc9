import Engine
import Foundation
import Objectives
import TestSupport
import XCTest

final class CrossEntropyTests: XCTestCase {
    func testWeightedMaskedMulticlassByHand() {
        let logits = Tensor(shape: [3, 3], values: [1, 2, 3, 0, 0, 0, 5, 1, -1])
        let ce = CrossEntropy(mode: .multiclass, classWeights: [1, 2, 0.5])
        let g = Tensor(shape: [3, 3])
        let loss = ce(logits: logits, labels: [2, 1, -1], gradient: g)
        let l0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        let l1 = log(3.0)
        XCTAssertEqual(Double(loss), (0.5 * l0 + 2 * l1) / 2.5, accuracy: 1e-6)
        XCTAssertEqual(Array(g.array[6..<9]), [0, 0, 0], "masked row")
        XCTAssertEqual(Double(g.data[4]), 2 * (1.0 / 3 - 1) / 2.5, accuracy: 1e-6)
        XCTAssertEqual(ce(logits: logits, labels: [-1, -1, -1], gradient: g), 0)
    }

    func testBinaryAndFiniteDifferences() {
        for (mode, k, labels) in [(CrossEntropy.Mode.binary, 1, [1, 0, 1, -1]), (.multiclass, 4, [3, 0, 2, 1])] {
            let ce = CrossEntropy(mode: mode, classWeights: mode == .binary ? [1, 3] : [1, 2, 3, 4])
            var rng = SeededGenerator(seed: 5)
            let x = Tensor(shape: [4, k])
            rng.fill(x, scale: 3)
            let g = Tensor(shape: [4, k])
            _ = ce(logits: x, labels: labels, gradient: g, scale: 2)
            for i in 0..<x.count {
                let old = x.data[i]
                let h: Float = 1e-3
                x.data[i] = old + h
                let p = ce(logits: x, labels: labels, gradient: Tensor(shape: [4, k]), scale: 2)
                x.data[i] = old - h
                let m = ce(logits: x, labels: labels, gradient: Tensor(shape: [4, k]), scale: 2)
                x.data[i] = old
                XCTAssertEqual(g.data[i], (p - m) / (2 * h), accuracy: 2e-3, "\(mode) element \(i)")
            }
        }
        // Binary loss by hand: BCE(σ(0), 1) = log 2.
        let z = Tensor(shape: [1, 1])
        XCTAssertEqual(
            CrossEntropy(mode: .binary)(logits: z, labels: [1], gradient: Tensor(shape: [1, 1])), Float(log(2.0)),
            accuracy: 1e-6)
    }
}
