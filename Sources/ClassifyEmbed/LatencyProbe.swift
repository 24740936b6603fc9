import Dispatch
import Evaluation
import Imaging
import Inference

/// Times several models on the same decoded images. The models take turns within each round, so a machine
/// whose speed drifts (a shared CPU) slows every model alike instead of whichever happened to run last.
enum LatencyProbe {
    /// How `measure` times, for the report.
    static func method(images: Int, rounds: Int) -> String {
        "measured in this run on this machine: the models take turns over \(rounds) rounds on the same "
            + "\(images) decoded images of the split; batch 1 is the median time of one Predictor call for one image "
            + "(resize, network, both heads; decoding excluded), batched is the median time per image of one call "
            + "for all \(images) images; after one warm-up pass of each"
    }

    static func measure(_ predictors: [Predictor], images: [RGBImage], rounds: Int) -> [Latency] {
        guard !images.isEmpty else { return predictors.map { _ in Latency(singleImageMs: 0, batchedMsPerImage: 0) } }
        for p in predictors {
            _ = p.predict(images)
            for image in images { _ = p.predict([image]) }
        }
        var single = predictors.map { _ in [Double]() }
        var batched = predictors.map { _ in [Double]() }
        for _ in 0..<rounds {
            for (m, p) in predictors.enumerated() {
                for image in images { single[m].append(milliseconds { _ = p.predict([image]) }) }
                batched[m].append(milliseconds { _ = p.predict(images) } / Double(images.count))
            }
        }
        return predictors.indices.map {
            Latency(singleImageMs: median(single[$0]), batchedMsPerImage: median(batched[$0]))
        }
    }

    private static func milliseconds(_ work: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        work()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
