import Engine
import Foundation
import Inference

/// Times the full two-head model the way `Predictor` runs it (folded backbone, both heads, softmax and
/// L2 normalisation) on preprocessed random inputs: batch-1 latency and batched throughput, medians.
public struct InferenceBenchmark: Sendable {
    public var model: String?
    public var batch = 64
    public var latencyRuns = 300
    public var throughputRuns = 9
    public var warmup = 5

    public init(model: String? = nil) { self.model = model }

    public struct Result: Codable, Sendable {
        public var model: String
        public var modelID: String
        public var inputSize: Int
        public var threads: Int
        public var latencyBatch1Milliseconds: Double
        /// The batch-1 latency split (medians): the folded network (backbone and classification head), then
        /// the embedding neck with L2 normalisation.
        public var foldedNetworkMilliseconds: Double
        public var embeddingNeckMilliseconds: Double
        public var batch: Int
        public var imagesPerSecond: Double
        /// The batch time split the same way (medians, milliseconds per batch).
        public var foldedNetworkBatchMilliseconds: Double
        public var embeddingNeckBatchMilliseconds: Double
        public var peakRSSMebibytes: Double
        /// The kernel set in use (`KernelSet.active`) and what CPUID reported.
        public var kernels = KernelSet.active.rawValue
        public var cpuFeatures = KernelSet.cpuFeatures.description
    }

    public func run() throws -> Result {
        let predictor = try Predictor(modelPath: model)
        let pre = predictor.preprocessing
        var rng = SeededGenerator(seed: 5)
        let one = Tensor(shape: [1, 3, pre.height, pre.width])
        let many = Tensor(shape: [batch, 3, pre.height, pre.width])
        rng.fill(one)
        rng.fill(many)
        for _ in 0..<warmup { _ = predictor.predict(tensor: one) }
        var latencies: [Double] = []
        for _ in 0..<latencyRuns {
            let t0 = System.now()
            _ = predictor.predict(tensor: one)
            latencies.append((System.now() - t0) * 1000)
        }
        var parts: [[Double]] = [[], []]
        for _ in 0..<latencyRuns {
            let t0 = System.now()
            let (f, _) = predictor.network(one)
            let t1 = System.now()
            _ = l2Normalized(predictor.neck(f, team: predictor.network.team))
            let t2 = System.now()
            parts[0].append((t1 - t0) * 1000)
            parts[1].append((t2 - t1) * 1000)
        }
        _ = predictor.predict(tensor: many)
        var rates: [Double] = []
        for _ in 0..<throughputRuns {
            let t0 = System.now()
            _ = predictor.predict(tensor: many)
            rates.append(Double(batch) / (System.now() - t0))
        }
        var batchParts: [[Double]] = [[], []]
        for _ in 0..<throughputRuns {
            let t0 = System.now()
            let (f, _) = predictor.network(many)
            let t1 = System.now()
            _ = l2Normalized(predictor.neck(f, team: predictor.network.team))
            batchParts[0].append((t1 - t0) * 1000)
            batchParts[1].append((System.now() - t1) * 1000)
        }
        return Result(
            model: predictor.modelPath, modelID: predictor.modelID, inputSize: pre.width, threads: Parallel.workers,
            latencyBatch1Milliseconds: BackboneBenchmark.median(latencies),
            foldedNetworkMilliseconds: BackboneBenchmark.median(parts[0]),
            embeddingNeckMilliseconds: BackboneBenchmark.median(parts[1]),
            batch: batch,
            imagesPerSecond: BackboneBenchmark.median(rates),
            foldedNetworkBatchMilliseconds: BackboneBenchmark.median(batchParts[0]),
            embeddingNeckBatchMilliseconds: BackboneBenchmark.median(batchParts[1]),
            peakRSSMebibytes: Double(System.peakResidentBytes) / 1_048_576)
    }
}
