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

    package init(
        _ name: String, arena: ParameterArena, inFeatures: Int, outFeatures: Int, bias: Bool = true,
        weightShape: [Int]? = nil, initializer: ParameterInit? = nil
    ) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = arena.declare(
            join(name, "weight"), shape: weightShape ?? [outFeatures, inFeatures],
            initializer: initializer ?? .uniform(bound: bound))
        self.bias =
            bias
            ? arena.declare(
                join(name, "bias"), shape: [outFeatures], initializer: .uniform(bound: bound),
                decay: false) : nil
    }

    package var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    package func forward(_ x: Tensor, training: Bool) -> Tensor { forward(x, training: training, team: nil) }

    /// With a `team`, a single sample's product is split by output rows over both cores (two `sgemv`s on
    /// halves of W): at 4096 × 256 the 4 MiB of weights are read at twice the bandwidth.
    package func forward(_ x: Tensor, training: Bool, team: SpinTeam?) -> Tensor {
        let n = x[0]
        precondition(x.count == n * inFeatures, "\(weight.name): input \(x.shape), expected [N, \(inFeatures)]")
        input = x
        let y = Tensor.reuse(output, shape: [n, outFeatures])
        output = y
        DenseKernels.linear(
            x.data, rows: n, inFeatures: inFeatures, outFeatures: outFeatures, weight: weight.valuePointer,
            bias: bias.map { UnsafePointer($0.valuePointer) }, into: y.data, team: team)
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(weight.name): backward before forward") }
        let n = x[0]
        // dW += dyᵀ · x ; dx = dy · W ; db += Σ dy
        let (fin, fout) = (inFeatures, outFeatures)
        let big = n * fin * fout >= 1 << 20
        let xs = SendablePointer(x.data)
        let gs = SendablePointer(dy.data)
        let gw = SendablePointer(weight.gradPointer)
        Parallel.chunks(fout, minimumPerWorker: big ? 16 : fout) { _, r in
            BLAS.gemm(
                transA: true, m: r.count, n: fin, k: n, a: gs.pointer + r.lowerBound, lda: fout,
                b: xs.pointer, ldb: fin, beta: 1, c: gw.pointer + r.lowerBound * fin, ldc: fin)
        }
        if let bias {
            let g = bias.gradPointer
            for i in 0..<n {
                let row = dy.data + i * outFeatures
                for j in 0..<outFeatures { g[j] += row[j] }
            }
        }
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let ds = SendablePointer(dx.data)
        let ws = SendablePointer(weight.valuePointer)
        Parallel.chunks(fin, minimumPerWorker: big ? 64 : fin) { _, r in
            BLAS.gemm(
                m: n, n: r.count, k: fout, a: gs.pointer, lda: fout,
                b: ws.pointer + r.lowerBound, ldb: fin, c: ds.pointer + r.lowerBound, ldc: fin)
        }
        return dx
    }
}
