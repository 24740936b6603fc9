import Engine

// Comparisons shared by the test targets (tolerance checks against reference fixtures).

package func maxAbs(_ t: Tensor) -> Float { t.buffer.reduce(0) { max($0, abs($1)) } }

package func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.count == b.count, "shapes \(a.shape) vs \(b.shape)")
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a.data[i] - b.data[i])) }
    return m
}

/// ‖a − b‖ / max(‖b‖, tiny): the norm-wise relative error.
package func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.count == b.count, "shapes \(a.shape) vs \(b.shape)")
    var num = 0.0
    var den = 0.0
    for i in 0..<a.count {
        let d = Double(a.data[i] - b.data[i])
        num += d * d
        den += Double(b.data[i]) * Double(b.data[i])
    }
    return Float((num / max(den, 1e-30)).squareRoot())
}

extension Tensor {
    /// The values as an array (for equality assertions).
    package var array: [Float] { Array(buffer) }
}
