import Engine
import Layers
import Model
import XCTest

/// Finite-difference gradient check for a layer: loss L = Σ y·r with a fixed random r. Compares the analytic
/// gradient of the input and of every parameter against central differences on sampled elements, norm-wise.
struct GradientCheck {
    var step: Float = 1e-2
    var samples = 40
    var tolerance: Float = 1e-2
    var training = true
    /// Elementwise agreement that also passes; a gradient that is truly zero (a bias followed by a
    /// BatchNorm in training mode) has no meaningful relative error.
    var absoluteTolerance: Float = 1e-3

    func loss(_ layer: any Layer, _ x: Tensor, _ r: Tensor, reset: () -> Void) -> Double {
        reset()
        let y = layer.forward(x, training: training)
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(r.data[i]) }
        return s
    }

    func numeric(
        _ layer: any Layer, _ x: Tensor, _ r: Tensor, at p: UnsafeMutablePointer<Float>,
        reset: () -> Void
    ) -> Float {
        let old = p.pointee
        p.pointee = old + step
        let plus = loss(layer, x, r, reset: reset)
        p.pointee = old - step
        let minus = loss(layer, x, r, reset: reset)
        p.pointee = old
        return Float((plus - minus) / (2 * Double(step)))
    }

    /// Runs the check and asserts; `arena` holds the layer's parameters.
    func run(
        _ layer: any Layer, input x: Tensor, arena: ParameterArena, seed: UInt64 = 0x5EED_CAFE,
        reset: () -> Void = {}, file: StaticString = #filePath, line: UInt = #line
    ) {
        var rng = SeededGenerator(seed: seed)
        reset()
        let y = layer.forward(x, training: training)
        let r = Tensor(shape: y.shape)
        rng.fill(r)
        arena.zeroGrads()
        let dx = layer.backward(r)
        let analyticInput = Tensor(shape: dx.shape)
        analyticInput.copy(from: dx)
        let analyticParams = arena.parameters.map { p -> [Float] in Array(p.grad.buffer) }

        var picks: [Int] = (0..<min(samples, x.count)).map { _ in Int(rng.next() % UInt64(x.count)) }
        compare(
            "input", picks.map { analyticInput.data[$0] },
            picks.map { numeric(layer, x, r, at: x.data + $0, reset: reset) }, file: file, line: line)
        for (p, grads) in zip(arena.parameters, analyticParams) {
            picks = (0..<min(samples, p.count)).map { _ in Int(rng.next() % UInt64(p.count)) }
            compare(
                p.name, picks.map { grads[$0] },
                picks.map { numeric(layer, x, r, at: p.valuePointer + $0, reset: reset) }, file: file, line: line)
        }
    }

    func compare(_ what: String, _ analytic: [Float], _ numeric: [Float], file: StaticString, line: UInt) {
        let worst = zip(analytic, numeric).map { abs($0 - $1) }.max() ?? 0
        if what != "input" && worst < absoluteTolerance { return }
        var num = 0.0
        var den = 0.0
        for (a, n) in zip(analytic, numeric) {
            num += Double(a - n) * Double(a - n)
            den += Double(n) * Double(n)
        }
        let rel = (num / max(den, 1e-12)).squareRoot()
        XCTAssertGreaterThan(
            den, 0, "\(what): numeric gradient is all zero; the check would prove nothing", file: file, line: line)
        XCTAssertLessThan(rel, Double(tolerance), "\(what): relative error \(rel)", file: file, line: line)
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    let t = Tensor(shape: shape)
    rng.fill(t, scale: scale)
    return t
}
