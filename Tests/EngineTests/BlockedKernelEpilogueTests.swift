import Engine
import XCTest

/// The blocked kernels' other activations (ReLU6, none), the residual add of the 1×1 convolution (into a
/// separate buffer and in place) and TensorFlow "same" padding (asymmetric for stride 2), against plain loops.
extension BlockedKernelTests {
    private func activate(_ z: Float, _ a: BlockedActivation) -> Float {
        switch a {
        case .none: return z
        case .relu6: return min(max(z, 0), 6)
        case .hardSwish: return hardSwish(z)
        }
    }

    func testSamePadding() {
        XCTAssertEqual(Blocked.samePaddingBefore(224, kernel: 3, stride: 2), 0)  // total 1: bottom/right only
        XCTAssertEqual(Blocked.samePaddingBefore(56, kernel: 5, stride: 2), 1)  // total 3
        XCTAssertEqual(Blocked.samePaddingBefore(7, kernel: 3, stride: 2), 1)  // odd size: total 2
        XCTAssertEqual(Blocked.samePaddingBefore(15, kernel: 5, stride: 1), 2)  // stride 1 is symmetric
        XCTAssertEqual(Blocked.samePaddingBefore(1, kernel: 5, stride: 2), 2)  // a 1×1 map: total 4
    }

    /// With every kernel set this machine supports.
    func testPointwiseActivationsAndResidual() {
        for kernels in KernelSet.supported {
            checkPointwiseEpilogue(kernels)
        }
    }

    func checkPointwiseEpilogue(_ kernels: KernelSet) {
        for (cin, cout, h, w) in [(20, 13, 5, 7), (16, 24, 3, 9), (24, 16, 1, 11), (128, 40, 4, 4)] {
            let x = random(cin * h * w, seed: 21)
            let wt = random(cout * cin, seed: 22)
            let bias = random(cout, seed: 23).map { $0 * 8 }  // so that ReLU6 clips at both ends
            let skip = random(cout * h * w, seed: 24)
            let weights = wt.withUnsafeBufferPointer {
                BlockedPointwiseWeights(
                    weight: $0.baseAddress!, bias: bias, outChannels: cout, inChannels: cin, kernels: kernels)
            }
            let (input, _) = blocked(x, channels: cin, height: h, width: w, pad: 0)
            // Padded outputs too: a full tile's pixels then step over the border where a row ends inside it.
            for pad in [0, 1] {
                let out = BlockedPlane(blocks: weights.outBlocks, height: h, width: w, pad: pad)
                for activation in [BlockedActivation.none, .relu6, .hardSwish] {
                    for residual in ["none", "separate", "in place"] {
                        var expected = [Float](repeating: 0, count: cout * h * w)
                        for o in 0..<cout {
                            for p in 0..<(h * w) {
                                var s = bias[o]
                                for i in 0..<cin { s += wt[o * cin + i] * x[i * h * w + p] }
                                expected[o * h * w + p] =
                                    activate(s, activation) + (residual == "none" ? 0 : skip[o * h * w + p])
                            }
                        }
                        for pixelMajor in [true, false] {
                            let (r, _) = blocked(skip, channels: cout, height: h, width: w, pad: pad)
                            let y = residual == "in place" ? r : AlignedStorage(count: out.floats)
                            let items = BlockedPointwise.items(weights, pixels: h * w)
                            for part in 0..<2 {
                                BlockedPointwise.forward(
                                    x: input.pointer, pixels: h * w, weights, y: y.pointer, out: out,
                                    pixelMajor: pixelMajor,
                                    activation: activation,
                                    residual: residual == "none" ? nil : UnsafePointer(r.pointer),
                                    items: Blocked.share(items, part: part, parts: 2))
                            }
                            assertClose(
                                unpacked(y, out, channels: cout), expected,
                                "pointwise \(kernels) \(cin)→\(cout) \(h)×\(w) pad \(pad) \(activation) residual \(residual) "
                                    + "pixelMajor \(pixelMajor)"
                            )
                        }
                    }
                }
            }
        }
    }

