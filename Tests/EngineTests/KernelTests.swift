import Engine
import XCTest

final class KernelTests: XCTestCase {
    func testGemmTransposes() {
        BLAS.configure()
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2×3
        let b: [Float] = [1, 0, 0, 1, 1, 1]  // 3×2
        var c = [Float](repeating: 0, count: 4)
        BLAS.gemm(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [4, 5, 10, 11])
        // Aᵀ(3×2) · Bᵀ(2×3) with beta = 1 accumulating into a 3×3 of ones.
        var d = [Float](repeating: 1, count: 9)
        BLAS.gemm(transA: true, transB: true, m: 3, n: 3, k: 2, a: a, lda: 3, b: b, ldb: 2, beta: 1, c: &d, ldc: 3)
        XCTAssertEqual(d, [2, 5, 6, 3, 6, 8, 4, 7, 10])
    }

    func testIm2ColRoundTripCountsTaps() {
        // col2im(im2col(1)) counts how many output taps read each pixel.
        let h = 5
        let w = 4
        let k = 3
        let x = Tensor(shape: [1, h, w])
        x.fill(1)
        let ho = Im2Col.outputSize(h, kernel: k, stride: 2, padding: 1)
        let wo = Im2Col.outputSize(w, kernel: k, stride: 2, padding: 1)
        XCTAssertEqual([ho, wo], [3, 2])
        let col = Tensor(shape: [k * k, ho * wo])
        Im2Col.im2col(x.data, channels: 1, height: h, width: w, kernel: k, stride: 2, padding: 1, col: col.data)
        // Top-left output reads the padded corner: 4 of its 9 taps are real pixels.
        XCTAssertEqual((0..<9).map { col.data[$0 * ho * wo] }.reduce(0, +), 4)
        let back = Tensor(shape: [1, h, w])
        Im2Col.col2im(col.data, channels: 1, height: h, width: w, kernel: k, stride: 2, padding: 1, dx: back.data)
        XCTAssertEqual(back.buffer.reduce(0, +), col.buffer.reduce(0, +))
        XCTAssertEqual(back.data[0], 1)  // pixel (0,0) is read only by output (0,0)
        XCTAssertEqual(back.data[1 * w + 1], 4)  // pixel (1,1) is read by outputs (0,0),(0,1),(1,0),(1,1)
    }

    func testTensorReuseKeepsStorage() {
        let t = Tensor(shape: [2, 3])
        XCTAssertEqual(Tensor.reuse(t, shape: [2, 3]).data, t.data)
        XCTAssertNotEqual(Tensor.reuse(t, shape: [3, 3]).data, t.data)
        XCTAssertEqual(Int(bitPattern: t.data) % 64, 0)
        XCTAssertEqual(t.reshaped([6]).data, t.data)
    }

    func testParallelChunksCoverEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1001)
        hits.withUnsafeMutableBufferPointer { buf in
            let p = SendablePointer(buf.baseAddress!)
            Parallel.forEach(1001) { i in p.pointer[i] += 1 }
        }
        XCTAssertEqual(Set(hits), [1])
    }
}

final class SmallGemmTests: XCTestCase {
    func testMatchesBLASOnOddShapes() {
        BLAS.configure()
        var rng = SeededGenerator(seed: 1)
        for (m, n, k) in [(16, 4096, 8), (13, 37, 5), (1, 16, 3), (7, 8, 128), (256, 16, 256), (5, 3, 2)] {
            let a = Tensor(shape: [m, k])
            let b = Tensor(shape: [k, n])
            rng.fill(a)
            rng.fill(b)
            let c1 = Tensor(shape: [m, n])
            let c2 = Tensor(shape: [m, n])
            SmallGemm.multiply(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, c: c1.data)
            BLAS.gemm(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: c2.data, ldc: n)
            var worst: Float = 0
            for i in 0..<(m * n) { worst = max(worst, abs(c1.data[i] - c2.data[i])) }
            XCTAssertLessThan(worst, 1e-3, "\(m)×\(n)×\(k)")
        }
    }
}

final class AtomicFileTests: XCTestCase {
    /// A writer killed mid-write leaves `.NAME.tmp-PID-…`; the next write of NAME removes it (its process is
    /// gone), and never touches a live process's temporary file.
    func testAbandonedTemporariesAreRemoved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("model.safetensors")
        let abandoned = dir.appendingPathComponent(".model.safetensors.tmp-999999999-1")
        let live = dir.appendingPathComponent(".model.safetensors.tmp-1-2")
        try Data([1, 2]).write(to: abandoned)
        try Data([3]).write(to: live)
        try AtomicFile.write(Data([7, 7, 7]), to: target)
        XCTAssertEqual(try Data(contentsOf: target), Data([7, 7, 7]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: abandoned.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "process 1 is alive")
    }
}
