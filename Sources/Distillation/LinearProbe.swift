import Engine
import Foundation

/// Multinomial logistic regression on fixed features (a "linear probe"): features standardised with the
/// fitting rows' mean and standard deviation, then `softmax(W·x + b)` fitted by full-batch Adam on the mean
/// cross-entropy plus `l2/2 · ‖W‖²`. Small enough (classes × features) that a few hundred full-batch steps
/// of two GEMMs each take seconds.
package struct LinearProbe: Sendable {
    package let classes: Int
    package let dimension: Int
    /// `[classes, dimension]`, on standardised features.
    package private(set) var weight: [Float]
    package private(set) var bias: [Float]
    private var mean: [Float]
    private var invStd: [Float]

    /// Fits on the rows `fit` of `features` (`dimension` floats per row) with their `labels` (0..<classes).
    package init(
        features: UnsafePointer<Float>, dimension: Int, fit rows: [Int], labels: [Int], classes: Int, l2: Float,
        steps: Int, learningRate: Float = 0.05
    ) {
        precondition(rows.count == labels.count && !rows.isEmpty && classes >= 2)
        self.classes = classes
        self.dimension = dimension
        let n = rows.count
        let d = dimension
        var mean = [Float](repeating: 0, count: d)
        var variance = [Float](repeating: 0, count: d)
        for r in rows { for j in 0..<d { mean[j] += features[r * d + j] } }
        for j in 0..<d { mean[j] /= Float(n) }
        for r in rows {
            for j in 0..<d {
                let v = features[r * d + j] - mean[j]
                variance[j] += v * v
            }
        }
        self.mean = mean
        invStd = variance.map { 1 / max(($0 / Float(n)).squareRoot(), 1e-6) }
        weight = [Float](repeating: 0, count: classes * d)
        bias = [Float](repeating: 0, count: classes)
        let x = standardised(features, rows: rows)
        var mW = [Float](repeating: 0, count: classes * d)
        var vW = mW
        var mB = [Float](repeating: 0, count: classes)
        var vB = mB
        var gW = mW
        var gB = mB
        var logits = [Float](repeating: 0, count: n * classes)
        for step in 1...steps {
            forward(x, rows: n, into: &logits)
            // dL/dlogits = (softmax − onehot) / n, in place.
            for i in 0..<n {
                Self.softmax(&logits, row: i, classes: classes)
                logits[i * classes + labels[i]] -= 1
            }
            let inv = 1 / Float(n)
            for i in 0..<logits.count { logits[i] *= inv }
            logits.withUnsafeBufferPointer { g in
                x.withUnsafeBufferPointer { xb in
                    gW.withUnsafeMutableBufferPointer { gw in
                        BLAS.gemm(
                            transA: true, m: classes, n: d, k: n, a: g.baseAddress!, lda: classes,
                            b: xb.baseAddress!, ldb: d, c: gw.baseAddress!, ldc: d)
                    }
                }
            }
            for c in 0..<classes {
                gB[c] = 0
                for i in 0..<n { gB[c] += logits[i * classes + c] }
            }
            for i in 0..<gW.count { gW[i] += l2 * weight[i] }
            Self.adam(&weight, gW, &mW, &vW, step: step, rate: learningRate)
            Self.adam(&bias, gB, &mB, &vB, step: step, rate: learningRate)
        }
    }

    /// Class logits of `rows` of `features`, `classes` per row.
    package func logits(_ features: UnsafePointer<Float>, rows: [Int]) -> [Float] {
        let x = standardised(features, rows: rows)
        var out = [Float](repeating: 0, count: rows.count * classes)
        forward(x, rows: rows.count, into: &out)
        return out
    }

    private func standardised(_ features: UnsafePointer<Float>, rows: [Int]) -> [Float] {
        let d = dimension
        var x = [Float](repeating: 0, count: rows.count * d)
        for (i, r) in rows.enumerated() {
            for j in 0..<d { x[i * d + j] = (features[r * d + j] - mean[j]) * invStd[j] }
        }
        return x
    }

    /// `out[n, classes] = x · Wᵀ + b`.
    private func forward(_ x: [Float], rows n: Int, into out: inout [Float]) {
        for i in 0..<n { for c in 0..<classes { out[i * classes + c] = bias[c] } }
        x.withUnsafeBufferPointer { xb in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.gemm(
                        transB: true, m: n, n: classes, k: dimension, a: xb.baseAddress!, lda: dimension,
                        b: w.baseAddress!, ldb: dimension, beta: 1, c: o.baseAddress!, ldc: classes)
                }
            }
        }
    }

    private static func softmax(_ v: inout [Float], row: Int, classes: Int) {
        let o = row * classes
        var mx = -Float.infinity
        for c in 0..<classes { mx = max(mx, v[o + c]) }
        var sum: Float = 0
        for c in 0..<classes {
            v[o + c] = expf(v[o + c] - mx)
            sum += v[o + c]
        }
        for c in 0..<classes { v[o + c] /= sum }
    }

    private static func adam(
        _ p: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float], step: Int, rate: Float
    ) {
        let b1: Float = 0.9
        let b2: Float = 0.999
        let c1 = 1 - powf(b1, Float(step))
        let c2 = 1 - powf(b2, Float(step))
        for i in 0..<p.count {
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            p[i] -= rate * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
        }
    }
}
