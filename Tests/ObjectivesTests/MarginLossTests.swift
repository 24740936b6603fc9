import Engine
import Foundation
import Model
import Objectives
import TestSupport
import XCTest

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    var num = 0.0
    var den = 0.0
    for (x, y) in zip(a, b) {
        num += Double(x - y) * Double(x - y)
        den += Double(y) * Double(y)
    }
    return (num / max(den, 1e-30)).squareRoot()
}

final class MarginLossTests: XCTestCase {
    static let cases: [(String, MarginSettings)] = [
        ("softmax", MarginSettings(scale: 64, m1: 1, m2: 0, m3: 0)),
        ("cosface", MarginSettings(scale: 64, m1: 1, m2: 0, m3: 0.4)),
        ("arcface", MarginSettings(scale: 64, m1: 1, m2: 0.5, m3: 0)),
        ("combined", MarginSettings(scale: 64, m1: 0.9, m2: 0.4, m3: 0.15)),
        ("cosface_s16", MarginSettings(scale: 16, m1: 1, m2: 0, m3: 0.35)),
    ]

    func testEqualsPyTorchFixture() throws {
        BLAS.configure()
        let f = try SafeTensorsFile(contentsOf: fixtures.appendingPathComponent("margin_loss.safetensors"))
        let x = try f.tensor("embeddings")
        let w = try f.tensor("weight")
        let labels = try f.floats("labels").values.map { Int($0) }
        for (name, settings) in Self.cases {
            let head = MarginClassifier(classes: 10, dimension: 16, settings: settings)
            head.weight.pointer.update(from: w.data, count: w.count)
            head.beginStep(labels: labels)
            let logits = head.logits(embeddings: x, labels: labels)
            XCTAssertLessThan(
                relativeError(logits.array, try f.floats(name + ".logits").values), 1e-4, "\(name) logits")
            let dx = Tensor(shape: x.shape)
            let loss = head.forwardBackward(embeddings: x, labels: labels, gradient: dx)
            let expected = try f.floats(name + ".loss").values[0]
            XCTAssertEqual(Double(loss), Double(expected), accuracy: 1e-4 * Double(abs(expected)), "\(name) loss")
            XCTAssertLessThan(
                relativeError(dx.array, try f.floats(name + ".grad_embeddings").values), 1e-4, "\(name) dx")
            head.finishGradients()
            let dw = (0..<10).flatMap { head.centreGradient(ofClass: $0)! }
            XCTAssertLessThan(relativeError(dw, try f.floats(name + ".grad_weight").values), 1e-4, "\(name) dW")
        }
    }

    /// Finite differences through the combined margin with sub-centres, including the θ + m > π fallback.
    func testFiniteDifferencesWithSubCentres() {
        for settings in [
            MarginSettings(scale: 8, m1: 0.9, m2: 0.4, m3: 0.15, subCenters: 2),
            MarginSettings(scale: 8, m1: 1, m2: 0.5, m3: 0, subCenters: 1),
        ] {
            let head = MarginClassifier(classes: 5, dimension: 6, settings: settings, seed: 3)
            var rng = SeededGenerator(seed: 11)
            for i in 0..<(head.rows * 6) { head.weight.pointer[i] = rng.normal() }
            let x = Tensor(shape: [4, 6])
            rng.fill(x)
            // Row 3's embedding points away from its class centre so that θ + m2 > π there.
            let labels = [0, 3, -1, 4]
            for j in 0..<6 { x.data[3 * 6 + j] = -head.weight.pointer[(4 * settings.subCenters) * 6 + j] * 2 }
            func loss() -> Double {
                head.beginStep(labels: labels)
                return Double(head.forwardBackward(embeddings: x, labels: labels, gradient: Tensor(shape: [4, 6])))
            }
            head.beginStep(labels: labels)
            let dx = Tensor(shape: [4, 6])
            _ = head.forwardBackward(embeddings: x, labels: labels, gradient: dx)
            head.finishGradients()
            let dw = (0..<5).flatMap { head.centreGradient(ofClass: $0)! }
            let h: Float = 1e-3
            var numX: [Float] = []
            var numW: [Float] = []
            for i in 0..<24 {
                let old = x.data[i]
                x.data[i] = old + h
                let p = loss()
                x.data[i] = old - h
                let m = loss()
                x.data[i] = old
                numX.append(Float((p - m) / (2 * Double(h))))
            }
            for i in 0..<(head.rows * 6) {
                let old = head.weight.pointer[i]
                head.weight.pointer[i] = old + h
                let p = loss()
                head.weight.pointer[i] = old - h
                let m = loss()
                head.weight.pointer[i] = old
                numW.append(Float((p - m) / (2 * Double(h))))
            }
            XCTAssertTrue(dx.array[12..<18].allSatisfy { $0 == 0 }, "masked row gets no gradient")
            XCTAssertLessThan(relativeError(dx.array, numX), 2e-2, "dx \(settings)")
            XCTAssertLessThan(relativeError(dw, numW), 2e-2, "dW \(settings)")
        }
    }

    func testArcFaceFallbackIsMonotonic() {
        let s = MarginSettings.arcFace
        var last = Float.infinity
        for c in stride(from: Float(1), through: -1, by: -0.01) {
            let t = s.target(c).value
            XCTAssertLessThanOrEqual(t, last + 1e-6)
            last = t
        }
        XCTAssertEqual(s.target(-0.99).derivative, 1)
        XCTAssertEqual(s.target(-0.99).value, -0.99 - sinf(.pi - 0.5) * 0.5, accuracy: 1e-6)
    }
}
