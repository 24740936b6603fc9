import Engine
import Model

/// EfficientNet-Lite0 as a list of channel-blocked kernel calls, and the geometry of every activation for
/// one input size. Each worker owns three activation buffers: the *trunk* (block inputs and outputs), the
/// *expanded* activations of an inverted residual and the *depthwise* output. A projection writes its block's
/// output over the trunk: with a skip connection it adds the block's input that is already there (each
/// output reads only its own position before it is stored), without one the old trunk is no longer needed.
struct EfficientNetLite0Steps {
    enum Buffer: Int, CaseIterable { case trunk, expanded, depthwise }

    enum Op {
        case stem(BlockedDenseWeights)
        case depthwise(BlockedDepthwiseWeights)
        case pointwise(BlockedPointwiseWeights, outChannels: Int)
    }

    struct Step {
        var op: Op
        var activation: BlockedActivation
        /// nil: the NCHW input image.
        var input: Buffer?
        var output: Buffer
        /// Add the output buffer's current content (the block input) to the result.
        var residual: Bool
    }

    let steps: [Step]
    /// The step whose output is each tap.
    let tapSteps: [EfficientNetLite0Tap: Int]
    /// Output channels of every step (before rounding up to blocks).
    let channels: [Int]

    init(_ weights: EfficientNetLite0Weights) {
        var steps: [Step] = []
        var channels: [Int] = []
        var taps: [EfficientNetLite0Tap: Int] = [:]
        func pointwise(_ c: EfficientNetLite0Weights.Conv) -> Op {
            c.weight.withUnsafeBufferPointer {
                .pointwise(
                    BlockedPointwiseWeights(
                        weight: $0.baseAddress!, bias: c.bias, outChannels: c.outChannels, inChannels: c.inChannels),
                    outChannels: c.outChannels)
            }
        }
        func depthwise(_ c: EfficientNetLite0Weights.Conv) -> Op {
            c.weight.withUnsafeBufferPointer {
                .depthwise(
                    BlockedDepthwiseWeights(
                        weight: $0.baseAddress!, bias: c.bias, channels: c.outChannels, kernel: c.kernel,
                        stride: c.stride))
            }
        }
        let stem = weights.stem.weight.withUnsafeBufferPointer {
            BlockedDenseWeights(
                weight: $0.baseAddress!, bias: weights.stem.bias, outChannels: weights.stem.outChannels,
                inChannels: weights.stem.inChannels, kernel: weights.stem.kernel, stride: weights.stem.stride)
        }
        steps.append(Step(op: .stem(stem), activation: .relu6, input: nil, output: .trunk, residual: false))
        channels.append(weights.stem.outChannels)
        taps[.stem] = 0
        for (s, stage) in weights.stages.enumerated() {
            for block in stage {
                var dwInput = Buffer.trunk
                if let expand = block.expand {
                    steps.append(
                        Step(
                            op: pointwise(expand), activation: .relu6, input: .trunk, output: .expanded, residual: false
                        ))
                    channels.append(expand.outChannels)
                    dwInput = .expanded
                }
                steps.append(
                    Step(
                        op: depthwise(block.depthwise), activation: .relu6, input: dwInput, output: .depthwise,
                        residual: false))
                channels.append(block.depthwise.outChannels)
                steps.append(
                    Step(
                        op: pointwise(block.project), activation: .none, input: .depthwise, output: .trunk,
                        residual: block.skip))
                channels.append(block.project.outChannels)
            }
            taps[.stage(s)] = steps.count - 1
        }
        steps.append(
            Step(op: pointwise(weights.head), activation: .relu6, input: .trunk, output: .expanded, residual: false))
        channels.append(weights.head.outChannels)
        self.steps = steps
        self.channels = channels
        self.tapSteps = taps
    }
}

/// Every step's input and output geometry for one input size.
struct EfficientNetLite0Plan {
    var height: Int, width: Int
    var inputs: [BlockedPlane]
    var outputs: [BlockedPlane]
    /// TensorFlow "same" padding before the first row and column of every k×k step.
    var padBefore: [(top: Int, left: Int)]
    /// Floats each buffer needs (the largest plane it ever holds).
    var bufferFloats: [Int]

    init(_ s: EfficientNetLite0Steps, height: Int, width: Int) {
        self.height = height
        self.width = width
        var (h, w) = (height, width)
        var inputs: [BlockedPlane] = []
        var outputs: [BlockedPlane] = []
        var padBefore: [(top: Int, left: Int)] = []
        var floats = [Int](repeating: 0, count: EfficientNetLite0Steps.Buffer.allCases.count)
        var previous = BlockedPlane(blocks: 1, height: h, width: w)
        for (i, step) in s.steps.enumerated() {
            // A plane read by a depthwise convolution carries the zero border it needs.
            var border = 0
            if i + 1 < s.steps.count, case .depthwise(let next) = s.steps[i + 1].op { border = next.kernel / 2 }
            var pad = (top: 0, left: 0)
            switch step.op {
            case .stem(let d):
                pad = (
                    Blocked.samePaddingBefore(h, kernel: d.kernel, stride: d.stride),
                    Blocked.samePaddingBefore(w, kernel: d.kernel, stride: d.stride)
                )
                (h, w) = (d.outputSize(h), d.outputSize(w))
            case .depthwise(let d):
                pad = (
                    Blocked.samePaddingBefore(h, kernel: d.kernel, stride: d.stride),
                    Blocked.samePaddingBefore(w, kernel: d.kernel, stride: d.stride)
                )
                (h, w) = (d.outputSize(h), d.outputSize(w))
            case .pointwise: break
            }
            let out = BlockedPlane(
                blocks: BlockedPlane.blocks(forChannels: s.channels[i]), height: h, width: w, pad: border)
            inputs.append(previous)
            outputs.append(out)
            padBefore.append(pad)
            floats[step.output.rawValue] = max(floats[step.output.rawValue], out.floats)
            previous = out
        }
        self.inputs = inputs
        self.outputs = outputs
        self.padBefore = padBefore
        bufferFloats = floats
    }

    /// Share `part` of `parts` of step `index` of `s`, reading `src` and writing `dst`.
    func execute(
        _ s: EfficientNetLite0Steps, _ index: Int, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
        part: Int, parts: Int
    ) {
        let step = s.steps[index]
        let out = outputs[index]
        out.zeroBorder(dst, blocks: Blocked.share(out.blocks, part: part, parts: parts))
        switch step.op {
        case .stem(let d):
            BlockedDenseConvolution.forward(
                x: src, height: height, width: width, d, y: dst, out: out, activation: step.activation,
                padBefore: padBefore[index],
                items: Blocked.share(BlockedDenseConvolution.items(d, outHeight: out.height), part: part, parts: parts))
        case .depthwise(let d):
            BlockedDepthwise.forward(
                x: src, in: inputs[index], d, y: dst, out: out, activation: step.activation,
                padBefore: padBefore[index],
                items: Blocked.share(BlockedDepthwise.items(d, outHeight: out.height), part: part, parts: parts))
        case .pointwise(let p, _):
            // Early layers (many pixels, few weights) go pixel-major so that a chunk's inputs stay in L1 while
            // every output block is made; late ones go channel-major so that the weights stream once.
            let pixelMajor = out.pixels >= p.outBlocks * 8
            BlockedPointwise.forward(
                x: src, pixels: out.pixels, p, y: dst, out: out, pixelMajor: pixelMajor, activation: step.activation,
                residual: step.residual ? UnsafePointer(dst) : nil,
                items: Blocked.share(BlockedPointwise.items(p, pixels: out.pixels), part: part, parts: parts))
        }
    }
}
