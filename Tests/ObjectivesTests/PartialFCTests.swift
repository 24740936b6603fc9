import Engine
import Objectives
import XCTest

final class PartialFCTests: XCTestCase {
    private func makePair(rate: Float) -> (MarginClassifier, MarginClassifier) {
        let settings = MarginSettings(scale: 16, m1: 1, m2: 0, m3: 0.3, sampleRate: rate)
        let a = MarginClassifier(
            classes: 50, dimension: 8, settings: MarginSettings(scale: 16, m1: 1, m2: 0, m3: 0.3), seed: 1)
        let b = MarginClassifier(classes: 50, dimension: 8, settings: settings, seed: 1)
        return (a, b)
    }

    func testSampleRateOneEqualsFullSoftmaxOverSteps() {
        BLAS.configure()
        let full = MarginClassifier(classes: 40, dimension: 8, settings: .cosFace, seed: 5)
        var s = MarginSettings.cosFace
        s.sampleRate = 1
        let partial = MarginClassifier(classes: 40, dimension: 8, settings: s, seed: 5)
        var optA = AdamW(learningRate: 0.05)
        var optB = AdamW(learningRate: 0.05)
        var rng = SeededGenerator(seed: 2)
        for _ in 0..<5 {
            let x = Tensor(shape: [6, 8])
            rng.fill(x)
            let labels = (0..<6).map { _ in Int(rng.next() % 40) }
            full.beginStep(labels: labels)
            partial.beginStep(labels: labels)
            let la = full.forwardBackward(embeddings: x, labels: labels, gradient: Tensor(shape: [6, 8]))
            let lb = partial.forwardBackward(embeddings: x, labels: labels, gradient: Tensor(shape: [6, 8]))
            XCTAssertEqual(la, lb)
            optA.step += 1
            optB.step += 1
            full.update(with: optA)
            partial.update(with: optB)
        }
        XCTAssertEqual(
            Array(UnsafeBufferPointer(start: full.weight.pointer, count: 320)),
            Array(UnsafeBufferPointer(start: partial.weight.pointer, count: 320)))
    }

    func testSamplingKeepsPositivesAndUpdatesOnlySampledRows() {
        let (_, head) = makePair(rate: 0.2)
        let before = Array(UnsafeBufferPointer(start: head.weight.pointer, count: 50 * 8))
        let labels = [3, 17, 17, 42, -1]
        head.beginStep(labels: labels)
        XCTAssertEqual(head.sampled.count, 10)
        XCTAssertTrue(Set(head.sampled).isSuperset(of: [3, 17, 42]))
        XCTAssertEqual(head.sampled, head.sampled.sorted())
        let x = Tensor(shape: [5, 8])
        var rng = SeededGenerator(seed: 4)
        rng.fill(x)
        _ = head.forwardBackward(embeddings: x, labels: labels, gradient: Tensor(shape: [5, 8]))
        var opt = AdamW(learningRate: 0.1)
        opt.step = 1
        head.update(with: opt)
        let after = Array(UnsafeBufferPointer(start: head.weight.pointer, count: 50 * 8))
        for c in 0..<50 {
            let changed = (0..<8).contains { before[c * 8 + $0] != after[c * 8 + $0] }
            XCTAssertEqual(changed, head.sampled.contains(c), "class \(c): only sampled rows change")
        }
        // Sampling is deterministic for a seed and differs between steps.
        let (_, twin) = makePair(rate: 0.2)
        twin.beginStep(labels: labels)
        XCTAssertEqual(twin.sampled, head.sampled)
        let first = twin.sampled
        twin.beginStep(labels: labels)
        XCTAssertNotEqual(twin.sampled, first)
    }
}