    func testDepthwiseSamePaddingAndActivations() {
        for (k, s) in [(3, 2), (5, 2), (3, 1), (5, 1)] {
            for (c, h, w) in [(13, 16, 16), (8, 15, 9), (16, 7, 8), (8, 2, 3)] {
                let x = random(c * h * w, seed: 25)
                let wt = random(c * k * k, seed: 26).map { $0 * 3 }
                let bias = random(c, seed: 27)
                let weights = wt.withUnsafeBufferPointer {
                    BlockedDepthwiseWeights(weight: $0.baseAddress!, bias: bias, channels: c, kernel: k, stride: s)
                }
                let ho = weights.outputSize(h)
                let wo = weights.outputSize(w)
                let top = Blocked.samePaddingBefore(h, kernel: k, stride: s)
                let left = Blocked.samePaddingBefore(w, kernel: k, stride: s)
                XCTAssertEqual(ho, (h + s - 1) / s, "TF 'same' output size")
                for activation in [BlockedActivation.relu6, .none] {
                    var expected = [Float](repeating: 0, count: c * ho * wo)
                    for ch in 0..<c {
                        for oy in 0..<ho {
                            for ox in 0..<wo {
                                var acc = bias[ch]
                                for ky in 0..<k {
                                    for kx in 0..<k {
                                        let iy = oy * s + ky - top
                                        let ix = ox * s + kx - left
                                        if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                            acc += wt[ch * k * k + ky * k + kx] * x[(ch * h + iy) * w + ix]
                                        }
                                    }
                                }
                                expected[(ch * ho + oy) * wo + ox] = activate(acc, activation)
                            }
                        }
                    }
                    let (input, g) = blocked(x, channels: c, height: h, width: w, pad: k / 2)
                    g.zeroBorder(input.pointer, blocks: 0..<g.blocks)
                    let out = BlockedPlane(blocks: weights.blocks, height: ho, width: wo)
                    let y = AlignedStorage(count: out.floats)
                    let items = BlockedDepthwise.items(weights, outHeight: ho)
                    for part in 0..<2 {
                        BlockedDepthwise.forward(
                            x: input.pointer, in: g, weights, y: y.pointer, out: out, activation: activation,
                            padBefore: (top, left), items: Blocked.share(items, part: part, parts: 2))
                    }
                    assertClose(
                        unpacked(y, out, channels: c), expected,
                        "depthwise \(k)×\(k)/\(s) same-padded (\(top), \(left)) on \(c)×\(h)×\(w), \(activation)")
                }
            }
        }
    }

    func testDenseConvolutionSamePaddingAndReLU6() {
        for (cin, cout, k, s, h, w) in [(3, 32, 3, 2, 32, 32), (3, 11, 3, 2, 17, 13), (2, 8, 5, 2, 10, 21)] {
            let x = random(cin * h * w, seed: 28)
            let wt = random(cout * cin * k * k, seed: 29).map { $0 * 2 }
            let bias = random(cout, seed: 30)
            let weights = wt.withUnsafeBufferPointer {
                BlockedDenseWeights(
                    weight: $0.baseAddress!, bias: bias, outChannels: cout, inChannels: cin, kernel: k, stride: s)
            }
            let ho = weights.outputSize(h)
            let wo = weights.outputSize(w)
            let top = Blocked.samePaddingBefore(h, kernel: k, stride: s)
            let left = Blocked.samePaddingBefore(w, kernel: k, stride: s)
            var expected = [Float](repeating: 0, count: cout * ho * wo)
            for o in 0..<cout {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var acc = bias[o]
                        for c in 0..<cin {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * s + ky - top
                                    let ix = ox * s + kx - left
                                    if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                        acc += wt[((o * cin + c) * k + ky) * k + kx] * x[(c * h + iy) * w + ix]
                                    }
                                }
                            }
                        }
                        expected[(o * ho + oy) * wo + ox] = activate(acc, .relu6)
                    }
                }
            }
            let out = BlockedPlane(blocks: weights.outBlocks, height: ho, width: wo, pad: 1)
            let y = AlignedStorage(count: out.floats)
            let items = BlockedDenseConvolution.items(weights, outHeight: ho)
            x.withUnsafeBufferPointer { xp in
                for part in 0..<2 {
                    BlockedDenseConvolution.forward(
                        x: xp.baseAddress!, height: h, width: w, weights, y: y.pointer, out: out, activation: .relu6,
                        padBefore: (top, left), items: Blocked.share(items, part: part, parts: 2))
                }
            }
            assertClose(
                unpacked(y, out, channels: cout), expected,
                "dense \(cin)→\(cout) \(k)×\(k)/\(s) same-padded on \(h)×\(w)")
        }
    }
}
