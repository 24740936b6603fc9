import Engine
import Model

/// The LCNet050 backbone for inference: every BatchNorm folded into the convolution before it
/// (w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), bias and hard-swish applied while the output is still in cache,
/// and each sample run through the whole network by one worker (no batch statistics are needed in eval
/// mode, so workers never wait for each other and a sample's activations stay in L2). Activations are
/// channel-blocked (`BlockedPlane`, NCHWc8) from the stem's output to the last convolution, which keeps
/// every kernel vectorised over channels however small the feature map gets (4×4 at the end).
///
/// It is a snapshot: build it again after the weights change. Outputs equal the eval-mode training
/// layers (`LCNetBackbone`) up to float rounding.
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
    /// The folded classification head, when the network was built with one.
    package private(set) var classifier: FoldedClassifier?
    private var steps: [Step] = []
    /// How many of `steps` are the backbone's (the classifier's conv may follow).
    private var backboneSteps = 0
    private let inChannels: Int, outChannels: Int
    private var plan: Plan?
    private var workspaces: [Workspace] = []
    /// Batch 1: both cores work on every op, handed over by a spinning helper (with its own SE gates).
    package private(set) var team: SpinTeam?
    private var helperGates: AlignedStorage?

    /// Builds the network from already-folded ops (see `FoldedLCNet(weights:)` for reading them from a
    /// model file); `classifier`, when given, runs after the backbone in the same pass (see `forward(_:)`).
    /// `pointwiseKernels` runs every 1×1 convolution with that kernel set (tests of each set); by default each
    /// takes the active set's choice for its shape (`KernelSet.pointwise(inChannels:outChannels:)`).
    package init(ops: [Op], classifier: FoldedClassifier? = nil, pointwiseKernels: KernelSet? = nil) {
        self.ops = ops
        if case .conv(let stem) = ops[0] { inChannels = stem.inChannels } else { inChannels = 3 }
        if case .conv(let last) = ops[ops.count - 1] { outChannels = last.outChannels } else { outChannels = 0 }
        steps = Self.makeSteps(ops, pointwiseKernels: pointwiseKernels)
        backboneSteps = steps.count
        if let head = classifier {
            self.classifier = head
            steps.append(
                head.conv.weight.withUnsafeBufferPointer {
                    .pointwise(
                        BlockedPointwiseWeights(
                            weight: $0.baseAddress!, bias: head.conv.bias, outChannels: head.conv.outChannels,
                            inChannels: head.conv.inChannels, kernels: pointwiseKernels))
                })
        }
    }

    /// The classification head folded for inference: its 1×1 conv with BatchNorm folded in (then hard-swish,
    /// global mean) and its final Linear (`fcWeight` is `[outputs][hidden]`).
    package struct FoldedClassifier {
        package var conv: Conv, fcWeight: [Float], fcBias: [Float]
        package var outputs: Int { fcBias.count }
    }

    /// An op packed for the blocked kernels (channels in blocks of 8, see `BlockedPlane`).
    private enum Step {
        case dense(BlockedDenseWeights), depthwise(BlockedDepthwiseWeights), se(BlockedSqueezeExcite)
        case pointwise(BlockedPointwiseWeights)
    }

    /// Each step's output geometry for one input size; the border of a plane is what the next depthwise
    /// convolution needs. Steps alternate between the two activation buffers.
    private struct Plan {
        var height: Int, width: Int
        var planes: [BlockedPlane]
        /// Steps too small to split over two cores: moving their data between the cores' caches costs more
        /// than the half of the work it saves (measured: below ~100 k multiply-adds, and squeeze-excite,
        /// whose gates need every channel).
        var solo: [Bool]
        var floats: Int { planes.map(\.floats).max() ?? 1 }
    }

    /// Per-worker buffers: two activation buffers and the squeeze-excite gates.
    private final class Workspace {
        let a: AlignedStorage, b: AlignedStorage, gates: AlignedStorage
        init(floats: Int, gateFloats: Int) {
            a = AlignedStorage(count: floats)
            b = AlignedStorage(count: floats)
            gates = AlignedStorage(count: gateFloats)
        }
    }

    private static func makeSteps(_ ops: [Op], pointwiseKernels: KernelSet?) -> [Step] {
        ops.enumerated().map { index, op in
            switch op {
            case .conv(let c) where c.kernel == 1 && c.stride == 1:
                return c.weight.withUnsafeBufferPointer {
                    .pointwise(
                        BlockedPointwiseWeights(
                            weight: $0.baseAddress!, bias: c.bias, outChannels: c.outChannels, inChannels: c.inChannels,
                            kernels: pointwiseKernels))
                }
            case .conv(let c):
                precondition(index == 0, "FoldedLCNet: a k×k dense convolution is only supported as the stem")
                return c.weight.withUnsafeBufferPointer {
                    .dense(
                        BlockedDenseWeights(
                            weight: $0.baseAddress!, bias: c.bias, outChannels: c.outChannels,
                            inChannels: c.inChannels, kernel: c.kernel, stride: c.stride))
                }
            case .depthwise(let d):
                return d.weight.withUnsafeBufferPointer {
                    .depthwise(
                        BlockedDepthwiseWeights(
                            weight: $0.baseAddress!, bias: d.bias, channels: d.channels, kernel: d.kernel,
                            stride: d.stride))
                }
            case .se(let se):
                return .se(
                    BlockedSqueezeExcite(
                        reduceWeight: se.reduceWeight, reduceBias: se.reduceBias, expandWeight: se.expandWeight,
                        expandBias: se.expandBias, channels: se.channels, reduced: se.reduced))
            }
        }
    }

    private func makePlan(height: Int, width: Int) -> Plan {
        var planes: [BlockedPlane] = []
        var (h, w) = (height, width)
        for (i, step) in steps.enumerated() {
            var pad = 0
            if i + 1 < steps.count, case .depthwise(let next) = steps[i + 1] { pad = next.kernel / 2 }
            let blocks: Int
            switch step {
            case .dense(let d):
                (h, w) = (d.outputSize(h), d.outputSize(w))
                blocks = d.outBlocks
            case .depthwise(let d):
                (h, w) = (d.outputSize(h), d.outputSize(w))
                blocks = d.blocks
            case .se(let se): blocks = se.blocks
            case .pointwise(let p): blocks = p.outBlocks
            }
            planes.append(BlockedPlane(blocks: blocks, height: h, width: w, pad: pad))
        }
        let solo = steps.indices.map { i -> Bool in
            let out = planes[i]
            let lanes = out.pixels * out.blocks * 8
            switch steps[i] {
            case .dense(let d): return lanes * d.inChannels * d.kernel * d.kernel < 80_000
            case .depthwise(let d): return lanes * d.kernel * d.kernel < 80_000
            case .se: return true
            case .pointwise(let p): return lanes * p.inBlocks * 8 < 80_000
            }
        }
        return Plan(height: height, width: width, planes: planes, solo: solo)
    }

    /// `[N, 3, H, W]` images → `[N, C, H/32, W/32]` features.
    package func forward(_ x: Tensor) -> Tensor { callAsFunction(x).features }

    /// `[N, 3, H, W]` images → backbone features `[N, C, H/32, W/32]` and, when built with a classifier,
    /// its logits `[N, K]`.
    package func callAsFunction(_ x: Tensor) -> (features: Tensor, logits: Tensor?) {
        let n = x[0]
        let h = x[2]
        let w = x[3]
        precondition(x[1] == inChannels, "FoldedLCNet expects \(inChannels) input channels, got \(x[1])")
        if plan?.height != h || plan?.width != w {
            plan = makePlan(height: h, width: w)
            workspaces = []
            helperGates = nil
        }
        let plan = plan!
        let workers = min(Parallel.workers, n)
        if workspaces.count < workers {
            workspaces += (workspaces.count..<workers).map { _ in Workspace(floats: plan.floats, gateFloats: gateFloats)
            }
        }
        let last = plan.planes[backboneSteps - 1]
        let out = Tensor(shape: [n, outChannels, last.height, last.width])
        let logits = classifier.map { Tensor(shape: [n, $0.outputs]) }
        let xs = SendablePointer(x.data)
        let os = SendablePointer(out.data)
        let ls = logits.map { SendablePointer($0.data) }
        let outCount = outChannels * last.pixels
        let k = classifier?.outputs ?? 0
        if n == 1 && Parallel.workers >= 2 {
            if team == nil { team = SpinTeam() }
            if helperGates == nil { helperGates = AlignedStorage(count: gateFloats) }
            run(
                x.data, plan, workspaces[0], features: out.data, logits: logits?.data, team: team,
                helperGates: helperGates)
            return (out, logits)
        }
        Parallel.dynamic(n) { worker, i in
            self.run(
                xs.pointer + i * 3 * h * w, plan, self.workspaces[worker], features: os.pointer + i * outCount,
                logits: ls.map { $0.pointer + i * k })
        }
        return (out, logits)
    }

    /// One sample through every step, writing its NCHW features and logits. With a `team`, every step's work
    /// items are split in two and the halves run on both cores.
    private func run(
        _ input: UnsafePointer<Float>, _ plan: Plan, _ ws: Workspace, features: UnsafeMutablePointer<Float>,
        logits: UnsafeMutablePointer<Float>?, team: SpinTeam? = nil, helperGates: AlignedStorage? = nil
    ) {
        var src = input
        var dst = ws.a.pointer
        for index in steps.indices {
            let (from, to) = (SendablePointer(UnsafeMutablePointer(mutating: src)), SendablePointer(dst))
            if let team, let helperGates {
                let gates = (SendablePointer(ws.gates.pointer), SendablePointer(helperGates.pointer))
                team.run { part in
                    self.execute(
                        index, plan, from.pointer, to.pointer, part: part, parts: 2,
                        gates: part == 0 ? gates.0.pointer : gates.1.pointer)
                }
            } else {
                execute(index, plan, src, dst, part: 0, parts: 1, gates: ws.gates.pointer)
            }
            if index == backboneSteps - 1 {
                Blocked.unpack(dst, plan.planes[index], channels: outChannels, into: features)
            }
            src = UnsafePointer(dst)
            dst = dst == ws.a.pointer ? ws.b.pointer : ws.a.pointer
        }
        if let classifier, let logits {
            Self.poolAndClassify(src, plan.planes[steps.count - 1], classifier, into: logits)
        }
    }

    /// Global mean of the classifier's hidden features, then its Linear layer.
    private static func poolAndClassify(
        _ x: UnsafePointer<Float>, _ g: BlockedPlane, _ head: FoldedClassifier,
        into logits: UnsafeMutablePointer<Float>
    ) {
        let hidden = head.conv.outChannels
        var pooled = [Float](repeating: 0, count: g.blocks * 8)
        let inv = V8(repeating: 1 / Float(g.pixels))
        for b in 0..<g.blocks {
            var acc = V8()
            for y in 0..<g.height { for col in 0..<g.width { acc += Blocked.load(x + g.offset(b, y, col)) } }
            acc *= inv
            for l in 0..<8 { pooled[b * 8 + l] = acc[l] }
        }
        pooled.withUnsafeBufferPointer { p in
            head.fcWeight.withUnsafeBufferPointer { w in
                for j in 0..<head.outputs {
                    logits[j] = head.fcBias[j] + Vectorized.dot(w.baseAddress! + j * hidden, p.baseAddress!, hidden)
                }
            }
        }
    }

    /// Share `part` of `parts` of step `index`, from `src` into `dst`.
    private func execute(
        _ index: Int, _ plan: Plan, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
        part: Int, parts: Int, gates: UnsafeMutablePointer<Float>
    ) {
        var (part, parts) = (part, parts)
        if plan.solo[index] && parts > 1 {
            guard part == 0 else { return }
            (part, parts) = (0, 1)
        }
        let out = plan.planes[index]
        let input = index > 0 ? plan.planes[index - 1] : BlockedPlane(blocks: 1, height: plan.height, width: plan.width)
        out.zeroBorder(dst, blocks: Blocked.share(out.blocks, part: part, parts: parts))
        switch steps[index] {
        case .dense(let d):
            BlockedDenseConvolution.forward(
                x: src, height: plan.height, width: plan.width, d, y: dst, out: out,
                items: Blocked.share(BlockedDenseConvolution.items(d, outHeight: out.height), part: part, parts: parts))
        case .depthwise(let d):
            BlockedDepthwise.forward(
                x: src, in: input, d, y: dst, out: out,
                items: Blocked.share(BlockedDepthwise.items(d, outHeight: out.height), part: part, parts: parts))
        case .se(let se):
            se.gates(x: src, input, scratch: gates)
            se.scale(
                x: src, input, gates: gates, y: dst, out: out,
                blocks: Blocked.share(out.blocks, part: part, parts: parts))
        case .pointwise(let p):
            precondition(input.pad == 0, "pointwise input must be unpadded")
            // Split by pixels where the activations outweigh the weights (early layers), else by output channels,
            // so that each core reads half of the larger operand.
            let pixelMajor = out.pixels * p.inBlocks >= p.outBlocks * p.inBlocks * 8
            BlockedPointwise.forward(
                x: src, pixels: out.pixels, p, y: dst, out: out, pixelMajor: pixelMajor,
                items: Blocked.share(BlockedPointwise.items(p, pixels: out.pixels), part: part, parts: parts))
        }
    }

    /// Median time of every step for one sample on one core (or split over both, as batch 1 runs it) (`runs` repetitions), to see where the time goes.
    package func profile(
        height: Int, width: Int, runs: Int = 200, bothCores: Bool = false
    ) -> [(step: String, plane: BlockedPlane, milliseconds: Double)] {
        let plan = makePlan(height: height, width: width)
        let ws = Workspace(floats: plan.floats, gateFloats: gateFloats)
        let helper = AlignedStorage(count: gateFloats)
        let team = bothCores ? SpinTeam() : nil
        let image = AlignedStorage(count: inChannels * height * width)
        for i in 0..<image.count { image.pointer[i] = Float(i % 17) / 17 - 0.5 }
        var times = [[Double]](repeating: [], count: steps.count)
        for _ in 0..<runs {
            var src = UnsafePointer(image.pointer)
            var dst = ws.a.pointer
            for index in steps.indices {
                let t0 = System.now()
                if let team {
                    let (from, to) = (SendablePointer(UnsafeMutablePointer(mutating: src)), SendablePointer(dst))
                    let gates = (SendablePointer(ws.gates.pointer), SendablePointer(helper.pointer))
                    team.run { part in
                        self.execute(
                            index, plan, from.pointer, to.pointer, part: part, parts: 2,
                            gates: part == 0 ? gates.0.pointer : gates.1.pointer)
                    }
                } else {
                    execute(index, plan, src, dst, part: 0, parts: 1, gates: ws.gates.pointer)
                }
                times[index].append(System.now() - t0)
                src = UnsafePointer(dst)
                dst = dst == ws.a.pointer ? ws.b.pointer : ws.a.pointer
            }
        }
        return steps.indices.map { i in
            let name: String
            switch steps[i] {
            case .dense(let d): name = "dense \(d.kernel)x\(d.kernel)/\(d.stride)"
            case .depthwise(let d): name = "depthwise \(d.kernel)x\(d.kernel)/\(d.stride)"
            case .se: name = "squeeze-excite"
            case .pointwise(let p): name = "pointwise \(p.inBlocks * 8)->\(p.outBlocks * 8)"
            }
            let sorted = times[i].sorted()
            return (name, plan.planes[i], sorted[sorted.count / 2] * 1000)
        }
    }

    private var gateFloats: Int {
        steps.reduce(8) { m, step in if case .se(let se) = step { return max(m, se.scratchFloats) } else { return m } }
    }
}
