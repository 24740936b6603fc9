import Engine
import Layers
import Model
import XCTest

/// Finite-difference checks of the embedding necks (every kind × norm), the classification head and the
/// distillation projector.
final class HeadGradientTests: XCTestCase {
    override func setUp() { BLAS.configure() }

    func testEveryNeckKindAndNorm() {
        for kind in NeckKind.allCases {
            for norm in NeckNorm.allCases {
                let arena = ParameterArena()
                let neck = EmbeddingNeck(
                    "neck", arena: arena, kind: kind, norm: norm, dimension: 6, inChannels: 8, spatial: 4)
                arena.seal(seed: 2)
                let tolerance: Float = norm == .none ? 1e-2 : 3e-2
                GradientCheck(step: 1e-2, samples: 24, tolerance: tolerance)
                    .run(neck, input: randomTensor([5, 8, 2, 2], seed: 3), arena: arena)
            }
        }
    }

    func testClassificationHead() {
        let arena = ParameterArena()
        let head = ClassificationHead("cls", arena: arena, inChannels: 8, hidden: 6, outputs: 3, dropout: 0.25, seed: 4)
        arena.seal(seed: 5)
        GradientCheck(step: 1e-2, samples: 24, tolerance: 3e-2)
            .run(
                head, input: randomTensor([4, 8, 2, 2], seed: 6), arena: arena,
                reset: { head.dropout.generator = SeededGenerator(seed: 9) })
    }

    /// The distillation student's projector, one Linear and the two-layer MLP.
    func testFeatureProjector() {
        for hidden in [0, 7] {
            let arena = ParameterArena()
            let projector = FeatureProjector("projector", arena: arena, inFeatures: 6, outFeatures: 5, hidden: hidden)
            arena.seal(seed: 8)
            XCTAssertEqual(
                arena.parameters.map(\.name),
                hidden == 0
                    ? ["projector.fc.weight", "projector.fc.bias"]
                    : ["projector.fc1.weight", "projector.fc1.bias", "projector.fc2.weight", "projector.fc2.bias"])
            GradientCheck(step: 1e-2, samples: 24, tolerance: 2e-2)
                .run(projector, input: randomTensor([4, 6], seed: 10, scale: 2), arena: arena)
        }
    }

    func testL2NormalizedRowsHaveUnitLength() {
        let y = l2Normalized(randomTensor([3, 7], seed: 1))
        for i in 0..<3 {
            let n = (0..<7).map { y.data[i * 7 + $0] * y.data[i * 7 + $0] }.reduce(0, +)
            XCTAssertEqual(n, 1, accuracy: 1e-5)
        }
    }

    func testJointModelGradientsReachBothHeadsAndTheBackbone() {
        var spec = ModelSpec()
        spec.inputSize = 64
        spec.embeddingSize = 8
        spec.classHeadHidden = 8
        spec.classHeadDropout = 0
        let model = JointModel(spec: spec, seed: 1)
        let x = randomTensor([4, 3, 64, 64], seed: 2)
        let (e, l) = model.forward(x, training: true)
        XCTAssertEqual(e.shape, [4, 8])
        XCTAssertEqual(l.shape, [4, 3])
        model.arena.zeroGrads()
        model.backward(embeddingGradient: randomTensor(e.shape, seed: 3), logitGradient: randomTensor(l.shape, seed: 4))
        for prefix in ["conv_stem", "blocks.5.1.conv_pw", "neck.fc1", "cls_head.fc"] {
            let p = model.arena.parameters.first { $0.name.hasPrefix(prefix) }!
            XCTAssertGreaterThan(p.grad.buffer.map { abs($0) }.max()!, 0, "\(prefix) gets a gradient")
        }
        XCTAssertEqual(
            model.namedTensors.filter { $0.name.hasPrefix("neck.") }.map(\.name),
            [
                "neck.fc1.weight", "neck.norm1.weight", "neck.norm1.bias", "neck.fc2.weight", "neck.norm2.weight",
                "neck.norm2.bias",
            ])
    }
}
