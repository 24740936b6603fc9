/// Compile-time row counts for the register-blocked GEMM.
package protocol GemmRows { static var r: Int { get } }
package enum Rows6: GemmRows { package static var r: Int { 6 } }
package enum Rows4: GemmRows { package static var r: Int { 4 } }
package enum Rows2: GemmRows { package static var r: Int { 2 } }
package enum Rows1: GemmRows { package static var r: Int { 1 } }

/// `C[M×N] = A[M×K] · B[K×N]` (row-major, `ldb = ldc = N`) for the 1×1 convolutions' small shapes, where
/// OpenBLAS's packing costs more than it saves: 6 rows × 16 columns of C stay in registers while K streams
/// through, each B vector feeding 6 FMAs.
package enum SmallGemm {
    @inline(__always)
    static func block<R: GemmRows>(
        _: R.Type, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, n: Int, k: Int,
        _ c: UnsafeMutablePointer<Float>, row: Int
    ) {
        typealias V = SIMD8<Float>
        withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * 6) { acc in
            var j = 0
            while j + 16 <= n {
                for t in 0..<(2 * R.r) { acc[t] = V() }
                for kk in 0..<k {
                    let b0 = DepthwiseKernels.load(b + kk * n + j, V.self)
                    let b1 = DepthwiseKernels.load(b + kk * n + j + 8, V.self)
                    for r in 0..<R.r {
                        let w = V(repeating: a[(row + r) * lda + kk])
                        acc[2 * r] = acc[2 * r].addingProduct(b0, w)
                        acc[2 * r + 1] = acc[2 * r + 1].addingProduct(b1, w)
                    }
                }
                for r in 0..<R.r {
                    DepthwiseKernels.store(acc[2 * r], c + (row + r) * n + j)
                    DepthwiseKernels.store(acc[2 * r + 1], c + (row + r) * n + j + 8)
                }
                j += 16
            }
            while j + 8 <= n {
                for t in 0..<R.r { acc[t] = V() }
                for kk in 0..<k {
                    let b0 = DepthwiseKernels.load(b + kk * n + j, V.self)
                    for r in 0..<R.r { acc[r] = acc[r].addingProduct(b0, V(repeating: a[(row + r) * lda + kk])) }
                }
                for r in 0..<R.r { DepthwiseKernels.store(acc[r], c + (row + r) * n + j) }
                j += 8
            }
            while j < n {
                for r in 0..<R.r {
                    var s: Float = 0
                    for kk in 0..<k { s += a[(row + r) * lda + kk] * b[kk * n + j] }
                    c[(row + r) * n + j] = s
                }
                j += 1
            }
        }
    }

    package static func multiply(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>
    ) {
        var row = 0
        while row + 6 <= m {
            block(Rows6.self, a, lda: lda, b, n: n, k: k, c, row: row)
            row += 6
        }
        while row + 4 <= m {
            block(Rows4.self, a, lda: lda, b, n: n, k: k, c, row: row)
            row += 4
        }
        while row + 2 <= m {
            block(Rows2.self, a, lda: lda, b, n: n, k: k, c, row: row)
            row += 2
        }
        while row < m {
            block(Rows1.self, a, lda: lda, b, n: n, k: k, c, row: row)
            row += 1
        }
    }
}
