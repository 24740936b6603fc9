import Engine
import TestSupport
import XCTest

final class OptimizerTests: XCTestCase {
    func testAdamWFirstStepByHand() {
        let arena = ParameterArena()
        let w = arena.declare("w", shape: [1], initializer: .ones)
        let b = arena.declare("b", shape: [1], initializer: .ones, decay: false)
        arena.seal()
        w.gradPointer[0] = 0.5
        b.gradPointer[0] = 0.5
        var opt = AdamW(learningRate: 0.1, weightDecay: 0.01)
        opt.update(arena)
        // Decoupled decay 1·(1 − 0.1·0.01), then the bias-corrected step lr·ĝ/(|ĝ| + eps) ≈ 0.1.
        XCTAssertEqual(w.valuePointer[0], 0.999 - 0.1, accuracy: 1e-6)
        XCTAssertEqual(b.valuePointer[0], 1 - 0.1, accuracy: 1e-6)
        XCTAssertEqual(opt.step, 1)
    }

    func testAdamWMatchesReferenceOverManySteps() {
        let arena = ParameterArena()
        let w = arena.declare("w", shape: [3, 5], initializer: .normal(std: 1))
        let b = arena.declare("b", shape: [5], initializer: .normal(std: 1), decay: false)
        arena.seal(seed: 4)
        var ref = (Array(w.value.buffer).map(Double.init), Array(b.value.buffer).map(Double.init))
        var m = ([Double](repeating: 0, count: 15), [Double](repeating: 0, count: 5))
        var v = m
        var opt = AdamW(learningRate: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1)
        var rng = SeededGenerator(seed: 9)
        for t in 1...25 {
            let gw = (0..<15).map { _ in Double(rng.normal()) }
            let gb = (0..<5).map { _ in Double(rng.normal()) }
            for i in 0..<15 { w.gradPointer[i] = Float(gw[i]) }
            for i in 0..<5 { b.gradPointer[i] = Float(gb[i]) }
            opt.update(arena)
            // torch.optim.AdamW, written out in Double.
            func step(_ p: inout [Double], _ m: inout [Double], _ v: inout [Double], _ g: [Double], decay: Bool) {
                for i in p.indices {
                    if decay { p[i] *= 1 - 0.01 * 0.1 }
                    m[i] = 0.8 * m[i] + 0.2 * g[i]
                    v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i]
                    let bc1 = 1 - pow(0.8, Double(t))
                    let bc2 = 1 - pow(0.95, Double(t))
                    p[i] -= 0.01 / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + 1e-6)
                }
            }
            step(&ref.0, &m.0, &v.0, gw, decay: true)
            step(&ref.1, &m.1, &v.1, gb, decay: false)
        }
        for i in 0..<15 { XCTAssertEqual(Double(w.valuePointer[i]), ref.0[i], accuracy: 1e-5) }
        for i in 0..<5 { XCTAssertEqual(Double(b.valuePointer[i]), ref.1[i], accuracy: 1e-5) }
    }

    func testClipGradNormLikePyTorch() {
        let arena = ParameterArena()
        let a = arena.declare("a", shape: [2], initializer: .zeros)
        let c = arena.declare("c", shape: [1], initializer: .zeros)
        arena.seal()
        a.gradPointer[0] = 3
        a.gradPointer[1] = 0
        c.gradPointer[0] = 4
        let norm = arena.clipGradNorm(maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-9)
        XCTAssertEqual(a.gradPointer[0], 3 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(c.gradPointer[0], 4 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(arena.gradNorm(), 1, accuracy: 1e-5)
        // Below the limit: untouched.
        XCTAssertEqual(arena.clipGradNorm(maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(c.gradPointer[0], 4 / (5 + 1e-6), accuracy: 1e-6)
    }

    func testArenaLayoutAndZeroing() {
        let arena = ParameterArena()
        let a = arena.declare("a", shape: [3], initializer: .constant(2))
        let b = arena.declare("b", shape: [2, 2], initializer: .ones, decay: false)
        arena.seal()
        XCTAssertEqual(b.offset % 16, 0, "parameters start on a 64-byte boundary")
        XCTAssertEqual(Int(bitPattern: arena.valuesPointer) % 64, 0)
        XCTAssertEqual(a.value.array, [2, 2, 2])
        XCTAssertEqual(b.value.array, [1, 1, 1, 1])
        XCTAssertTrue(arena["b"] === b)
        b.gradPointer[3] = 7
        arena.zeroGrads()
        XCTAssertEqual(b.grad.array, [0, 0, 0, 0])
        XCTAssertEqual(arena.decayRuns.map(\.decay), [true, false])
    }

    func testSeededGeneratorRepeats() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let sa = (0..<5).map { _ in a.next() }
        let sb = (0..<5).map { _ in b.next() }
        let sc = (0..<5).map { _ in c.next() }
        XCTAssertEqual(sa, sb)
        XCTAssertNotEqual(sa, sc)
        var n = SeededGenerator(seed: 1)
        let xs = (0..<20000).map { _ in Double(n.normal()) }
        let mean = xs.reduce(0, +) / 20000
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20000
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }
}
