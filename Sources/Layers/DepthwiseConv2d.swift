import Engine

/// Depthwise convolution (`groups = channels`), square kernel (3 or 5), stride 1 or 2, padding k/2, no bias.
/// Weight shape `[C, 1, k, k]`. Work is split over the batch; each worker keeps its own weight-gradient
/// partial so no two workers write the same memory.
package final class DepthwiseConv2d: Layer {
    package let channels: Int, kernel: Int, stride: Int, padding: Int
    package let weight: Parameter
    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private let partials = WorkerScratch()

    package init(_ name: String, arena: ParameterArena, channels: Int, kernel: Int, stride: Int = 1) {
        self.channels = channels; self.kernel = kernel; self.stride = stride; self.padding = kernel / 2
        weight = arena.declare(join(name, "weight"), shape: [channels, 1, kernel, kernel],
                               initializer: .kaimingNormal(fanIn: kernel * kernel))
    }

    package var parameters: [Parameter] { [weight] }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x[1] == channels, "\(weight.name): input \(x.shape), expected [N, \(channels), H, W]")
        input = x
        let n = x[0], h = x[2], w = x[3]
        let ho = Im2Col.outputSize(h, kernel: kernel, stride: stride, padding: padding)
        let wo = Im2Col.outputSize(w, kernel: kernel, stride: stride, padding: padding)
        let y = Tensor.reuse(output, shape: [n, channels, ho, wo])
        output = y
        let xs = SendablePointer(x.data), ys = SendablePointer(y.data), wp = SendablePointer(weight.valuePointer)
        let (c, k, s, p) = (channels, kernel, stride, padding)
        Parallel.forEach(n * c, minimumPerWorker: 8) { plane in
            let ch = plane % c
            DepthwiseKernels.forward(x: xs.pointer + plane * h * w, height: h, width: w, w: wp.pointer + ch * k * k,
                                     kernel: k, stride: s, padding: p,
                                     y: ys.pointer + plane * ho * wo, outHeight: ho, outWidth: wo)
        }
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(weight.name): backward before forward") }
        let n = x[0], h = x[2], w = x[3], ho = dy[2], wo = dy[3]
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let wcount = channels * kernel * kernel
        partials.reserve(workers: Parallel.workers, count: wcount)
        partials.zero(count: wcount)
        let xs = SendablePointer(x.data), gs = SendablePointer(dy.data), ds = SendablePointer(dx.data)
        let wp = SendablePointer(weight.valuePointer)
        let (c, k, s, p) = (channels, kernel, stride, padding)
        let partials = self.partials
        Parallel.chunks(n) { worker, range in
            let dw = partials.buffer(worker, count: wcount)
            for i in range {
                for ch in 0..<c {
                    let plane = i * c + ch
                    let xp = xs.pointer + plane * h * w, gp = gs.pointer + plane * ho * wo
                    let dp = ds.pointer + plane * h * w
                    dp.update(repeating: 0, count: h * w)
                    DepthwiseKernels.backwardInput(dy: gp, outHeight: ho, outWidth: wo, w: wp.pointer + ch * k * k,
                                                   kernel: k, stride: s, padding: p, dx: dp, height: h, width: w)
                    DepthwiseKernels.backwardWeight(x: xp, height: h, width: w, dy: gp, outHeight: ho, outWidth: wo,
                                                    kernel: k, stride: s, padding: p, dw: dw + ch * k * k)
                }
            }
        }
        partials.sum(0..<wcount, into: weight.gradPointer)
        return dx
    }
}
