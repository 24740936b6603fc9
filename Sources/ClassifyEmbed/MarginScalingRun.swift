import Engine
import Foundation
import Objectives

/// `benchmark --margin-classes N`: PartialFC steps alone (margin softmax forward and backward, lazy AdamW) on
/// synthetic embeddings — `batch` random 256-d rows with random identities among N — in one process, or
/// under `mpirun` with the centres split over the ranks (model-parallel PartialFC) and each rank holding its
/// share of the batch. Rank 0 returns the report; the other ranks return nil.
public struct MarginScalingRun {
    public var classes: Int
    public var sampleRate: Float = 0.1
    public var batch = 64
    public var steps = 10
    public var dimension = 256

    public init(classes: Int) { self.classes = classes }

    public func run() throws -> String? {
        let group = try ProcessGroup.communicator()
        let settings = MarginSettings(scale: 64, m1: 1, m2: 0, m3: 0.4, sampleRate: sampleRate)
        let made = System.now()
        let head = MarginClassifier(
            classes: classes, dimension: dimension, settings: settings, seed: 1, shardOver: group)
        let buildSeconds = System.now() - made
        let rows = group.share(of: batch)
        var optimizer = AdamW(learningRate: 1e-3, weightDecay: 0.05)
        var stepTimes: [Double] = []
        for step in 0..<(steps + 2) {
            // Every rank draws the whole batch from the step's seed and keeps its rows.
            var generator = SeededGenerator(seed: UInt64(step) &* 7919 &+ 11)
            let labels = (0..<batch).map { _ in Int(generator.next() % UInt64(classes)) }
            let values = (0..<(batch * dimension)).map { _ in generator.normal() }
            let x = Tensor(
                shape: [rows.count, dimension],
                values: Array(values[(rows.lowerBound * dimension)..<(rows.upperBound * dimension)]))
            let gradient = Tensor(shape: x.shape)
            group.barrier()
            let started = System.now()
            head.beginStep(labels: labels)
            _ = head.forwardBackward(
                embeddings: x, labels: Array(labels[rows]), gradient: gradient, batchLabels: labels)
            optimizer.step += 1
            head.update(with: optimizer)
            group.barrier()
            if step >= 2 { stepTimes.append(System.now() - started) }
        }
        let peak = group.maximum([Double(System.peakResidentBytes)])[0]
        let centreBytes = Double(head.rows * dimension * 4 * 3)
        let largestShare = group.maximum([centreBytes])[0]
        guard group.isLeader else { return nil }
        let median = stepTimes.sorted()[stepTimes.count / 2]
        let gib = 1024.0 * 1024 * 1024
        return """
            margin only (PartialFC), N = \(classes), D = \(dimension), sample rate \(sampleRate), batch \(batch), \
            \(group.size) rank\(group.size == 1 ? "" : "s")\(group.size > 1 ? " (centres split over the ranks)" : ""):
              step (sample, margin softmax forward + backward, lazy AdamW): \(String(format: "%.1f", median * 1000)) ms \
            (median of \(stepTimes.count)), \(String(format: "%.0f", Double(batch) / median)) img/s
              centres + moments per rank: \(String(format: "%.2f", largestShare / gib)) GiB; \
            peak RSS of the largest rank: \(String(format: "%.2f", peak / gib)) GiB; centres made in \
            \(String(format: "%.1f", buildSeconds)) s
            """
    }
}
