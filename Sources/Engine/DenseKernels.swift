/// Eval-time kernels shared by the training layers (`Linear`, `LayerNorm`, `GlobalAvgPool`) and the folded
/// inference networks, so that both compute exactly the same float operations in the same order.
package enum DenseKernels {
    /// `y[N, out] = x[N, in] · Wᵀ (+ b)`, W row-major `[out, in]`.
    ///
    /// One sample uses OpenBLAS's sgemv (its sgemm with M = 1 is 4× slower at 4096 × 256): on one thread
    /// (the product is memory-bound and waking a second worker costs more than it saves), or, with a
    /// `team`, split by output rows over both cores so the weights are read at twice the bandwidth.
    /// Batches split the output features across workers, each a 1-thread GEMM, when the layer is big enough.
    package static func linear(
        _ x: UnsafePointer<Float>, rows n: Int, inFeatures fin: Int, outFeatures fout: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
        team: SpinTeam? = nil
    ) {
        let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
        let ys = SendablePointer(y)
        let ws = SendablePointer(UnsafeMutablePointer(mutating: weight))
        if n == 1, let team {
            team.run { part in
                let r = Blocked.share(fout, part: part, parts: 2)
                BLAS.gemv(
                    m: r.count, n: fin, a: ws.pointer + r.lowerBound * fin, lda: fin, x: xs.pointer,
                    y: ys.pointer + r.lowerBound)
            }
        } else if n == 1 {
            BLAS.gemv(m: fout, n: fin, a: weight, lda: fin, x: x, y: y)
        } else {
            Parallel.chunks(fout, minimumPerWorker: n * fin * fout >= 1 << 20 ? 16 : fout) { _, r in
                BLAS.gemm(
                    transB: true, m: n, n: r.count, k: fin, a: xs.pointer, lda: fin,
                    b: ws.pointer + r.lowerBound * fin, ldb: fin, c: ys.pointer + r.lowerBound, ldc: fout)
            }
        }
        if let bias {
            for i in 0..<n {
                let row = y + i * fout
                for j in 0..<fout { row[j] += bias[j] }
            }
        }
    }

    /// LayerNorm over the last dimension of `[N, F]` (PyTorch: biased variance, affine). When `mean` and
    /// `invStd` are given, each row's statistics are stored there (backward needs them).
    package static func layerNorm(
        _ x: UnsafePointer<Float>, rows n: Int, features f: Int, gamma g: UnsafePointer<Float>,
        beta b: UnsafePointer<Float>, eps: Float, into y: UnsafeMutablePointer<Float>,
        mean: UnsafeMutablePointer<Float>? = nil, invStd: UnsafeMutablePointer<Float>? = nil
    ) {
        for i in 0..<n {
            let xr = x + i * f
            let yr = y + i * f
            var s: Float = 0
            for j in 0..<f { s += xr[j] }
            let mu = s / Float(f)
            var v: Float = 0
            for j in 0..<f {
                let d = xr[j] - mu
                v += d * d
            }
            let istd = 1 / (v / Float(f) + eps).squareRoot()
            mean?[i] = mu
            invStd?[i] = istd
            for j in 0..<f { yr[j] = (xr[j] - mu) * istd * g[j] + b[j] }
        }
    }

    /// Global mean of each of `planes` contiguous planes of `pixels` values.
    package static func globalMean(
        _ x: UnsafePointer<Float>, planes: Int, pixels hw: Int, into y: UnsafeMutablePointer<Float>
    ) {
        let inv = 1 / Float(hw)
        for plane in 0..<planes {
            let p = x + plane * hw
            var s: Float = 0
            for j in 0..<hw { s += p[j] }
            y[plane] = s * inv
        }
    }
}
