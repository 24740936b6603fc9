import Engine

/// Pointwise activation functions with PyTorch's definitions and subgradients.
package enum Activation: String, Codable, Sendable {
    case identity, relu, hardSwish, hardSigmoid

    /// f(z)
    @inline(__always)
    package func apply(_ z: Float) -> Float {
        switch self {
        case .identity: return z
        case .relu: return max(z, 0)
        case .hardSwish: return z * min(max(z + 3, 0), 6) * (1 / 6)
        case .hardSigmoid: return min(max(z + 3, 0), 6) * (1 / 6)
        }
    }

    /// f'(z) as PyTorch's backward kernels define it at the kinks.
    @inline(__always)
    package func derivative(_ z: Float) -> Float {
        switch self {
        case .identity: return 1
        case .relu: return z > 0 ? 1 : 0
        case .hardSwish: return z < -3 ? 0 : (z <= 3 ? (2 * z + 3) * (1 / 6) : 1)
        case .hardSigmoid: return (z > -3 && z < 3) ? 1 / 6 : 0
        }
    }

    /// y[i] = f(x[i]) over `count` elements.
    package func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .identity: if UnsafePointer(y) != x { y.update(from: x, count: count) }
        case .relu: for i in 0..<count { y[i] = max(x[i], 0) }
        case .hardSwish:
            for i in 0..<count {
                let z = x[i]
                y[i] = z * min(max(z + 3, 0), 6) * (1 / 6)
            }
        case .hardSigmoid: for i in 0..<count { y[i] = min(max(x[i] + 3, 0), 6) * (1 / 6) }
        }
    }
}

/// A standalone activation layer (ReLU, HardSwish, HardSigmoid).
package final class ActivationLayer: Layer {
    package let activation: Activation
    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    package init(_ activation: Activation) { self.activation = activation }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        let y = Tensor.reuse(output, shape: x.shape)
        output = y
        let a = activation
        let xs = SendablePointer(x.data)
        let ys = SendablePointer(y.data)
        let n = x.count
        Parallel.chunks(n, minimumPerWorker: 1 << 15) { _, r in
            a.apply(xs.pointer + r.lowerBound, ys.pointer + r.lowerBound, count: r.count)
        }
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(activation) backward before forward") }
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let a = activation
        let xs = SendablePointer(x.data)
        let gs = SendablePointer(dy.data)
        let ds = SendablePointer(dx.data)
        Parallel.chunks(x.count, minimumPerWorker: 1 << 15) { _, r in
            for i in r { ds.pointer[i] = gs.pointer[i] * a.derivative(xs.pointer[i]) }
        }
        return dx
    }
}
