/// Row-wise L2 normalisation of `[N, D]` (the user-facing embedding).
package func l2Normalized(_ x: Tensor) -> Tensor {
    let n = x[0]
    let d = x.count / n
    let y = Tensor(shape: [n, d])
    for i in 0..<n {
        let src = x.data + i * d
        let inv = 1 / max(Vectorized.dot(src, src, d).squareRoot(), 1e-12)
        for j in 0..<d { y.data[i * d + j] = src[j] * inv }
    }
    return y
}
