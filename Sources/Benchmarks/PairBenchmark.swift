import Engine
import Evaluation

/// Times exact verification metrics over all unordered pairs of `count` random clustered 256-d embeddings.
public struct PairBenchmark: Sendable {
    public var count: Int
    public var dimension = 256

    public init(count: Int) { self.count = count }

    public struct Result: Sendable {
        public var pairs: Int
        public var auc: Double
        public var seconds: Double
        public var peakRSSMebibytes: Double
    }

    public func run() -> Result {
        BLAS.configure()
        var rng = SeededGenerator(seed: 5)
        let identities = (0..<count).map { $0 / 4 }
        let x = Tensor(shape: [count, dimension])
        var centre = [Float](repeating: 0, count: dimension)
        for i in 0..<count {
            if i % 4 == 0 { for k in 0..<dimension { centre[k] = rng.normal() } }
            var norm: Float = 0
            for k in 0..<dimension {
                let v = centre[k] + 3 * rng.normal()
                x.data[i * dimension + k] = v
                norm += v * v
            }
            for k in 0..<dimension { x.data[i * dimension + k] /= norm.squareRoot() }
        }
        let t0 = System.now()
        let result = try! PairVerification(
            embeddings: x.data, count: count, dimension: dimension, identities: identities)
        return Result(
            pairs: result.positives + result.negatives, auc: result.auc, seconds: System.now() - t0,
            peakRSSMebibytes: Double(System.peakResidentBytes) / 1_048_576)
    }
}
