import Engine
import Foundation
import Inference
import Model
import TestSupport
import XCTest

/// timm parity of the EfficientNet-Lite0 teacher: `Tests/Fixtures/efficientnet_lite0_parity.safetensors` holds
/// timm 1.0.31's `tf_efficientnet_lite0` (PyTorch 2.15) with the wheel's weights, run on inputs already in
/// [-1, 1]: the stem, stage 0/2/4/6 outputs, the pooled 1280-d features and the ImageNet logits.
final class EfficientNetLite0ParityTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixture = root.appendingPathComponent("Tests/Fixtures/efficientnet_lite0_parity.safetensors")
    static let weights = root.appendingPathComponent(".build/teacher/efficientnet-lite0-57934424.pth")

    /// The teacher, or a failure telling how to fetch its weights (never a skip: CI must have them).
    private func teacher() throws -> EfficientNetLite0Teacher? {
        guard FileManager.default.fileExists(atPath: Self.weights.path) else {
            XCTFail("\(Self.weights.path) is missing: run Tools/setup --tests (it fetches the teacher wheel)")
            return nil
        }
        return try EfficientNetLite0Teacher(contentsOf: Self.weights)
    }

    private func maxAbs(_ a: Tensor, _ b: Tensor) -> Float {
        XCTAssertEqual(a.shape, b.shape)
        var worst: Float = 0
        for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a.data[i] - b.data[i])) }
        return worst
    }

    private func maxMagnitude(_ a: Tensor) -> Float { a.buffer.reduce(0) { max($0, abs($1)) } }

    func testMatchesTimmAt224And128() throws {
        guard let teacher = try teacher() else { return }
        let file = try SafeTensorsFile(contentsOf: Self.fixture)
        let taps: [(EfficientNetLite0Tap, String)] = [
            (.stem, "stem"), (.stage(0), "stage0"), (.stage(2), "stage2"), (.stage(4), "stage4"), (.stage(6), "stage6"),
        ]
        for size in [224, 128] {
            let x = try file.tensor("input_\(size)")
            let out = teacher.forward(x, logits: true, taps: Set(taps.map(\.0)))
            for (tap, name) in taps {
                let expected = try file.tensor("\(name)_\(size)")
                let error = maxAbs(out.taps[tap]!, expected)
                let magnitude = maxMagnitude(expected)
                print("EfficientNet-Lite0 \(size)×\(size) \(name): max abs error \(error) (max |value| \(magnitude))")
                // Stage outputs are linear projections plus residuals reaching ±60; after 5–16 blocks of sums
                // up to 1152 terms, float32 rounding (in a different order than PyTorch's, and with BatchNorm
                // folded) leaves about 1e-5 of the largest value. The bounded outputs (stem, pooled, logits)
                // are held to the absolute goals.
                XCTAssertLessThan(error, max(1e-4, 2e-5 * magnitude), "\(name) at \(size)")
            }
            let pooled = maxAbs(out.pooled, try file.tensor("pooled_\(size)"))
            let logits = maxAbs(out.logits!, try file.tensor("logits_\(size)"))
            print("EfficientNet-Lite0 \(size)×\(size): pooled max abs error \(pooled), logits \(logits)")
            XCTAssertLessThan(pooled, 1e-4, "pooled at \(size)")
            XCTAssertLessThan(logits, 1e-3, "logits at \(size)")
            XCTAssertEqual(x.array, try file.tensor("input_\(size)").array, "the input is not modified")
        }
    }

    /// One image at a time splits every step over the workers; it must give the batch's numbers, and
    /// `pooledFeatures`/`logits` the same as `forward`.
    func testBatchOfOneAndConvenienceCallsAgree() throws {
        guard let teacher = try teacher() else { return }
        let file = try SafeTensorsFile(contentsOf: Self.fixture)
        let x = try file.tensor("input_128")
        let batch = teacher.forward(x, logits: true)
        XCTAssertEqual(teacher.pooledFeatures(x).array, batch.pooled.array)
        XCTAssertEqual(teacher.logits(x).array, batch.logits!.array)
        for i in 0..<2 {
            let one = Tensor(shape: [1, 3, 128, 128])
            one.data.update(from: x.data + i * one.count, count: one.count)
            let single = teacher.pooledFeatures(one)
            XCTAssertEqual(single.array, Array(batch.pooled.array[(i * 1280)..<((i + 1) * 1280)]), "sample \(i)")
        }
        // Sizes the fixture does not cover (odd, not square) run and stay finite.
        let odd = Tensor(shape: [3, 3, 97, 130])
        for i in 0..<odd.count { odd.data[i] = Float(i % 255) / 127.5 - 1 }
        let features = teacher.pooledFeatures(odd)
        XCTAssertEqual(features.shape, [3, 1280])
        XCTAssertTrue(features.buffer.allSatisfy(\.isFinite))
    }

    /// The same weights under timm's names (as a timm `tf_efficientnet_lite0` checkpoint has them) load too.
    func testTimmNamedCheckpointGivesTheSameNetwork() throws {
        guard let teacher = try teacher() else { return }
        let wheel = try CheckpointFile(contentsOf: Self.weights)
        let map = try String(
            contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/efficientnet_lite0_keys.txt"), encoding: .utf8)
        var writer = SafeTensorsWriter()
        for line in map.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            let t = try wheel.tensor(String(parts[0]))
            t.values.withUnsafeBufferPointer { writer.add(String(parts[2]), shape: t.shape, values: $0) }
        }
        let renamed = try CheckpointFile(data: try writer.encoded(), file: "timm.safetensors")
        let timm = try EfficientNetLite0Teacher(checkpoint: renamed)
        let x = try SafeTensorsFile(contentsOf: Self.fixture).tensor("input_128")
        XCTAssertEqual(timm.forward(x, logits: true).logits!.array, teacher.forward(x, logits: true).logits!.array)
        // A missing tensor is an error naming it.
        XCTAssertThrowsError(try EfficientNetLite0Teacher(checkpoint: try CheckpointFile(contentsOf: Self.fixture))) {
            XCTAssertTrue("\($0)".contains("conv_stem.weight"), "\($0)")
        }
    }

    func testPreprocessingMapsBytesToMinusOneOne() {
        let rgb: [UInt8] = [0, 255, 128, 64, 32, 16]
        let x = EfficientNetLite0Preprocessing.normalized(rgb: rgb, width: 2, height: 1)
        XCTAssertEqual(x.count, 6)
        XCTAssertEqual(x[0], -1)  // R of pixel 0
        XCTAssertEqual(x[1], (64 / 255 - 0.5) / 0.5, accuracy: 1e-7)  // R of pixel 1
        XCTAssertEqual(x[2], 1)  // G of pixel 0
        XCTAssertEqual(x[5], (16 / 255 - 0.5) / 0.5, accuracy: 1e-7)  // B of pixel 1
    }
}
