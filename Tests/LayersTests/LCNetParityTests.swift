import Engine
import Foundation
import Inference
import Layers
import Model
import TestSupport
import XCTest

/// timm parity: `Tests/Fixtures/lcnet050_parity.safetensors` was produced by timm 1.0.31 / PyTorch 2.15.
final class LCNetParityTests: XCTestCase {
    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/lcnet050_parity.safetensors")

    private func makeBackbone() throws -> (LCNetBackbone, ParameterArena, SafeTensorsFile) {
        BLAS.configure()
        let file = try SafeTensorsFile(contentsOf: Self.fixtureURL)
        let arena = ParameterArena()
        let backbone = LCNetBackbone(arena: arena)
        arena.seal(seed: 1)
        try StateDict.load(backbone, from: file, prefix: "state.", ignoring: ["conv_head", "classifier"])
        return (backbone, arena, file)
    }

    func testEvalFeaturesMatchTimm() throws {
        let (backbone, _, file) = try makeBackbone()
        let x = try file.tensor("input_eval")
        let expected = try file.tensor("features_eval")
        let y = backbone(x, training: false)
        XCTAssertEqual(y.shape, [2, 256, 4, 4])
        XCTAssertLessThan(maxAbsDifference(y, expected), 1e-4)
    }

    /// With every kernel set this machine supports (`KernelSet.supported`), each running every 1×1 convolution.
    func testFoldedInferenceMatchesTimm() throws {
        for kernels in KernelSet.supported {
            try checkFoldedInference(kernels)
        }
    }

    private func checkFoldedInference(_ kernels: KernelSet) throws {
        let (backbone, _, file) = try makeBackbone()
        let folded = try FoldedLCNet(weights: NamedTensors(StateDict.tensors(of: backbone)), pointwiseKernels: kernels)
        let x = try file.tensor("input_eval")
        let y = folded.forward(x)
        XCTAssertEqual(y.shape, [2, 256, 4, 4])
        XCTAssertLessThan(maxAbsDifference(y, try file.tensor("features_eval")), 1e-4, "\(kernels)")
        XCTAssertEqual(x.array, try file.tensor("input_eval").array, "the input is not modified")
        // Batch 1 splits every op over both cores (spinning helper); the halves must give the same features.
        for i in 0..<2 {
            let one = Tensor(shape: [1, 3, 128, 128])
            one.data.update(from: x.data + i * 3 * 128 * 128, count: 3 * 128 * 128)
            let expected = try file.tensor("features_eval")
            let single = folded.forward(one)
            var worst: Float = 0
            for j in 0..<single.count { worst = max(worst, abs(single.data[j] - expected.data[i * single.count + j])) }
            XCTAssertLessThan(worst, 1e-4, "batch-1 sample \(i), \(kernels)")
        }
        // Odd sizes and a batch that does not split evenly across workers.
        let odd = randomTensor([3, 3, 96, 64], seed: 4)
        XCTAssertLessThan(maxAbsDifference(folded.forward(odd), backbone(odd, training: false)), 1e-3, "\(kernels)")
        // A size that is not a multiple of 32 (partial tiles, odd planes), batch 1 on both cores and batch 3.
        for n in [1, 3] {
            let ragged = randomTensor([n, 3, 90, 70], seed: 9)
            XCTAssertLessThan(
                maxAbsDifference(folded.forward(ragged), backbone(ragged, training: false)), 1e-3,
                "90×70, batch \(n), \(kernels)")
        }
    }

    func testTrainStepMatchesTimm() throws {
        let (backbone, arena, file) = try makeBackbone()
        backbone.computesInputGradient = true
        let x = try file.tensor("input_train")
        let y = backbone(x, training: true)
        XCTAssertLessThan(relativeDifference(y, try file.tensor("features_train")), 1e-3, "train-mode features")
        arena.zeroGrads()
        let dx = backbone.backward(try file.tensor("grad_features_train"))
        XCTAssertLessThan(relativeDifference(dx, try file.tensor("grad_input_train")), 1e-3, "input gradient")
        var checked = 0
        for p in backbone.parameters {
            let expected = try file.tensor("grad." + p.name)
            XCTAssertEqual(expected.shape, p.shape, p.name)
            XCTAssertLessThan(relativeDifference(p.grad, expected), 1e-3, "gradient of \(p.name)")
            checked += 1
        }
        XCTAssertEqual(checked, file.names.filter { $0.hasPrefix("grad.") }.count, "every fixture gradient checked")
        var stats = 0
        for (name, tensor) in backbone.buffers where !name.hasSuffix("num_batches_tracked") {
            let expected = try file.tensor("after_train_step." + name)
            XCTAssertLessThan(maxAbsDifference(tensor, expected), 1e-5 * max(1, maxAbs(expected)), name)
            stats += 1
        }
        XCTAssertEqual(stats, 54)
    }

    func testStateDictReportsMissingAndMisshapedKeys() throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixtureURL)
        var writer = SafeTensorsWriter()
        var dropped = 0
        for name in file.names where name.hasPrefix("state.") {
            if name == "state.blocks.2.1.conv_pw.weight" {
                dropped += 1
                continue
            }
            let t = try file.tensor(name)
            if name == "state.bn1.weight" {
                writer.add(name, Tensor(shape: [9]))
            } else {
                writer.add(name, t)
            }
        }
        XCTAssertEqual(dropped, 1)
        let broken = try SafeTensorsFile(data: try writer.encoded(), file: "broken.safetensors")
        let arena = ParameterArena()
        let backbone = LCNetBackbone(arena: arena)
        arena.seal()
        XCTAssertThrowsError(
            try StateDict.load(backbone, from: broken, prefix: "state.", ignoring: ["conv_head", "classifier"])
        ) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("state.blocks.2.1.conv_pw.weight"), text)
            XCTAssertTrue(text.contains("state.bn1.weight is [9], expected [8]"), text)
        }
    }
}
