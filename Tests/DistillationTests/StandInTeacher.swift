import Distillation
import Engine
import Foundation
import Imaging

/// A cheap teacher for tests: each image's mean colour over a 4×4 grid (48 values) through a fixed random
/// matrix and tanh, 24 features. Smooth in the pixels, so a small student can learn it in a few steps.
final class StandInTeacher: FeatureTeacher {
    let featureCount = 24
    let fingerprint = "stand-in-teacher"
    let provenance = #"{"network":"stand-in"}"#
    private let weight: [Float]

    init() {
        var rng = SeededGenerator(seed: 42)
        weight = (0..<(24 * 48)).map { _ in rng.normal() * 0.5 }
    }

    var normalisation: Preprocessing {
        var p = Preprocessing()
        p.mean = [0.5, 0.5, 0.5]
        p.std = [0.5, 0.5, 0.5]
        return p
    }

    func features(_ images: Tensor) -> Tensor {
        let (n, h, w) = (images[0], images[2], images[3])
        let out = Tensor(shape: [n, featureCount])
        for i in 0..<n {
            var cells = [Float](repeating: 0, count: 48)
            for c in 0..<3 {
                for y in 0..<h {
                    for x in 0..<w {
                        cells[c * 16 + (y * 4 / h) * 4 + x * 4 / w] += images.data[((i * 3 + c) * h + y) * w + x]
                    }
                }
            }
            let area = Float(h * w) / 16
            for f in 0..<featureCount {
                var s: Float = 0
                for j in 0..<48 { s += weight[f * 48 + j] * cells[j] / area }
                out.data[i * featureCount + f] = tanhf(s)
            }
        }
        return out
    }
}
