import EngineAVX512

/// This core's fused multiply-add throughput at a kernel set's vector width: twelve independent FMA chains on
/// registers only (enough to hide the FMA latency on every CPU we meet: 4 cycles × 2 units = 8 chains), so the
/// result is the ceiling every kernel of that set is measured against (`benchmark --kernels`). The 16-wide
/// loop is `run8`'s twin in `EngineAVX512`, like every AVX-512 instruction: one generic loop cannot serve both,
/// since code compiled there does not run on AVX2-only CPUs and that module imports nothing of ours.
package enum FMAPeak {
    /// GFLOP/s (a multiply-add counts two) of one core with `set`'s vectors: the best of `samples` timings of
    /// `iterations` rounds of 12 FMAs.
    package static func gigaflops(_ set: KernelSet, iterations: Int = 2_000_000, samples: Int = 5) -> Double {
        var best = Double.infinity
        var sink: Float = 0
        for sample in 0..<samples {
            let t0 = System.now()
            switch set {
            case .avx2: sink += run8(iterations: iterations, seed: Float(sample))
            case .avx512: sink += FMAPeakAVX512.run(iterations: iterations, seed: Float(sample))
            }
            best = min(best, System.now() - t0)
        }
        let lanes = set == .avx512 ? 16.0 : 8.0
        // `sink` is finite by construction; reading it keeps the loops from being dropped.
        return sink.isNaN ? 0 : Double(iterations) * 12 * lanes * 2 / best / 1e9
    }

    @inline(never)
    static func run8(iterations: Int, seed: Float) -> Float {
        let m = V8(repeating: 1e-7)
        let c = V8(repeating: seed)
        var a0 = V8(repeating: 1)
        var a1 = a0 + 1
        var a2 = a0 + 2
        var a3 = a0 + 3
        var a4 = a0 + 4
        var a5 = a0 + 5
        var a6 = a0 + 6
        var a7 = a0 + 7
        var a8 = a0 + 8
        var a9 = a0 + 9
        var a10 = a0 + 10
        var a11 = a0 + 11
        for _ in 0..<iterations {
            a0 = a0.addingProduct(c, m)
            a1 = a1.addingProduct(c, m)
            a2 = a2.addingProduct(c, m)
            a3 = a3.addingProduct(c, m)
            a4 = a4.addingProduct(c, m)
            a5 = a5.addingProduct(c, m)
            a6 = a6.addingProduct(c, m)
            a7 = a7.addingProduct(c, m)
            a8 = a8.addingProduct(c, m)
            a9 = a9.addingProduct(c, m)
            a10 = a10.addingProduct(c, m)
            a11 = a11.addingProduct(c, m)
        }
        let sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
        return sum.sum()
    }
}
