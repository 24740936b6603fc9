import Engine
import Foundation

/// Model-parallel PartialFC (insightface's `partial_fc_v2`): rank r holds the centres of its share of the
/// classes. A step gathers every rank's embeddings (the whole batch), each rank computes the cosines of every
/// row against its sampled centres, the margin softmax is joined by an all-reduced maximum and sum of
/// exponentials per row, each rank updates only its own centres, and the embedding gradient (a sum over
/// every rank's centres) is all-reduced and each rank keeps its own rows'.
extension MarginClassifier {
    /// `x` are this rank's rows of the whole batch, `batchLabels` the whole batch's identities. Returns this
    /// rank's share of the loss (the rows whose target class it holds), so that the ranks' returns add up.
    func shardedForwardBackward(
        embeddings x: Tensor, lossWeight: Float, gradient dx: Tensor, batchLabels: [Int], group: Communicator
    ) -> Float {
        let b = x[0]
        let d = dimension
        let k = settings.subCenters
        let s = sampled.count
        let n = s * k
        // The whole batch: every rank's rows, in rank order.
        var counts = [Double](repeating: 0, count: group.size)
        var mine = Double(b)
        counts.withUnsafeMutableBufferPointer { group.allGather(&mine, count: 1, into: $0.baseAddress!) }
        let rowsBefore = counts.prefix(group.rank).reduce(0, +)
        let offset = Int(rowsBefore)
        let total = Int(counts.reduce(0, +))
        precondition(batchLabels.count == total, "margin: \(batchLabels.count) labels for a batch of \(total) rows")
        var own = [UInt8](repeating: 0, count: b * d * 4)
        own.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: x.data, count: b * d * 4)) }
        let whole = Tensor(shape: [total, d])
        var at = 0
        for part in group.allGather(own) {
            guard !part.isEmpty else { continue }
            part.withUnsafeBytes {
                UnsafeMutableRawPointer(whole.data + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
            }
            at += part.count / 4
        }
        dx.fill(0)
        let valid = batchLabels.filter { $0 >= 0 }.count
        guard valid > 0 else { return 0 }
        // Normalised rows and their norms.
        if normalizedInput.count < total * d { normalizedInput = AlignedStorage(count: total * d) }
        let xn = normalizedInput.pointer
        let norms = Self.normalizeRows(whole.data, rows: total, dimension: d, into: xn)
        if cosines.count < max(total * n, 1) { cosines = AlignedStorage(count: max(total * n, 1)) }
        if logits.count < max(total * s, 1) { logits = AlignedStorage(count: max(total * s, 1)) }
        let cosP = cosines.pointer
        let lg = logits.pointer
        if n > 0 {
            BLAS.gemm(
                transB: true, m: total, n: n, k: d, a: xn, lda: d, b: normalizedCentres.pointer, ldb: d, c: cosP, ldc: n
            )
        }
        // Per row: best sub-centre, clamp, the margin on the target (where this rank holds it), scale, local max.
        let scale = settings.scale
        var rowMax = [Double](repeating: -Double.infinity, count: total)
        var targetSlot = [Int](repeating: -1, count: total)
        var derivative = [Float](repeating: 0, count: total)
        var targetLogit = [Float](repeating: 0, count: total)
        for i in 0..<total where batchLabels[i] >= 0 {
            let crow = cosP + i * n
            let lrow = lg + i * s
            for j in 0..<s { lrow[j] = min(max(Self.winner(crow + j * k, k).cosine, -1), 1) }
            let y = batchLabels[i]
            if shard.contains(y) {
                let slot = Int(slotOfClass[y])
                let (value, dt) = settings.target(lrow[slot])
                lrow[slot] = value
                targetSlot[i] = slot
                derivative[i] = dt
                targetLogit[i] = value * scale
            }
            var mx = -Float.infinity
            for j in 0..<s {
                lrow[j] *= scale
                mx = max(mx, lrow[j])
            }
            rowMax[i] = Double(mx)
        }
        rowMax.withUnsafeMutableBufferPointer { group.allReduceMax($0.baseAddress!, count: total) }
        var sums = [Double](repeating: 0, count: total)
        for i in 0..<total where batchLabels[i] >= 0 {
            let lrow = lg + i * s
            let mx = Float(rowMax[i])
            var z: Float = 0
            for j in 0..<s {
                let e = expf(lrow[j] - mx)
                lrow[j] = e
                z += e
            }
            sums[i] = Double(z)
        }
        sums.withUnsafeMutableBufferPointer { group.allReduceSum($0.baseAddress!, count: total) }
        // Loss of the rows whose target is here; dL/dcos = s·(p − onehot) through the margin, 0 where clamped,
        // routed to the winning sub-centre.
        let norm = lossWeight / Float(valid)
        var loss = 0.0
        for i in 0..<total {
            let crow = cosP + i * n
            let lrow = lg + i * s
            guard batchLabels[i] >= 0 else {
                crow.update(repeating: 0, count: n)
                continue
            }
            let z = Float(sums[i])
            let mx = Float(rowMax[i])
            if targetSlot[i] >= 0 { loss += Double(logf(z) + mx - targetLogit[i]) }
            let invZ = 1 / z
            for j in 0..<s { lrow[j] = scale * norm * lrow[j] * invZ }
            if targetSlot[i] >= 0 {
                let slot = targetSlot[i]
                lrow[slot] = (lrow[slot] - scale * norm) * derivative[i]
            }
            // The cosines are still intact: each class's block becomes its gradient, in place.
            for j in 0..<s {
                let block = crow + j * k
                let (cosine, winner) = Self.winner(block, k)
                block.update(repeating: 0, count: k)
                if abs(cosine) <= 1 { block[winner] = lrow[j] }
            }
        }
        // dx̂ over every row (a sum over the ranks' centres), dŵ over this rank's centres.
        let dxn = Tensor(shape: [total, d])
        dxn.fill(0)
        if n > 0 {
            BLAS.gemm(m: total, n: d, k: n, a: cosP, lda: n, b: normalizedCentres.pointer, ldb: d, c: dxn.data, ldc: d)
            BLAS.gemm(
                transA: true, m: n, n: d, k: total, a: cosP, lda: n, b: xn, ldb: d, beta: 1, c: centreGrads.pointer,
                ldc: d)
        }
        group.allReduceSum(dxn.data, count: total * d)
        // This rank's rows through the L2 normalisation: dx = (dx̂ − x̂(x̂·dx̂)) / ‖x‖.
        for i in 0..<b {
            let row = offset + i
            let xr = xn + row * d
            let gr = dxn.data + row * d
            let out = dx.data + i * d
            let proj = Vectorized.dot(xr, gr, d)
            for j in 0..<d { out[j] = (gr[j] - xr[j] * proj) / norms[row] }
        }
        return Float(loss) * norm
    }

    /// The largest of a class's k sub-centre cosines and which sub-centre it is (the first on ties).
    @inline(__always)
    static func winner(_ block: UnsafeMutablePointer<Float>, _ k: Int) -> (cosine: Float, index: Int) {
        var c = block[0]
        var arg = 0
        for t in 1..<k where block[t] > c {
            c = block[t]
            arg = t
        }
        return (c, arg)
    }
}
