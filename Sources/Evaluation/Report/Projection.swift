import Foundation

/// 2-D views of embeddings for the report: PCA (power iteration, deterministic) and exact t-SNE
/// (van der Maaten & Hinton 2008: perplexity-calibrated Gaussian affinities, Student-t in 2-D, early
/// exaggeration, momentum). Both run on at most a few thousand points.
package enum Projection {
    /// The first two principal components of `n` row vectors of size `d`.
    package static func pca(_ x: [Float], count n: Int, dimension d: Int) -> [(Double, Double)] {
        guard n > 0 else { return [] }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { mean[k] += Double(x[i * d + k]) } }
        for k in 0..<d { mean[k] /= Double(n) }
        var centred = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for k in 0..<d { centred[i * d + k] = Double(x[i * d + k]) - mean[k] } }
        var components: [[Double]] = []
        for c in 0..<2 {
            var v = (0..<d).map { k in 1 + Double((k * 7 + c * 3) % 11) / 11 }
            for _ in 0..<100 {
                var xv = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    var s = 0.0
                    for k in 0..<d { s += centred[i * d + k] * v[k] }
                    xv[i] = s
                }
                var next = [Double](repeating: 0, count: d)
                for i in 0..<n { for k in 0..<d { next[k] += centred[i * d + k] * xv[i] } }
                for p in components {
                    let dot = zip(next, p).reduce(0) { $0 + $1.0 * $1.1 }
                    for k in 0..<d { next[k] -= dot * p[k] }
                }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 1e-12 else { break }
                v = next.map { $0 / norm }
            }
            components.append(v)
        }
        return (0..<n).map { i in
            let row = centred[(i * d)..<(i * d + d)]
            return (
                zip(row, components[0]).reduce(0) { $0 + $1.0 * $1.1 },
                zip(row, components[1]).reduce(0) { $0 + $1.0 * $1.1 }
            )
        }
    }

    /// Exact t-SNE to 2-D, initialised from PCA (so it is deterministic).
    package static func tsne(
        _ x: [Float], count n: Int, dimension d: Int, perplexity: Double = 30, iterations: Int = 600
    ) -> [(Double, Double)] {
        guard n > 3 else { return pca(x, count: n, dimension: d) }
        var dist = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                var s = 0.0
                for k in 0..<d {
                    let t = Double(x[i * d + k] - x[j * d + k])
                    s += t * t
                }
                dist[i * n + j] = s
                dist[j * n + i] = s
            }
        }
        // Conditional affinities with a per-point bandwidth matching the perplexity (binary search on beta).
        var p = [Double](repeating: 0, count: n * n)
        let target = log(min(perplexity, Double(n - 1) / 3))
        for i in 0..<n {
            var lo = 0.0
            var hi = Double.infinity
            var beta = 1.0
            for _ in 0..<60 {
                var sum = 0.0
                var weighted = 0.0
                for j in 0..<n where j != i {
                    let e = exp(-dist[i * n + j] * beta)
                    p[i * n + j] = e
                    sum += e
                    weighted += dist[i * n + j] * e
                }
                let entropy = sum > 0 ? log(sum) + beta * weighted / sum : 0
                if abs(entropy - target) < 1e-5 { break }
                if entropy > target {
                    lo = beta
                    beta = hi.isInfinite ? beta * 2 : (beta + hi) / 2
                } else {
                    hi = beta
                    beta = (beta + lo) / 2
                }
            }
            let sum = (0..<n).reduce(0.0) { $1 == i ? $0 : $0 + p[i * n + $1] }
            for j in 0..<n { p[i * n + j] = j == i || sum == 0 ? 0 : p[i * n + j] / sum }
        }
        for i in 0..<n {
            for j in (i + 1)..<n {
                let s = max((p[i * n + j] + p[j * n + i]) / (2 * Double(n)), 1e-12)
                p[i * n + j] = s
                p[j * n + i] = s
            }
        }
        let start = pca(x, count: n, dimension: d)
        let scale = max(start.map { abs($0.0) }.max() ?? 1, 1e-12)
        var y = start.flatMap { [$0.0 / scale * 1e-2, $0.1 / scale * 1e-2] }
        var velocity = [Double](repeating: 0, count: 2 * n)
        var gains = [Double](repeating: 1, count: 2 * n)
        var q = [Double](repeating: 0, count: n * n)
        for it in 0..<iterations {
            let exaggeration = it < 150 ? 12.0 : 1.0
            let momentum = it < 150 ? 0.5 : 0.8
            var z = 0.0
            for i in 0..<n {
                for j in (i + 1)..<n {
                    let dx = y[2 * i] - y[2 * j]
                    let dy = y[2 * i + 1] - y[2 * j + 1]
                    let w = 1 / (1 + dx * dx + dy * dy)
                    q[i * n + j] = w
                    q[j * n + i] = w
                    z += 2 * w
                }
            }
            for i in 0..<n {
                var g = (0.0, 0.0)
                for j in 0..<n where j != i {
                    let w = q[i * n + j]
                    let f = (exaggeration * p[i * n + j] - w / z) * w
                    g.0 += 4 * f * (y[2 * i] - y[2 * j])
                    g.1 += 4 * f * (y[2 * i + 1] - y[2 * j + 1])
                }
                for (c, gc) in [g.0, g.1].enumerated() {
                    let k = 2 * i + c
                    gains[k] = (gc > 0) != (velocity[k] > 0) ? gains[k] + 0.2 : max(gains[k] * 0.8, 0.01)
                    velocity[k] = momentum * velocity[k] - 200 * gains[k] * gc
                }
            }
            for k in 0..<(2 * n) { y[k] += velocity[k] }
        }
        return (0..<n).map { (y[2 * $0], y[2 * $0 + 1]) }
    }
}
