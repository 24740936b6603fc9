/// This core's 16-wide FMA throughput: twelve independent chains of zmm fused multiply-adds on registers
/// only, enough to cover the FMA latency on every CPU we meet (4 cycles × 2 units = 8 needed). Only
/// `benchmark --kernels` calls it, after `KernelSet` found AVX-512.
public enum FMAPeakAVX512 {
    /// Runs `iterations` rounds of 12 FMAs on 16 lanes (384 flops per round) and returns a value that
    /// depends on every chain, so that the loop cannot be dropped.
    @inline(never)
    public static func run(iterations: Int, seed: Float) -> Float {
        let m = V16(repeating: 1e-7)
        let c = V16(repeating: seed)
        var a0 = V16(repeating: 1)
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
