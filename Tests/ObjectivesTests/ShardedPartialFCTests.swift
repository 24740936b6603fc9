import Engine
import Objectives
import TestSupport
import XCTest

/// Model-parallel PartialFC: the centres split over ranks (threads of this process), each rank holding its
/// rows of the batch, against one process holding every centre and the whole batch.
final class ShardedPartialFCTests: XCTestCase {
    struct StepResult {
        var loss: Float
        var inputGradient: [Float]
        /// Class → its centres after one AdamW step (k·D values).
        var centres: [Int: [Float]]
    }

    /// One step of the margin loss and lazy AdamW over `rows` of a batch of `labels`.
    static func step(
        _ head: MarginClassifier, x: [Float], rows: Range<Int>, labels: [Int], dimension d: Int, batchLabels: [Int]?
    ) -> StepResult {
        let input = Tensor(shape: [rows.count, d], values: Array(x[(rows.lowerBound * d)..<(rows.upperBound * d)]))
        let gradient = Tensor(shape: [rows.count, d])
        head.beginStep(labels: labels)
        let loss = head.forwardBackward(
            embeddings: input, labels: Array(labels[rows]), lossWeight: 0.7, gradient: gradient,
            batchLabels: batchLabels)
        var optimizer = AdamW(learningRate: 0.01, weightDecay: 0.05)
        optimizer.step += 1
        head.update(with: optimizer)
        var centres: [Int: [Float]] = [:]
        let perClass = head.settings.subCenters * d
        for c in head.shard {
            let start = (c - head.shard.lowerBound) * perClass
            centres[c] = Array(UnsafeBufferPointer(start: head.weight.pointer + start, count: perClass))
        }
        return StepResult(
            loss: loss, inputGradient: Array(UnsafeBufferPointer(start: gradient.data, count: gradient.count)),
            centres: centres)
    }

    func testShardsEqualOneProcess() throws {
        let d = 8
        let b = 10
        let classes = 13
        var generator = SeededGenerator(seed: 5)
        let x = (0..<(b * d)).map { _ in generator.normal() }
        // Two rows without an identity; labels spread over every shard.
        let labels = [0, 12, 5, -1, 7, 7, 3, -1, 10, 1]
        for (settings, ranks) in [
            (MarginSettings(scale: 16, m1: 1, m2: 0, m3: 0.2), 2),
            (MarginSettings(kind: .arcFace(margin: 0.3), scale: 10, subCenters: 2), 3),
            (MarginSettings(scale: 16, m1: 1, m2: 0, m3: 0.2, sampleRate: 0.5), 2),
        ] {
            let one = Self.step(
                MarginClassifier(classes: classes, dimension: d, settings: settings, seed: 9), x: x, rows: 0..<b,
                labels: labels, dimension: d, batchLabels: nil)
            let parts = try LocalRankGroup(size: ranks).run { group in
                let rows = group.share(of: b)
                let head = MarginClassifier(
                    classes: classes, dimension: d, settings: settings, seed: 9, shardOver: group)
                return (rows, Self.step(head, x: x, rows: rows, labels: labels, dimension: d, batchLabels: labels))
            }
            XCTAssertEqual(parts.map(\.1.loss).reduce(0, +), one.loss, accuracy: 1e-5 * abs(one.loss), "\(settings)")
            for (rows, part) in parts {
                for (i, g) in part.inputGradient.enumerated() {
                    XCTAssertEqual(
                        g, one.inputGradient[rows.lowerBound * d + i], accuracy: 1e-6, "dx \(i), \(settings)")
                }
                for (c, values) in part.centres {
                    let reference = try XCTUnwrap(one.centres[c])
                    for (u, v) in zip(values, reference) {
                        XCTAssertEqual(u, v, accuracy: 1e-6, "class \(c), \(settings)")
                    }
                }
            }
            XCTAssertEqual(parts.map(\.1.centres.count).reduce(0, +), classes, "every class held by one rank")
        }
    }
}
