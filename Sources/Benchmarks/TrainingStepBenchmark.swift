import Engine
import Layers
import Model
import Objectives

/// Times the full two-head training step (backbone + neck + classification head, CE + margin loss over N
/// identities, backward, clipping, AdamW, lazy AdamW on the sampled centres) on synthetic tensors.
public struct TrainingStepBenchmark: Sendable {
    public var batch = 64
    public var imageSize = 128
    public var classes = 1000
    public var sampleRate: Float = 1
    public var steps = 5
    public var warmup = 2

    public init() {}

    public struct Result: Codable, Sendable {
        public var classes: Int
        public var sampleRate: Float
        public var imagesPerSecond: Double
        public var stepMilliseconds: Double
        public var peakRSSMebibytes: Double
    }

    public func run() -> Result {
        BLAS.configure()
        var spec = ModelSpec()
        spec.inputSize = imageSize
        let model = JointModel(spec: spec, seed: 1)
        var settings = MarginSettings.cosFace
        settings.sampleRate = sampleRate
        let margin = MarginClassifier(classes: classes, dimension: spec.embeddingSize, settings: settings, seed: 1)
        let ce = CrossEntropy(mode: .multiclass, classWeights: [1, 1, 1])
        var rng = SeededGenerator(seed: 3)
        let x = Tensor(shape: [batch, 3, imageSize, imageSize])
        rng.fill(x)
        let labels = (0..<batch).map { _ in Int(rng.next() % 3) }
        let identities = (0..<batch).map { _ in Int(rng.next() % UInt64(classes)) }
        var optimizer = AdamW(learningRate: 1e-3, weightDecay: 0.05)
        var times: [Double] = []
        for i in 0..<(warmup + steps) {
            let t0 = System.now()
            model.arena.zeroGrads()
            margin.beginStep(labels: identities)
            let (embedding, logits) = model.forward(x, training: true)
            let dLogits = Tensor(shape: logits.shape)
            let dEmbedding = Tensor(shape: embedding.shape)
            _ = ce(logits: logits, labels: labels, gradient: dLogits, scale: 2)
            _ = margin.forwardBackward(embeddings: embedding, labels: identities, gradient: dEmbedding)
            model.backward(embeddingGradient: dEmbedding, logitGradient: dLogits)
            model.arena.clipGradNorm(maxNorm: 5)
            optimizer.update(model.arena)
            margin.update(with: optimizer)
            if i >= warmup { times.append(System.now() - t0) }
        }
        let step = BackboneBenchmark.median(times)
        return Result(
            classes: classes, sampleRate: sampleRate, imagesPerSecond: Double(batch) / step,
            stepMilliseconds: step * 1000, peakRSSMebibytes: Double(System.peakResidentBytes) / 1_048_576)
    }
}
