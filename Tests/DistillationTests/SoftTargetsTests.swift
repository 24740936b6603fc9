import Datasets
import Distillation
import Engine
import Foundation
import TestSupport
import Training
import XCTest

/// The KD term's targets: the probe learns a separable problem; cross-fitted targets of the synthetic split
/// are cached and reused, and follow the labels.
final class SoftTargetsTests: XCTestCase {
    func testProbeSeparatesClasses() {
        var rng = SeededGenerator(seed: 4)
        let d = 8
        let n = 90
        var x = [Float](repeating: 0, count: n * d)
        var labels = [Int]()
        for i in 0..<n {
            let y = i % 3
            labels.append(y)
            for j in 0..<d { x[i * d + j] = rng.normal() * 0.5 + (j == y ? 2 : 0) }
        }
        let probe = x.withUnsafeBufferPointer {
            LinearProbe(
                features: $0.baseAddress!, dimension: d, fit: Array(0..<n), labels: labels, classes: 3, l2: 1e-4,
                steps: 200)
        }
        let logits = x.withUnsafeBufferPointer { probe.logits($0.baseAddress!, rows: Array(0..<n)) }
        var right = 0
        for i in 0..<n {
            let row = Array(logits[(i * 3)..<(i * 3 + 3)])
            if row.firstIndex(of: row.max()!) == labels[i] { right += 1 }
        }
        XCTAssertGreaterThan(Double(right) / Double(n), 0.95)
    }

    func testCrossFittedTargetsAreCachedAndFollowTheLabels() throws {
        BLAS.configure()
        var c = TrainConfig()
        c.model.spec.inputSize = 64
        c.data.train = SyntheticData.sharedFolder.appendingPathComponent("train.csv").path
        c.distillation.probeFolds = 3
        c.distillation.probeSteps = 100
        let folder = try TemporaryDirectory()
        c.train.output = folder.path
        let teacher = StandInTeacher()
        var lines: [String] = []
        let targets = try SoftTargetsBuilder.make(config: c, teacher: teacher) { lines.append($0) }
        let split = try Split(file: URL(fileURLWithPath: c.data.train), classNames: c.model.spec.classNames)
        XCTAssertEqual(targets.rows, split.rows.count)
        XCTAssertEqual(targets.classes, 3)
        let probabilities = targets.probabilities(rows: Array(0..<split.rows.count), temperature: 1)
        var right = 0
        for (i, row) in split.rows.enumerated() {
            let p = Array(probabilities[(i * 3)..<(i * 3 + 3)])
            if p.firstIndex(of: p.max()!) == row.label { right += 1 }
        }
        XCTAssertGreaterThan(Double(right) / Double(split.rows.count), 0.6, "the probe's classes follow the labels")
        XCTAssertTrue(lines.contains { $0.contains("cross-fitted") }, "\(lines)")
        let provenance = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(targets.provenance.utf8)) as? [String: Any])
        XCTAssertNotNil(provenance["crossfit_accuracy"] as? Double)

        lines = []
        let again = try SoftTargetsBuilder.make(config: c, teacher: teacher) { lines.append($0) }
        XCTAssertEqual(again.logits, targets.logits)
        XCTAssertTrue(lines.contains { $0.contains("soft targets from") }, "reused from the cache: \(lines)")
    }
}
