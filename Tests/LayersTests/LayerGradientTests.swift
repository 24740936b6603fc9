import Engine
import Layers
import Model
import TestSupport
import XCTest

/// Finite-difference checks of every layer's input and parameter gradients.
final class LayerGradientTests: XCTestCase {
    override func setUp() { BLAS.configure() }

    /// Randomises an arena's parameters so that e.g. BN gammas are not all one.
    private func sealRandom(_ arena: ParameterArena, seed: UInt64 = 3, scale: Float = 0.5) {
        arena.seal(seed: seed)
        var rng = SeededGenerator(seed: seed + 100)
        for p in arena.parameters where p.name.hasSuffix("bias") || p.name.contains("bn") || p.name.contains("norm") {
            for i in 0..<p.count { p.valuePointer[i] += rng.normal() * scale }
        }
    }

    func testConv2dIm2ColStride2WithBias() {
        let arena = ParameterArena()
        let conv = Conv2d("conv", arena: arena, inChannels: 3, outChannels: 4, kernel: 3, stride: 2, bias: true)
        sealRandom(arena)
        GradientCheck().run(conv, input: randomTensor([2, 3, 9, 8], seed: 1), arena: arena)
    }

    func testConv2dPointwise() {
        let arena = ParameterArena()
        let conv = Conv2d("conv", arena: arena, inChannels: 5, outChannels: 6, kernel: 1)
        sealRandom(arena)
        GradientCheck().run(conv, input: randomTensor([3, 5, 4, 4], seed: 2), arena: arena)
    }

    func testConv2dKernel5Stride1() {
        let arena = ParameterArena()
        let conv = Conv2d("conv", arena: arena, inChannels: 2, outChannels: 3, kernel: 5, stride: 1)
        sealRandom(arena)
        GradientCheck().run(conv, input: randomTensor([2, 2, 7, 6], seed: 3), arena: arena)
    }

    func testDepthwiseAllKernelsAndStrides() {
        for kernel in [3, 5] {
            for stride in [1, 2] {
                for (h, w) in [(8, 8), (7, 9), (4, 4), (20, 18), (3, 5)] {
                    let arena = ParameterArena()
                    let dw = DepthwiseConv2d("dw", arena: arena, channels: 3, kernel: kernel, stride: stride)
                    sealRandom(arena)
                    GradientCheck().run(
                        dw, input: randomTensor([2, 3, h, w], seed: UInt64(kernel * 10 + stride)), arena: arena)
                }
            }
        }
    }

    func testDepthwiseMatchesDirectConvolution() {
        // Reference: the same depthwise conv as a dense Conv2d per channel (groups emulated by zero weights).
        let arena = ParameterArena()
        let dw = DepthwiseConv2d("dw", arena: arena, channels: 2, kernel: 5, stride: 2)
        let dense = Conv2d("dense", arena: arena, inChannels: 2, outChannels: 2, kernel: 5, stride: 2)
        arena.seal(seed: 9)
        dense.weight.value.fill(0)
        for c in 0..<2 {
            for t in 0..<25 { dense.weight.valuePointer[(c * 2 + c) * 25 + t] = dw.weight.valuePointer[c * 25 + t] }
        }
        let x = randomTensor([3, 2, 11, 10], seed: 4)
        XCTAssertLessThan(maxAbsDifference(dw(x), dense(x)), 1e-5)
    }

    func testBatchNormActTrainingAllActivations() {
        for act in [Activation.identity, .relu, .hardSwish, .hardSigmoid] {
            let arena = ParameterArena()
            let bn = BatchNormAct2d("bn", arena: arena, channels: 3, activation: act)
            sealRandom(arena)
            GradientCheck(step: 1e-3, tolerance: 2e-2).run(
                bn, input: randomTensor([4, 3, 3, 3], seed: 5, scale: 2), arena: arena)
        }
    }

    func testBatchNormActEval() {
        let arena = ParameterArena()
        let bn = BatchNormAct2d("bn", arena: arena, channels: 3, activation: .hardSwish)
        sealRandom(arena)
        for c in 0..<3 {
            bn.runningMean.data[c] = Float(c) * 0.3
            bn.runningVar.data[c] = 0.5 + Float(c)
        }
        GradientCheck(training: false).run(bn, input: randomTensor([2, 3, 4, 4], seed: 6, scale: 2), arena: arena)
    }

