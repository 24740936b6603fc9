import Engine

/// 2-D convolution with `groups = 1`, square kernel, symmetric zero padding, optional bias.
/// Weight shape `[out, in, k, k]` (PyTorch). A 1×1, stride-1 convolution is a plain GEMM per sample;
/// larger kernels go through im2col + GEMM. The batch is split across workers, each with its own
/// im2col buffer and weight-gradient partial sum.
package final class Conv2d: Layer {
    package let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    package let weight: Parameter
    package let bias: Parameter?
    /// The stem does not need the gradient of the image; skipping it saves a GEMM and a col2im.
    package var computesInputGradient = true

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private let cols = WorkerScratch()
    private let partials = WorkerScratch()

    package init(
        _ name: String, arena: ParameterArena, inChannels: Int, outChannels: Int, kernel: Int,
        stride: Int = 1, padding: Int? = nil, bias: Bool = false
    ) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding ?? kernel / 2
        let fanIn = inChannels * kernel * kernel
        weight = arena.declare(
            join(name, "weight"), shape: [outChannels, inChannels, kernel, kernel],
            initializer: .kaimingNormal(fanIn: fanIn))
        self.bias =
            bias ? arena.declare(join(name, "bias"), shape: [outChannels], initializer: .zeros, decay: false) : nil
    }

    package var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
    /// Few input channels and a 3×3/5×5 kernel (the stem): direct SIMD convolution instead of im2col + GEMM.
    private var isDirect: Bool {
        inChannels <= 4 && padding == kernel / 2 && DirectConvolution.supports(kernel: kernel, stride: stride)
    }
    private let direct = WorkerScratch()
    private var transposed = AlignedStorage(count: 0)

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(
            x.rank == 4 && x[1] == inChannels, "\(weight.name): input \(x.shape), expected [N, \(inChannels), H, W]")
        input = x
        let n = x[0]
        let h = x[2]
        let w = x[3]
        let ho = Im2Col.outputSize(h, kernel: kernel, stride: stride, padding: padding)
        let wo = Im2Col.outputSize(w, kernel: kernel, stride: stride, padding: padding)
        let y = Tensor.reuse(output, shape: [n, outChannels, ho, wo])
        output = y
        let kdim = inChannels * kernel * kernel
        let hw = ho * wo
        if isDirect {
            let g = DepthwiseGeometry(height: h, width: w, kernel: kernel, stride: stride)
            let count = DirectConvolution.scratchFloats(g, inChannels: inChannels)
            direct.reserve(workers: Parallel.workers, count: count)
            let xs = SendablePointer(x.data)
            let ys = SendablePointer(y.data)
            let wp = SendablePointer(weight.valuePointer)
            let (cin, cout, scratch) = (inChannels, outChannels, direct)
            Parallel.chunks(n) { worker, range in
                for i in range {
                    DirectConvolution.forward(
                        x: xs.pointer + i * cin * h * w, inChannels: cin, w: wp.pointer, outChannels: cout,
                        y: ys.pointer + i * cout * hw, geometry: g, scratch: scratch.buffer(worker, count: count))
                }
            }
            addBias(y)
            return y
        }
        if !isPointwise { cols.reserve(workers: Parallel.workers, count: kdim * hw) }
        let xs = SendablePointer(x.data)
        let ys = SendablePointer(y.data)
        let wp = SendablePointer(weight.valuePointer)
        let (cin, cout, k, s, p, pointwise) = (inChannels, outChannels, kernel, stride, padding, isPointwise)
        let cols = self.cols
        Parallel.chunks(n) { worker, range in
            for i in range {
                let src = xs.pointer + i * cin * h * w
                let dst = ys.pointer + i * cout * hw
                var b: UnsafePointer<Float> = UnsafePointer(src)
                if !pointwise {
                    let col = cols.buffer(worker, count: kdim * hw)
                    Im2Col.im2col(src, channels: cin, height: h, width: w, kernel: k, stride: s, padding: p, col: col)
                    b = UnsafePointer(col)
                }
                if pointwise {
                    SmallGemm.multiply(m: cout, n: hw, k: kdim, a: wp.pointer, lda: kdim, b: b, c: dst)
                } else {
                    BLAS.gemm(m: cout, n: hw, k: kdim, a: wp.pointer, lda: kdim, b: b, ldb: hw, c: dst, ldc: hw)
                }
            }
        }
        addBias(y)
        return y
    }

    private func addBias(_ y: Tensor) {
        guard let bias else { return }
        let n = y[0]
        let hw = y.count / (n * outChannels)
        let b = bias.valuePointer
        for i in 0..<n {
            for o in 0..<outChannels {
                let bv = b[o]
                let row = y.data + (i * outChannels + o) * hw
                for j in 0..<hw { row[j] += bv }
            }
        }
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(weight.name): backward before forward") }
        let n = x[0]
        let h = x[2]
        let w = x[3]
        let ho = dy[2]
        let wo = dy[3]
        let hw = ho * wo
        let kdim = inChannels * kernel * kernel
        let needDx = computesInputGradient
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let workers = Parallel.workers
        let wcount = outChannels * kdim
        let partialCount = wcount + (bias == nil ? 0 : outChannels)
        partials.reserve(workers: workers, count: partialCount)
        partials.zero(count: partialCount)
        if !isPointwise && (!isDirect || needDx) { cols.reserve(workers: workers, count: kdim * hw) }
        let g = DepthwiseGeometry(height: h, width: w, kernel: kernel, stride: stride)
        let directCount = isDirect ? DirectConvolution.scratchFloats(g, inChannels: inChannels) : 0
        if isDirect { direct.reserve(workers: workers, count: directCount) }
        let useDirect = isDirect
        let directScratch = direct
        let xs = SendablePointer(x.data)
        let gs = SendablePointer(dy.data)
        let ds = SendablePointer(dx.data)
        let wp = SendablePointer(weight.valuePointer)
        let (cin, cout, k, s, p, pointwise, hasBias) = (
            inChannels, outChannels, kernel, stride, padding, isPointwise, bias != nil
        )
        let cols = self.cols
        let partials = self.partials
        let geometry = g
        // Wᵀ for the pointwise input gradient (small: C_in × C_out), so dX = Wᵀ·dY runs through SmallGemm.
        if isPointwise && needDx {
            if transposed.count < wcount { transposed = AlignedStorage(count: wcount) }
            let w = weight.valuePointer
            for o in 0..<outChannels {
                for c in 0..<inChannels { transposed.pointer[c * outChannels + o] = w[o * inChannels + c] }
            }
        }
        let wt = SendablePointer(transposed.pointer)
        Parallel.chunks(n) { worker, range in
            let dW = partials.buffer(worker, count: partialCount)
            for i in range {
                let src = xs.pointer + i * cin * h * w
                let g = gs.pointer + i * cout * hw
                if useDirect {
                    DirectConvolution.weightGradient(
                        x: src, inChannels: cin, dy: g, outChannels: cout, dw: dW, geometry: geometry,
                        scratch: directScratch.buffer(worker, count: directCount))
                }
                let col = pointwise ? src : (useDirect && !needDx ? src : cols.buffer(worker, count: kdim * hw))
                if !pointwise && (!useDirect || needDx) {
                    Im2Col.im2col(src, channels: cin, height: h, width: w, kernel: k, stride: s, padding: p, col: col)
                }
                // dW += dY · colᵀ
                if !useDirect {
                    BLAS.gemm(
                        transB: true, m: cout, n: kdim, k: hw, a: g, lda: hw, b: col, ldb: hw, beta: 1, c: dW, ldc: kdim
                    )
                }
                if hasBias {
                    for o in 0..<cout {
                        var acc: Float = 0
                        let row = g + o * hw
                        for j in 0..<hw { acc += row[j] }
                        dW[wcount + o] += acc
                    }
                }
                guard needDx else { continue }
                let dxi = ds.pointer + i * cin * h * w
                if pointwise {
                    SmallGemm.multiply(m: cin, n: hw, k: cout, a: wt.pointer, lda: cout, b: g, c: dxi)
                } else {
                    // dcol = Wᵀ · dY, then scatter back.
                    BLAS.gemm(
                        transA: true, m: kdim, n: hw, k: cout, a: wp.pointer, lda: kdim, b: g, ldb: hw, c: col, ldc: hw)
                    dxi.update(repeating: 0, count: cin * h * w)
                    Im2Col.col2im(col, channels: cin, height: h, width: w, kernel: k, stride: s, padding: p, dx: dxi)
                }
            }
        }
        partials.sum(0..<wcount, into: weight.gradPointer)
        if let bias { partials.sum(wcount..<partialCount, into: bias.gradPointer) }
        return dx
    }
}
