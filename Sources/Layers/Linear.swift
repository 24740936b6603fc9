import Engine

/// Fully connected layer `y = x·Wᵀ + b` on `[N, in]` inputs; W is `[out, in]`. One GEMM per pass.
/// `weightShape` lets a 1×1 convolution on pooled features (SE) keep PyTorch's `[out, in, 1, 1]` name/shape.
package final class Linear: Layer {
    package let inFeatures: Int, outFeatures: Int
    package let weight: Parameter
    package let bias: Parameter?
    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    package init(_ name: String, arena: ParameterArena, inFeatures: Int, outFeatures: Int, bias: Bool = true,
                 weightShape: [Int]? = nil, initializer: ParameterInit? = nil) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = arena.declare(join(name, "weight"), shape: weightShape ?? [outFeatures, inFeatures],
                               initializer: initializer ?? .uniform(bound: bound))
        self.bias = bias ? arena.declare(join(name, "bias"), shape: [outFeatures], initializer: .uniform(bound: bound),
                                         decay: false) : nil
    }

    package var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x[0]
        precondition(x.count == n * inFeatures, "\(weight.name): input \(x.shape), expected [N, \(inFeatures)]")
        input = x
        let y = Tensor.reuse(output, shape: [n, outFeatures])
        output = y
        BLAS.gemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
                  b: weight.valuePointer, ldb: inFeatures, c: y.data, ldc: outFeatures)
        if let bias {
            let b = bias.valuePointer
            for i in 0..<n {
                let row = y.data + i * outFeatures
                for j in 0..<outFeatures { row[j] += b[j] }
            }
        }
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(weight.name): backward before forward") }
        let n = x[0]
        // dW += dyᵀ · x ; dx = dy · W ; db += Σ dy
        BLAS.gemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dy.data, lda: outFeatures,
                  b: x.data, ldb: inFeatures, beta: 1, c: weight.gradPointer, ldc: inFeatures)
        if let bias {
            let g = bias.gradPointer
            for i in 0..<n {
                let row = dy.data + i * outFeatures
                for j in 0..<outFeatures { g[j] += row[j] }
            }
        }
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        BLAS.gemm(m: n, n: inFeatures, k: outFeatures, a: dy.data, lda: outFeatures,
                  b: weight.valuePointer, ldb: inFeatures, c: dx.data, ldc: inFeatures)
        return dx
    }
}