    func testBatchNorm1dOnVectors() {
        let arena = ParameterArena()
        let bn = BatchNormAct2d("bn", arena: arena, channels: 6)
        sealRandom(arena)
        GradientCheck(step: 1e-3, tolerance: 2e-2).run(bn, input: randomTensor([5, 6], seed: 7), arena: arena)
    }

    func testBatchNormRunningStatisticsFollowPyTorch() {
        let arena = ParameterArena()
        let bn = BatchNormAct2d("bn", arena: arena, channels: 1)
        arena.seal()
        let x = Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 6])  // mean 3, biased var 3.5, unbiased 14/3
        let y = bn(x, training: true)
        XCTAssertEqual(bn.runningMean.data[0], 0.3, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVar.data[0], 0.9 + 0.1 * 14 / 3, accuracy: 1e-6)
        XCTAssertEqual(y.data[3], 3 / (3.5 + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(bn.numBatchesTracked.data[0], 1)
    }

    func testLayerNorm() {
        let arena = ParameterArena()
        let ln = LayerNorm("ln", arena: arena, features: 7)
        sealRandom(arena)
        GradientCheck(step: 1e-3, tolerance: 2e-2).run(ln, input: randomTensor([3, 7], seed: 8), arena: arena)
    }

    func testActivations() {
        for act in [Activation.relu, .hardSwish, .hardSigmoid] {
            let arena = ParameterArena()
            arena.seal()
            let layer = ActivationLayer(act)
            GradientCheck(step: 1e-3).run(layer, input: randomTensor([2, 50], seed: 9, scale: 3), arena: arena)
        }
    }

    func testActivationValuesAtKinks() {
        XCTAssertEqual(Activation.hardSwish.apply(-3), 0)
        XCTAssertEqual(Activation.hardSwish.apply(3), 3)
        XCTAssertEqual(Activation.hardSwish.apply(1), 1 * 4 / 6, accuracy: 1e-7)
        XCTAssertEqual(Activation.hardSigmoid.apply(0), 0.5)
        XCTAssertEqual(Activation.hardSwish.derivative(3), 1.5, accuracy: 1e-7)  // PyTorch: x <= 3 → (2x+3)/6
        XCTAssertEqual(Activation.hardSigmoid.derivative(3), 0)
    }

    func testLinear() {
        let arena = ParameterArena()
        let linear = Linear("fc", arena: arena, inFeatures: 6, outFeatures: 4)
        sealRandom(arena)
        GradientCheck().run(linear, input: randomTensor([3, 6], seed: 10), arena: arena)
    }

    func testSqueezeExcite() {
        let arena = ParameterArena()
        let se = SqueezeExcite("se", arena: arena, channels: 8, reduced: 2)
        sealRandom(arena, scale: 1)
        GradientCheck(step: 1e-3, tolerance: 2e-2).run(
            se, input: randomTensor([2, 8, 3, 3], seed: 11, scale: 2), arena: arena)
    }

    func testPoolFlattenDropout() {
        let arena = ParameterArena()
        arena.seal()
        GradientCheck().run(GlobalAvgPool(), input: randomTensor([2, 3, 4, 5], seed: 12), arena: arena)
        GradientCheck().run(Flatten(), input: randomTensor([2, 3, 2, 2], seed: 13), arena: arena)
        let dropout = Dropout(p: 0.3, seed: 5)
        GradientCheck().run(
            dropout, input: randomTensor([4, 30], seed: 14), arena: arena,
            reset: { dropout.generator = SeededGenerator(seed: 5) })
        // Eval: identity.
        let x = randomTensor([2, 10], seed: 15)
        XCTAssertEqual(dropout(x, training: false).array, x.array)
    }

    func testDropoutKeepsExpectation() {
        let dropout = Dropout(p: 0.25, seed: 1)
        let x = Tensor(shape: [1, 100_000])
        x.fill(1)
        let y = dropout(x, training: true)
        let mean = y.buffer.reduce(0, +) / Float(y.count)
        XCTAssertEqual(mean, 1, accuracy: 0.02)
        let zeros = y.buffer.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 100_000, 0.25, accuracy: 0.01)
    }

    func testDepthwiseSeparableBlockWithSE() {
        let arena = ParameterArena()
        let block = DepthwiseSeparableBlock(
            "b", arena: arena, inChannels: 4, outChannels: 6, kernel: 5, stride: 2,
            squeezeExcite: true)
        sealRandom(arena)
        GradientCheck(step: 1e-3, samples: 20, tolerance: 3e-2)
            .run(block, input: randomTensor([3, 4, 6, 6], seed: 16), arena: arena)
    }
}
