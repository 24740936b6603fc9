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
    private let scratch = WorkerScratch()

    package init(_ name: String, arena: ParameterArena, channels: Int, kernel: Int, stride: Int = 1) {
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
        self.padding = kernel / 2
        weight = arena.declare(
            join(name, "weight"), shape: [channels, 1, kernel, kernel],
            initializer: .kaimingNormal(fanIn: kernel * kernel))
    }

    package var parameters: [Parameter] { [weight] }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(
            x.rank == 4 && x[1] == channels, "\(weight.name): input \(x.shape), expected [N, \(channels), H, W]")
        input = x
        let n = x[0]
        let g = DepthwiseGeometry(height: x[2], width: x[3], kernel: kernel, stride: stride)
        let y = Tensor.reuse(output, shape: [n, channels, g.outHeight, g.outWidth])
        output = y
        scratch.reserve(workers: Parallel.workers, count: g.scratchFloats)
        let xs = SendablePointer(x.data)
        let ys = SendablePointer(y.data)
        let wp = SendablePointer(weight.valuePointer)
        let (c, k, scratch) = (channels, kernel, self.scratch)
        let inPlane = g.height * g.width
        let outPlane = g.outHeight * g.outWidth
        Parallel.chunks(n * c, minimumPerWorker: 8) { worker, planes in
            let s = scratch.buffer(worker, count: g.scratchFloats)
            for plane in planes {
                DepthwiseKernels.forward(
                    x: xs.pointer + plane * inPlane, w: wp.pointer + (plane % c) * k * k,
                    y: ys.pointer + plane * outPlane, geometry: g, scratch: s)
            }
        }
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(weight.name): backward before forward") }
        let n = x[0]
        let g = DepthwiseGeometry(height: x[2], width: x[3], kernel: kernel, stride: stride)
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let wcount = channels * kernel * kernel
        partials.reserve(workers: Parallel.workers, count: wcount)
        partials.zero(count: wcount)
        scratch.reserve(workers: Parallel.workers, count: g.scratchFloats)
        let xs = SendablePointer(x.data)
        let gs = SendablePointer(dy.data)
        let ds = SendablePointer(dx.data)
        let wp = SendablePointer(weight.valuePointer)
        let (c, k, partials, scratch) = (channels, kernel, self.partials, self.scratch)
        let inPlane = g.height * g.width
        let outPlane = g.outHeight * g.outWidth
        Parallel.chunks(n * c, minimumPerWorker: 8) { worker, planes in
            let dw = partials.buffer(worker, count: wcount)
            let s = scratch.buffer(worker, count: g.scratchFloats)
            for plane in planes {
                let ch = plane % c
                DepthwiseKernels.backward(
                    x: xs.pointer + plane * inPlane, w: wp.pointer + ch * k * k,
                    dy: gs.pointer + plane * outPlane, dx: ds.pointer + plane * inPlane,
                    dw: dw + ch * k * k, geometry: g, scratch: s)
            }
        }
        partials.sum(0..<wcount, into: weight.gradPointer)
        return dx
    }
}
