import Engine

/// LayerNorm over the last dimension of `[N, F]` (PyTorch: biased variance, eps 1e-5, affine).
package final class LayerNorm: Layer {
    package let features: Int
    package let eps: Float
    package let weight: Parameter
    package let bias: Parameter
    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var mean: [Float] = []
    private var invStd: [Float] = []

    package init(_ name: String, arena: ParameterArena, features: Int, eps: Float = 1e-5) {
        self.features = features
        self.eps = eps
        weight = arena.declare(join(name, "weight"), shape: [features], initializer: .ones, decay: false)
        bias = arena.declare(join(name, "bias"), shape: [features], initializer: .zeros, decay: false)
    }

    package var parameters: [Parameter] { [weight, bias] }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x[0]
        let f = features
        precondition(x.count == n * f, "\(weight.name): input \(x.shape), expected [N, \(f)]")
        input = x
        let y = Tensor.reuse(output, shape: x.shape)
        output = y
        if mean.count != n {
            mean = .init(repeating: 0, count: n)
            invStd = .init(repeating: 0, count: n)
        }
        mean.withUnsafeMutableBufferPointer { m in
            invStd.withUnsafeMutableBufferPointer { s in
                DenseKernels.layerNorm(
                    x.data, rows: n, features: f, gamma: weight.valuePointer, beta: bias.valuePointer, eps: eps,
                    into: y.data, mean: m.baseAddress, invStd: s.baseAddress)
            }
        }
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(weight.name): backward before forward") }
        let n = x[0]
        let f = features
        let ff = Float(f)
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let g = weight.valuePointer
        let gw = weight.gradPointer
        let gb = bias.gradPointer
        for i in 0..<n {
            let xr = x.data + i * f
            let gr = dy.data + i * f
            let dr = dx.data + i * f
            let mu = mean[i]
            let istd = invStd[i]
            var sumG: Float = 0
            var sumGX: Float = 0
            for j in 0..<f {
                let xhat = (xr[j] - mu) * istd
                let gh = gr[j] * g[j]
                sumG += gh
                sumGX += gh * xhat
                gw[j] += gr[j] * xhat
                gb[j] += gr[j]
            }
            for j in 0..<f {
                let xhat = (xr[j] - mu) * istd
                dr[j] = istd / ff * (ff * gr[j] * g[j] - sumG - xhat * sumGX)
            }
        }
        return dx
    }
}
