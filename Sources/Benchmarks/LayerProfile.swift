import Engine
import Layers

/// Per-layer forward/backward times of the backbone's training step (medians over `steps`), to see where
/// the time goes before optimising anything.
public struct LayerProfile: Sendable {
    public struct Row: Codable, Sendable {
        public var layer: String
        public var forwardMilliseconds: Double
        public var backwardMilliseconds: Double
        public var outputShape: [Int]
    }

    public var batch = 64
    public var imageSize = 128
    public var steps = 5
    /// Eval mode (forward only) instead of a training step.
    public var evalOnly = false

    public init() {}

    public func run() -> [Row] {
        var (backbone, _, x, rng) = BackboneBenchmark.setUp(batch: batch, imageSize: imageSize)
        let layers = backbone.leafLayers
        var fwd = [[Double]](repeating: [], count: layers.count)
        var bwd = fwd
        var shapes = [[Int]](repeating: [], count: layers.count)
        for _ in 0..<(evalOnly ? steps * 20 : steps + 1) {
            var h = x
            for (i, l) in layers.enumerated() {
                let t0 = System.now()
                h = l.layer.forward(h, training: !evalOnly)
                fwd[i].append(System.now() - t0)
                shapes[i] = h.shape
            }
            if evalOnly { continue }
            var g = Tensor(shape: h.shape)
            rng.fill(g, scale: 1e-3)
            for (i, l) in layers.enumerated().reversed() {
                let t0 = System.now()
                g = l.layer.backward(g)
                bwd[i].append(System.now() - t0)
            }
        }
        return layers.indices.map { i in
            Row(
                layer: layers[i].name, forwardMilliseconds: BackboneBenchmark.median(Array(fwd[i].dropFirst())) * 1000,
                backwardMilliseconds: evalOnly ? 0 : BackboneBenchmark.median(Array(bwd[i].dropFirst())) * 1000,
                outputShape: shapes[i])
        }
    }
}
