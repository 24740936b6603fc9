import CBLAS

/// Row-major single-precision GEMM through OpenBLAS: `C = alpha * op(A) * op(B) + beta * C`.
package enum BLAS {
    /// OpenBLAS's worker threads busy-wait; we keep it at one thread and split work across our own workers.
    /// Called once by every entry point (idempotent).
    package static func configure(threads: Int = 1) {
        openblas_set_num_threads(Int32(threads))
    }

    package static var configuration: String {
        guard let c = openblas_get_config() else { return "OpenBLAS" }
        return String(cString: c)
    }

    /// `C[M×N] = alpha · op(A) · op(B) + beta · C`; A is M×K (K×M if transA), B is K×N (N×K if transB).
    @inline(__always)
    package static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y[M] = A[M×N] · x[N]` (row-major A).
    @inline(__always)
    package static func gemv(
        m: Int, n: Int, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(lda), x, 1, 0, y, 1)
    }
}
