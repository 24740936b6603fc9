import Engine
import XCTest

/// The channel-blocked inference kernels against plain NCHW loops, on shapes that exercise every edge:
/// channel counts that are not multiples of 8, odd block counts, planes narrower than a tile, partial
/// pixel tiles, padded outputs, and work split into two shares.
final class BlockedKernelTests: XCTestCase {
    func random(_ n: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in Float.random(in: -1...1, using: &g) }
    }

    func hardSwish(_ z: Float) -> Float { z * min(max(z + 3, 0), 6) / 6 }

    /// Packs NCHW `x` into a blocked plane with a border of `pad` (borders filled with NaN first, so a
    /// kernel that reads a border it should not, or a missing zeroBorder, shows up).
    func blocked(
        _ x: [Float], channels: Int, height: Int, width: Int, pad: Int
    ) -> (AlignedStorage, BlockedPlane) {
        let g = BlockedPlane(blocks: BlockedPlane.blocks(forChannels: channels), height: height, width: width, pad: pad)
        let s = AlignedStorage(count: g.floats)
        x.withUnsafeBufferPointer { Blocked.pack($0.baseAddress!, channels: channels, into: s.pointer, g) }
        return (s, g)
    }

    func unpacked(_ s: AlignedStorage, _ g: BlockedPlane, channels: Int) -> [Float] {
        var out = [Float](repeating: 0, count: channels * g.pixels)
        out.withUnsafeMutableBufferPointer { Blocked.unpack(s.pointer, g, channels: channels, into: $0.baseAddress!) }
        return out
    }

    func assertClose(
        _ a: [Float], _ b: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-5, message, file: file, line: line)
    }

    func testPackUnpackRoundTripsAndBorderIsZero() {
        let x = random(13 * 5 * 7, seed: 1)
        let (s, g) = blocked(x, channels: 13, height: 5, width: 7, pad: 2)
        XCTAssertEqual(unpacked(s, g, channels: 13), x)
        s.pointer.update(repeating: .nan, count: g.floats)
        g.zeroBorder(s.pointer, blocks: 0..<g.blocks)
        XCTAssertEqual(s.pointer[0], 0)
        XCTAssertEqual(s.pointer[g.offset(1, 4, 6) + 8 * 2 + 3], 0, "right border of the last row")
        XCTAssertTrue(s.pointer[g.offset(1, 4, 6)].isNaN, "the interior is left alone")
    }

    /// Every kernel set this machine supports, each on every shape (the AVX-512 tile: two pairs or one, 12- and
    /// 4-pixel tiles, partial tiles, tiles that wrap a row of a padded output).
    func testPointwiseMatchesReference() {
        for kernels in KernelSet.supported {
            checkPointwise(kernels)
        }
    }

    func checkPointwise(_ kernels: KernelSet) {
        let shapes = [
            (20, 13, 5, 7, 0), (8, 5, 3, 3, 2), (16, 32, 8, 8, 1), (3, 24, 1, 11, 0), (136, 40, 4, 4, 1),
            (8, 16, 6, 6, 1), (24, 72, 13, 5, 0), (130, 48, 2, 2, 2),
        ]
        for (cin, cout, h, w, pad) in shapes {
            let x = random(cin * h * w, seed: 2)
            let wt = random(cout * cin, seed: 3)
            let bias = random(cout, seed: 4)
            var expected = [Float](repeating: 0, count: cout * h * w)
            for o in 0..<cout {
                for p in 0..<(h * w) {
                    var s = bias[o]
                    for i in 0..<cin { s += wt[o * cin + i] * x[i * h * w + p] }
                    expected[o * h * w + p] = hardSwish(s)
                }
            }
            let weights = wt.withUnsafeBufferPointer {
                BlockedPointwiseWeights(
                    weight: $0.baseAddress!, bias: bias, outChannels: cout, inChannels: cin, kernels: kernels)
            }
            let (input, _) = blocked(x, channels: cin, height: h, width: w, pad: 0)
            for pixelMajor in [true, false] {
                let out = BlockedPlane(blocks: weights.outBlocks, height: h, width: w, pad: pad)
                let y = AlignedStorage(count: out.floats)
                y.pointer.update(repeating: .nan, count: out.floats)
                let items = BlockedPointwise.items(weights, pixels: h * w)
                for part in 0..<2 {  // two shares, as the two cores run them at batch 1
                    out.zeroBorder(y.pointer, blocks: Blocked.share(out.blocks, part: part, parts: 2))
                    BlockedPointwise.forward(
                        x: input.pointer, pixels: h * w, weights, y: y.pointer, out: out, pixelMajor: pixelMajor,
                        items: Blocked.share(items, part: part, parts: 2))
                }
                assertClose(
                    unpacked(y, out, channels: cout), expected,
                    "pointwise \(kernels) \(cin)→\(cout) \(h)×\(w) pad \(pad)")
                if pad > 0 { XCTAssertEqual(y.pointer[0], 0, "border zeroed") }
            }
        }
    }

    func testDepthwiseMatchesReference() {
        for (k, s) in [(3, 1), (3, 2), (5, 1), (5, 2)] {
            for (c, h, w) in [(13, 9, 11), (8, 16, 16), (16, 4, 4)] {
                let x = random(c * h * w, seed: 5)
                let wt = random(c * k * k, seed: 6)
                let bias = random(c, seed: 7)
                let weights = wt.withUnsafeBufferPointer {
                    BlockedDepthwiseWeights(weight: $0.baseAddress!, bias: bias, channels: c, kernel: k, stride: s)
                }
                let ho = weights.outputSize(h)
                let wo = weights.outputSize(w)
                let p = k / 2
                var expected = [Float](repeating: 0, count: c * ho * wo)
                for ch in 0..<c {
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            var acc = bias[ch]
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * s + ky - p
                                    let ix = ox * s + kx - p
                                    if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                        acc += wt[ch * k * k + ky * k + kx] * x[(ch * h + iy) * w + ix]
                                    }
                                }
                            }
                            expected[(ch * ho + oy) * wo + ox] = hardSwish(acc)
                        }
                    }
                }
                let (input, g) = blocked(x, channels: c, height: h, width: w, pad: p)
                let out = BlockedPlane(blocks: weights.blocks, height: ho, width: wo)
                let y = AlignedStorage(count: out.floats)
                let items = BlockedDepthwise.items(weights, outHeight: ho)
                for part in 0..<2 {
                    BlockedDepthwise.forward(
                        x: input.pointer, in: g, weights, y: y.pointer, out: out,
                        items: Blocked.share(items, part: part, parts: 2))
                }
                assertClose(unpacked(y, out, channels: c), expected, "depthwise \(k)×\(k)/\(s) on \(c)×\(h)×\(w)")
            }
        }
    }

    func testDenseConvolutionMatchesReference() {
        for (cin, cout, k, s, h, w) in [
            (3, 8, 3, 2, 128, 128), (3, 11, 3, 2, 17, 13), (2, 8, 5, 1, 9, 20), (3, 8, 3, 2, 6, 5),
        ] {
            let x = random(cin * h * w, seed: 8)
            let wt = random(cout * cin * k * k, seed: 9)
            let bias = random(cout, seed: 10)
            let weights = wt.withUnsafeBufferPointer {
                BlockedDenseWeights(
                    weight: $0.baseAddress!, bias: bias, outChannels: cout, inChannels: cin, kernel: k, stride: s)
            }
            let ho = weights.outputSize(h)
            let wo = weights.outputSize(w)
            let p = k / 2
            var expected = [Float](repeating: 0, count: cout * ho * wo)
            for o in 0..<cout {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var acc = bias[o]
                        for c in 0..<cin {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * s + ky - p
                                    let ix = ox * s + kx - p
                                    if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                        acc += wt[((o * cin + c) * k + ky) * k + kx] * x[(c * h + iy) * w + ix]
                                    }
                                }
                            }
                        }
                        expected[(o * ho + oy) * wo + ox] = hardSwish(acc)
                    }
                }
            }
            let out = BlockedPlane(blocks: weights.outBlocks, height: ho, width: wo, pad: 1)
            let y = AlignedStorage(count: out.floats)
            let items = BlockedDenseConvolution.items(weights, outHeight: ho)
            x.withUnsafeBufferPointer { xp in
                for part in 0..<2 {
                    BlockedDenseConvolution.forward(
                        x: xp.baseAddress!, height: h, width: w, weights, y: y.pointer, out: out,
                        items: Blocked.share(items, part: part, parts: 2))
                }
            }
            assertClose(unpacked(y, out, channels: cout), expected, "dense \(cin)→\(cout) \(k)×\(k)/\(s) on \(h)×\(w)")
        }
    }

    func testSqueezeExciteMatchesReference() {
        let c = 20
        let r = 6
        let h = 3
        let w = 5
        let x = random(c * h * w, seed: 11)
        let rw = random(r * c, seed: 12)
        let rb = random(r, seed: 13)
        let ew = random(c * r, seed: 14)
        let eb = random(c, seed: 15)
        var expected = [Float](repeating: 0, count: c * h * w)
        let pooled = (0..<c).map { ch in (0..<(h * w)).reduce(Float(0)) { $0 + x[ch * h * w + $1] } / Float(h * w) }
        let mid = (0..<r).map { j in max(rb[j] + (0..<c).reduce(Float(0)) { $0 + rw[j * c + $1] * pooled[$1] }, 0) }
        for ch in 0..<c {
            let z = eb[ch] + (0..<r).reduce(Float(0)) { $0 + ew[ch * r + $1] * mid[$1] }
            let gate = min(max(z + 3, 0), 6) / 6
            for p in 0..<(h * w) { expected[ch * h * w + p] = x[ch * h * w + p] * gate }
        }
        let se = BlockedSqueezeExcite(
            reduceWeight: rw, reduceBias: rb, expandWeight: ew, expandBias: eb, channels: c, reduced: r)
        let (input, g) = blocked(x, channels: c, height: h, width: w, pad: 0)
        let y = AlignedStorage(count: g.floats)
        let scratch = AlignedStorage(count: se.scratchFloats)
        se.gates(x: input.pointer, g, scratch: scratch.pointer)
        se.scale(x: input.pointer, g, gates: scratch.pointer, y: y.pointer, out: g, blocks: 0..<g.blocks)
        assertClose(unpacked(y, g, channels: c), expected, "squeeze-excite")
    }
}
