import Engine
import Inference
import Layers
import Model

/// Measures the LCNet050 backbone: training step (forward + backward + AdamW), batch-1 eval latency and
/// batched eval throughput, each the median of several timed runs after warm-up.
public struct BackboneBenchmark: Sendable {
    public var batch = 64
    public var imageSize = 128
    public var trainSteps = 7
    public var latencyRuns = 200
    public var throughputRuns = 9
    public var warmup = 2

    public init() {}

    public struct Result: Codable, Sendable {
        public var model = "lcnet_050 backbone (forward_features); inference with BatchNorm folded"
        public var batch: Int
        public var imageSize: Int
        public var threads: Int
        public var trainImagesPerSecond: Double
        public var trainStepMilliseconds: Double
        public var latencyBatch1Milliseconds: Double
        public var inferenceImagesPerSecond: Double
        public var peakRSSMebibytes: Double
        public var blas: String
        /// The kernel set in use (`KernelSet.active`) and what CPUID reported.
        public var kernels = KernelSet.active.rawValue
        public var cpuFeatures = KernelSet.cpuFeatures.description
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// A randomly initialised backbone (no input gradient) and a random batch, shared by the benchmarks.
    static func setUp(batch: Int, imageSize: Int) -> (LCNetBackbone, ParameterArena, Tensor, SeededGenerator) {
        BLAS.configure()
        let arena = ParameterArena()
        let backbone = LCNetBackbone(arena: arena)
        arena.seal(seed: 1)
        backbone.computesInputGradient = false
        var rng = SeededGenerator(seed: 2)
        let x = Tensor(shape: [batch, 3, imageSize, imageSize])
        rng.fill(x)
        return (backbone, arena, x, rng)
    }

    public func run(progress: (String) -> Void = { _ in }) -> Result {
        var (backbone, arena, x, rng) = Self.setUp(batch: batch, imageSize: imageSize)
        var optimizer = AdamW(learningRate: 1e-3)
        var dy: Tensor?

        progress("training step, batch \(batch)…")
        var trainTimes: [Double] = []
        for i in 0..<(warmup + trainSteps) {
            let t0 = System.now()
            arena.zeroGrads()
            let y = backbone(x, training: true)
            if dy == nil {
                let g = Tensor(shape: y.shape)
                rng.fill(g, scale: 1 / Float(y.count))
                dy = g
            }
            _ = backbone.backward(dy!)
            optimizer.update(arena)
            if i >= warmup { trainTimes.append(System.now() - t0) }
        }

        progress("batch-1 latency…")
        let folded = try! FoldedLCNet(weights: NamedTensors(StateDict.tensors(of: backbone)))
        let one = Tensor(shape: [1, 3, imageSize, imageSize])
        rng.fill(one)
        var latencies: [Double] = []
        for i in 0..<(warmup * 10 + latencyRuns) {
            let t0 = System.now()
            _ = folded.forward(one)
            if i >= warmup * 10 { latencies.append(System.now() - t0) }
        }

        progress("batch-\(batch) inference throughput…")
        var batchTimes: [Double] = []
        for i in 0..<(warmup + throughputRuns) {
            let t0 = System.now()
            _ = folded.forward(x)
            if i >= warmup { batchTimes.append(System.now() - t0) }
        }
        let step = Self.median(trainTimes)
        return Result(
            batch: batch, imageSize: imageSize, threads: Parallel.workers,
            trainImagesPerSecond: Double(batch) / step, trainStepMilliseconds: step * 1000,
            latencyBatch1Milliseconds: Self.median(latencies) * 1000,
            inferenceImagesPerSecond: Double(batch) / Self.median(batchTimes),
            peakRSSMebibytes: Double(System.peakResidentBytes) / 1_048_576,
            blas: BLAS.configuration)
    }
}
