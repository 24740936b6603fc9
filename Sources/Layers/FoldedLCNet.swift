import Engine

/// The LCNet050 backbone for inference: every BatchNorm folded into the convolution before it
/// (w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), bias and hard-swish applied while the output is still in cache,
/// and each sample run through the whole network by one worker (no batch statistics are needed in eval
/// mode, so workers never wait for each other and a sample's activations stay in L2).
///
/// It is a snapshot: build it again after the backbone's weights change. Outputs equal the eval-mode
/// `LCNetBackbone` up to float rounding.
package final class FoldedLCNet: @unchecked Sendable {
    /// A convolution with BatchNorm folded in, followed by hard-swish.
    package struct Conv {
        package var weight: [Float]  // [out, in·k·k]
        package var bias: [Float]
        package var inChannels: Int, outChannels: Int, kernel: Int, stride: Int
    }
    /// A depthwise convolution with BatchNorm folded in, followed by hard-swish.
    package struct Depthwise {
        package var weight: [Float]  // [C, k·k]
        package var bias: [Float]
        package var channels: Int, kernel: Int, stride: Int
    }
    /// Squeeze-excite: mean → 1×1 conv → ReLU → 1×1 conv → hard-sigmoid → scale.
    package struct SE {
        package var reduceWeight: [Float], reduceBias: [Float], expandWeight: [Float], expandBias: [Float]
        package var channels: Int, reduced: Int
    }
    package enum Op { case conv(Conv), depthwise(Depthwise), se(SE) }

    /// The folded network, in order (the ONNX exporter writes these as they are).
    package let ops: [Op]
    private var workspaces: [Workspace] = []
    /// Batch 1: both cores work on every op, handed over by a spinning helper.
    private var team: SpinTeam?
    private var helperWorkspace: Workspace?

    package init(_ backbone: LCNetBackbone) {
        func fold(_ bn: BatchNormAct2d) -> (scale: [Float], shift: [Float]) {
            var scale = [Float](), shift = [Float]()
            for c in 0..<bn.channels {
                let s = bn.weight.valuePointer[c] / (bn.runningVar.data[c] + bn.eps).squareRoot()
                scale.append(s)
                shift.append(bn.bias.valuePointer[c] - bn.runningMean.data[c] * s)
            }
            return (scale, shift)
        }
        func conv(_ c: Conv2d, _ bn: BatchNormAct2d) -> Conv {
            let (scale, shift) = fold(bn)
            let per = c.inChannels * c.kernel * c.kernel
            var w = Array(c.weight.value.buffer)
            for o in 0..<c.outChannels { for j in 0..<per { w[o * per + j] *= scale[o] } }
            return Conv(weight: w, bias: shift, inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride)
        }
        var ops: [Op] = [.conv(conv(backbone.convStem, backbone.bn1))]
        for b in backbone.blocks {
            let (scale, shift) = fold(b.bn1)
            let kk = b.convDW.kernel * b.convDW.kernel
            var w = Array(b.convDW.weight.value.buffer)
            for c in 0..<b.convDW.channels { for j in 0..<kk { w[c * kk + j] *= scale[c] } }
            ops.append(.depthwise(Depthwise(weight: w, bias: shift, channels: b.convDW.channels, kernel: b.convDW.kernel, stride: b.convDW.stride)))
            if let se = b.se {
                let p = se.parameters
                ops.append(.se(SE(reduceWeight: Array(p[0].value.buffer), reduceBias: Array(p[1].value.buffer),
                                  expandWeight: Array(p[2].value.buffer), expandBias: Array(p[3].value.buffer),
                                  channels: se.channels, reduced: se.reduced)))
            }
            ops.append(.conv(conv(b.convPW, b.bn2)))
        }
        self.ops = ops
    }

    /// Per-worker buffers: two activation planes sets, im2col columns, depthwise scratch.
    final class Workspace {
        var a: AlignedStorage, b: AlignedStorage, col: AlignedStorage, scratch: AlignedStorage
        init(activations: Int, columns: Int, scratch: Int) {
            a = AlignedStorage(count: activations); b = AlignedStorage(count: activations)
            col = AlignedStorage(count: columns); self.scratch = AlignedStorage(count: scratch)
        }
    }

    /// `[N, 3, H, W]` images → `[N, 256, H/32, W/32]` features.
    package func forward(_ x: Tensor) -> Tensor {
        let n = x[0], h = x[2], w = x[3]
        // Size the workspaces for this input size.
        var maxAct = 3 * h * w, maxCol = 1, maxScratch = 1
        var (ch, hh, ww) = (3, h, w)
        for op in ops {
            switch op {
            case .conv(let c):
                let ho = Im2Col.outputSize(hh, kernel: c.kernel, stride: c.stride, padding: c.kernel / 2)
                let wo = Im2Col.outputSize(ww, kernel: c.kernel, stride: c.stride, padding: c.kernel / 2)
                if DirectConvolution.supports(kernel: c.kernel, stride: c.stride) && c.inChannels <= 4 {
                    let g = DepthwiseGeometry(height: hh, width: ww, kernel: c.kernel, stride: c.stride)
                    maxScratch = max(maxScratch, DirectConvolution.scratchFloats(g, inChannels: c.inChannels))
                } else if c.kernel > 1 || c.stride > 1 {
                    maxCol = max(maxCol, c.inChannels * c.kernel * c.kernel * ho * wo)
                }
                (ch, hh, ww) = (c.outChannels, ho, wo)
            case .depthwise(let d):
                let g = DepthwiseGeometry(height: hh, width: ww, kernel: d.kernel, stride: d.stride)
                maxScratch = max(maxScratch, g.scratchFloats)
                (hh, ww) = (g.outHeight, g.outWidth)
            case .se: break
            }
            maxAct = max(maxAct, ch * hh * ww)
        }
        let workers = min(Parallel.workers, n)
        if workspaces.count < workers || workspaces[0].a.count < maxAct || workspaces[0].col.count < maxCol
            || workspaces[0].scratch.count < maxScratch {
            workspaces = (0..<workers).map { _ in Workspace(activations: maxAct, columns: maxCol, scratch: maxScratch) }
        }
        let out = Tensor(shape: [n, ch, hh, ww])
        let xs = SendablePointer(x.data), os = SendablePointer(out.data)
        let outCount = ch * hh * ww
        if n == 1 && workspaces.count >= 1 && Parallel.workers >= 2 {
            if team == nil { team = SpinTeam() }
            if helperWorkspace == nil || helperWorkspace!.a.count < maxAct || helperWorkspace!.col.count < maxCol
                || helperWorkspace!.scratch.count < maxScratch {
                helperWorkspace = Workspace(activations: maxAct, columns: maxCol, scratch: maxScratch)
            }
            let result = run(x.data, height: h, width: w, workspaces[0], team: team, helper: helperWorkspace)
            out.data.update(from: result, count: outCount)
            return out
        }
        Parallel.chunks(n) { worker, range in
            let ws = self.workspaces[worker]
            for i in range {
                let result = self.run(xs.pointer + i * 3 * h * w, height: h, width: w, ws)
                (os.pointer + i * outCount).update(from: result, count: outCount)
            }
        }
        return out
    }

    /// One sample through every op; returns a pointer into the workspace holding the features. With a
    /// `team`, every op is split in two by output channel and the halves run on both cores.
    private func run(_ input: UnsafePointer<Float>, height: Int, width: Int, _ ws: Workspace,
                     team: SpinTeam? = nil, helper: Workspace? = nil) -> UnsafePointer<Float> {
        var src = UnsafeMutablePointer(mutating: input), dst = ws.a.pointer
        var (c, h, w) = (3, height, width)
        for op in ops {
            let shape = (c: c, h: h, w: w)
            let (from, to) = (SendablePointer(src), SendablePointer(dst))
            if let team, let helper {
                team.run { part in self.execute(op, from.pointer, to.pointer, shape, part: part, parts: 2, part == 0 ? ws : helper) }
            } else {
                execute(op, src, dst, shape, part: 0, parts: 1, ws)
            }
            (c, h, w) = outputShape(op, shape)
            // Ping-pong between the two workspace buffers; the caller's image is only ever read.
            src = dst
            dst = dst == ws.a.pointer ? ws.b.pointer : ws.a.pointer
        }
        return UnsafePointer(src)
    }

    private func outputShape(_ op: Op, _ s: (c: Int, h: Int, w: Int)) -> (Int, Int, Int) {
        switch op {
        case .conv(let conv):
            return (conv.outChannels, Im2Col.outputSize(s.h, kernel: conv.kernel, stride: conv.stride, padding: conv.kernel / 2),
                    Im2Col.outputSize(s.w, kernel: conv.kernel, stride: conv.stride, padding: conv.kernel / 2))
        case .depthwise(let d):
            let g = DepthwiseGeometry(height: s.h, width: s.w, kernel: d.kernel, stride: d.stride)
            return (s.c, g.outHeight, g.outWidth)
        case .se: return (s.c, s.h, s.w)
        }
    }

    /// Output channels `part` of `parts` of one op, from `src` (`shape`) into `dst`.
    private func execute(_ op: Op, _ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                         _ shape: (c: Int, h: Int, w: Int), part: Int, parts: Int, _ ws: Workspace) {
        let (c, h, w) = shape
        let (oc, ho, wo) = outputShape(op, shape)
        let lo = oc * part / parts, hi = oc * (part + 1) / parts, plane = ho * wo
        guard lo < hi else { return }
        switch op {
        case .conv(let conv):
            let kdim = conv.inChannels * conv.kernel * conv.kernel
            conv.weight.withUnsafeBufferPointer { wp in
                let weights = wp.baseAddress! + lo * kdim
                if DirectConvolution.supports(kernel: conv.kernel, stride: conv.stride) && conv.inChannels <= 4 {
                    let g = DepthwiseGeometry(height: h, width: w, kernel: conv.kernel, stride: conv.stride)
                    DirectConvolution.forward(x: src, inChannels: c, w: weights, outChannels: hi - lo, y: dst + lo * plane,
                                              geometry: g, scratch: ws.scratch.pointer)
                } else if conv.kernel == 1 && conv.stride == 1 {
                    SmallGemm.multiply(m: hi - lo, n: plane, k: kdim, a: weights, lda: kdim, b: src, c: dst + lo * plane)
                } else {
                    Im2Col.im2col(src, channels: c, height: h, width: w, kernel: conv.kernel, stride: conv.stride,
                                  padding: conv.kernel / 2, col: ws.col.pointer)
                    BLAS.gemm(m: hi - lo, n: plane, k: kdim, a: weights, lda: kdim, b: ws.col.pointer, ldb: plane,
                              c: dst + lo * plane, ldc: plane)
                }
            }
            for o in lo..<hi { Self.biasHardSwish(dst + o * plane, plane, conv.bias[o]) }
        case .depthwise(let d):
            let g = DepthwiseGeometry(height: h, width: w, kernel: d.kernel, stride: d.stride)
            let kk = d.kernel * d.kernel
            d.weight.withUnsafeBufferPointer { wp in
                for ch in lo..<hi {
                    DepthwiseKernels.forward(x: src + ch * h * w, w: wp.baseAddress! + ch * kk, y: dst + ch * plane,
                                             geometry: g, scratch: ws.scratch.pointer)
                    Self.biasHardSwish(dst + ch * plane, plane, d.bias[ch])
                }
            }
        case .se(let se):
            // Each part computes the (tiny) gates for all channels and scales its own.
            let hw = h * w
            var pooled = [Float](repeating: 0, count: c), mid = [Float](repeating: 0, count: se.reduced)
            for ch in 0..<c { pooled[ch] = Vectorized.sum(src + ch * hw, hw) / Float(hw) }
            for r in 0..<se.reduced {
                var s = se.reduceBias[r]
                for ch in 0..<c { s += se.reduceWeight[r * c + ch] * pooled[ch] }
                mid[r] = max(s, 0)
            }
            for ch in lo..<hi {
                var s = se.expandBias[ch]
                for r in 0..<se.reduced { s += se.expandWeight[ch * se.reduced + r] * mid[r] }
                let gate = min(max(s + 3, 0), 6) / 6
                let p = src + ch * hw, q = dst + ch * hw
                for j in 0..<hw { q[j] = p[j] * gate }
            }
        }
    }

    @inline(__always)
    static func biasHardSwish(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ bias: Float) {
        let b = Vec(repeating: bias)
        var i = 0
        while i + 16 <= n { Vectorized.store(HardSwishKernel.apply(Vectorized.load(p + i) + b), p + i); i += 16 }
        while i < n { let z = p[i] + bias; p[i] = z * min(max(z + 3, 0), 6) / 6; i += 1 }
    }
}
