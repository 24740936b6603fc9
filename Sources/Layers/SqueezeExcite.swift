import Engine

/// timm's `SqueezeExcite` as LCNet uses it: global mean → 1×1 conv C→R (bias) → ReLU → 1×1 conv R→C (bias)
/// → hard-sigmoid → per-channel scale of the input. The 1×1 convs act on pooled `[N, C]` vectors, so they
/// are `Linear` layers that keep PyTorch's `[out, in, 1, 1]` weight shapes and names.
package final class SqueezeExcite: Layer {
    package let channels: Int, reduced: Int
    private let pool = GlobalAvgPool()
    private let reduce: Linear
    private let relu = ActivationLayer(.relu)
    private let expand: Linear
    private let gate = ActivationLayer(.hardSigmoid)
    private var input: Tensor?
    private var gateValues: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var gradGate: Tensor?

    package init(_ name: String, arena: ParameterArena, channels: Int, reduced: Int) {
        self.channels = channels
        self.reduced = reduced
        reduce = Linear(
            join(name, "conv_reduce"), arena: arena, inFeatures: channels, outFeatures: reduced,
            weightShape: [reduced, channels, 1, 1])
        expand = Linear(
            join(name, "conv_expand"), arena: arena, inFeatures: reduced, outFeatures: channels,
            weightShape: [channels, reduced, 1, 1])
    }

    package var parameters: [Parameter] { reduce.parameters + expand.parameters }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        let g = gate(expand(relu(reduce(pool(x, training: training)))), training: training)
        gateValues = g
        let n = x[0]
        let c = channels
        let hw = x.count / (n * c)
        let y = Tensor.reuse(output, shape: x.shape)
        output = y
        let xs = SendablePointer(x.data)
        let ys = SendablePointer(y.data)
        let gs = SendablePointer(g.data)
        Parallel.forEach(n * c, minimumPerWorker: 16) { plane in
            let s = gs.pointer[plane]
            let src = xs.pointer + plane * hw
            let dst = ys.pointer + plane * hw
            for j in 0..<hw { dst[j] = src[j] * s }
        }
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input, let g = gateValues else { fatalError("SqueezeExcite backward before forward") }
        let n = x[0]
        let c = channels
        let hw = x.count / (n * c)
        let dg = Tensor.reuse(gradGate, shape: [n, c])
        gradGate = dg
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let xs = SendablePointer(x.data)
        let gys = SendablePointer(dy.data)
        let dxs = SendablePointer(dx.data)
        let gs = SendablePointer(g.data)
        let dgs = SendablePointer(dg.data)
        Parallel.forEach(n * c, minimumPerWorker: 16) { plane in
            let s = gs.pointer[plane]
            let src = xs.pointer + plane * hw
            let gy = gys.pointer + plane * hw
            let d = dxs.pointer + plane * hw
            var acc: Float = 0
            for j in 0..<hw {
                acc += gy[j] * src[j]
                d[j] = gy[j] * s
            }
            dgs.pointer[plane] = acc
        }
        let dPooled = pool.backward(reduce.backward(relu.backward(expand.backward(gate.backward(dg)))))
        for i in 0..<dx.count { dx.data[i] += dPooled.data[i] }
        return dx
    }
}
