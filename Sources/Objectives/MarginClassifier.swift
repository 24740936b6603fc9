import Engine
import Foundation

/// The embedding head's training-time classifier: N identity centres (× k sub-centres) of dimension D, a
/// margin softmax over their cosines with the L2-normalised embeddings, and PartialFC sampling.
///
/// Its weights and AdamW moments live in their own buffers, not in the model's `ParameterArena`: N reaches
/// millions and only the sampled rows change in a step. **Lazy AdamW**: a row that was not sampled gets no
/// gradient, no weight decay and no moment update in that step; the bias correction uses the global step
/// (like `torch.optim.SparseAdam`). With `sampleRate = 1` every row is updated every step, which is exactly
/// AdamW on the full margin softmax.
///
/// A step is `beginStep(labels:)` (sample the classes, normalise their centres), one or more
/// `forwardBackward` calls (micro-batches accumulate), then `update(with:)`.
///
/// **Sharded** (model-parallel PartialFC, insightface's `partial_fc_v2`; `train.shard_margin` under `mpirun`):
/// rank r holds only the centres of its contiguous share of the classes (`shard`); see
/// `MarginClassifier+Shards.swift`.
package final class MarginClassifier {
    package let classes: Int
    package let dimension: Int
    package let settings: MarginSettings
    /// The classes whose centres this process holds: all of them, or its rank's share when sharded.
    package let shard: Range<Int>
    /// The ranks that share the classes (nil: this process holds every centre).
    package let shardGroup: Communicator?
    /// Centre rows held here: the shard's classes × k.
    package var rows: Int { shard.count * settings.subCenters }
    /// `[shard·k, D]` centres (class c's sub-centre t is row (c − shard.lowerBound)·k + t), and their AdamW
    /// moments.
    package let weight: AlignedStorage
    package let moment1: AlignedStorage
    package let moment2: AlignedStorage
    package var generator: SeededGenerator

    /// Class ids taking part in the current step, ascending.
    package private(set) var sampled: [Int] = []
    package internal(set) var slotOfClass: [Int32]
    var normalizedCentres = AlignedStorage(count: 0)
    var centreNorms: [Float] = []
    package internal(set) var centreGrads = AlignedStorage(count: 0)
    var cosines = AlignedStorage(count: 0)
    var logits = AlignedStorage(count: 0)
    var normalizedInput = AlignedStorage(count: 0)

    /// `shardOver`: hold only this rank's share of the classes (nil, or a group of one: all of them).
    package init(
        classes: Int, dimension: Int, settings: MarginSettings, seed: UInt64 = 0, shardOver group: Communicator? = nil
    ) {
        precondition(classes >= 1 && dimension >= 1 && settings.subCenters >= 1, "margin classifier needs N, D, k ≥ 1")
        precondition(settings.sampleRate > 0 && settings.sampleRate <= 1, "PartialFC sample rate must be in (0, 1]")
        self.classes = classes
        self.dimension = dimension
        self.settings = settings
        shardGroup = (group?.size ?? 1) > 1 ? group : nil
        shard = shardGroup?.share(of: classes) ?? 0..<classes
        let perClass = settings.subCenters * dimension
        let count = shard.count * perClass
        weight = AlignedStorage(count: count)
        moment1 = AlignedStorage(count: count)
        moment2 = AlignedStorage(count: count)
        generator = SeededGenerator(seed: seed ^ 0x4D41_5247_494E)
        // Each class's centres from a generator of its own: a shard holds the same values as one process.
        let std: Float = 0.01  // insightface: normal(0, 0.01)
        let w = SendablePointer(weight.pointer)
        let first = shard.lowerBound
        Parallel.chunks(shard.count, minimumPerWorker: 4096) { _, range in
            for local in range {
                var classGenerator = SeededGenerator(
                    seed: (seed &+ 77) ^ UInt64(first + local) &* 0x9E37_79B9_7F4A_7C15)
                let row = w.pointer + local * perClass
                for i in 0..<perClass { row[i] = classGenerator.normal() * std }
            }
        }
        slotOfClass = Array(repeating: -1, count: classes)
    }

    /// The first centre row of class `c` (which this process must hold).
    @inline(__always)
    func firstRow(ofClass c: Int) -> Int { (c - shard.lowerBound) * settings.subCenters }

    /// Chooses the classes of this step (every label in `labels`, −1 ignored, plus random negatives up to
    /// `sampleRate·N`), normalises their centres and clears the accumulated gradients.
    package func beginStep(labels: [Int]) {
        for c in sampled { slotOfClass[c] = -1 }
        if settings.sampleRate >= 1 {
            if sampled.count != shard.count { sampled = Array(shard) }
        } else {
            // Every rank draws the same classes (labels of the whole batch, the same generator) and keeps its own.
            var chosen = Set<Int>()
            for y in labels where y >= 0 { chosen.insert(y) }
            let target = max(
                chosen.count, min(classes, Int((Double(settings.sampleRate) * Double(classes)).rounded(.down))))
            while chosen.count < target { chosen.insert(Int(generator.next() % UInt64(classes))) }
            sampled = chosen.filter { shard.contains($0) }.sorted()
        }
        for (slot, c) in sampled.enumerated() { slotOfClass[c] = Int32(slot) }
        let k = settings.subCenters
        let d = dimension
        let n = sampled.count * k
        if normalizedCentres.count < n * d {
            normalizedCentres = AlignedStorage(count: n * d)
            centreGrads = AlignedStorage(count: n * d)
        }
        if centreNorms.count < n { centreNorms = Array(repeating: 0, count: n) }
        centreGrads.pointer.update(repeating: 0, count: n * d)
        gradientsFinished = false
        let w = SendablePointer(weight.pointer)
        let out = SendablePointer(normalizedCentres.pointer)
        let sampledRows = sampled
        let first = shard.lowerBound
        centreNorms.withUnsafeMutableBufferPointer { norms in
            let np = SendablePointer(norms.baseAddress!)
            Parallel.chunks(n, minimumPerWorker: 256) { _, range in
                for slotRow in range {
                    let row = (sampledRows[slotRow / k] - first) * k + slotRow % k
                    let src = w.pointer + row * d
                    let dst = out.pointer + slotRow * d
                    let norm = max(Vectorized.dot(src, src, d).squareRoot(), 1e-12)
                    np.pointer[slotRow] = norm
                    let inv = 1 / norm
                    for j in 0..<d { dst[j] = src[j] * inv }
                }
            }
        }
    }

    /// Margin-softmax cross-entropy of `embeddings` `[B, D]` (un-normalised) against `labels` (class ids,
    /// −1 = no identity label). Returns `lossWeight ×` the mean loss over labelled rows, writes
    /// d(loss)/d(embeddings) into `gradient` and adds the centres' gradient to the step's accumulator.
    /// `batchLabels`: the whole batch's labels when these rows are one rank's share (the mean is over them).
    package func forwardBackward(
        embeddings x: Tensor, labels: [Int], lossWeight: Float = 1, gradient dx: Tensor, batchLabels: [Int]? = nil
    ) -> Float {
        let b = x[0]
        let d = dimension
        let k = settings.subCenters
        let s = sampled.count
        let n = s * k
        precondition(x.count == b * d && labels.count == b, "margin: embeddings \(x.shape), \(labels.count) labels")
        if let shardGroup {
            return shardedForwardBackward(
                embeddings: x, lossWeight: lossWeight, gradient: dx, batchLabels: batchLabels ?? labels,
                group: shardGroup)
        }
        dx.fill(0)
        guard labels.contains(where: { $0 >= 0 }) else { return 0 }
        let valid = (batchLabels ?? labels).filter { $0 >= 0 }.count
        for y in labels where y >= 0 {
            precondition(y < classes && slotOfClass[y] >= 0, "label \(y) was not in beginStep's labels")
        }
        if cosines.count < b * n { cosines = AlignedStorage(count: b * n) }
        if logits.count < b * s { logits = AlignedStorage(count: b * s) }
        if normalizedInput.count < b * d { normalizedInput = AlignedStorage(count: b * d) }
        let xn = normalizedInput.pointer
        let cosP = cosines.pointer
        let lg = logits.pointer
        let xNorms = Self.normalizeRows(x.data, rows: b, dimension: d, into: xn)
        // cos[B, n] = x̂ · ŵᵀ, split over the centre rows.
        let wn = SendablePointer(normalizedCentres.pointer)
        let cs = SendablePointer(cosP)
        let xs = SendablePointer(xn)
        Parallel.chunks(n, minimumPerWorker: 512) { _, r in
            BLAS.gemm(
                transB: true, m: b, n: r.count, k: d, a: xs.pointer, lda: d, b: wn.pointer + r.lowerBound * d, ldb: d,
                c: cs.pointer + r.lowerBound, ldc: n)
        }
        // Per row: best sub-centre, clamp, margin on the target, scale, softmax, gradient w.r.t. cos.
        let scale = settings.scale
        let settings = self.settings
        let norm = lossWeight / Float(valid)
        var total = 0.0
        var best = [Int](repeating: 0, count: s)
        var raw = [Float](repeating: 0, count: s)
        for i in 0..<b {
            let y = labels[i]
            let crow = cosP + i * n
            let lrow = lg + i * s
            guard y >= 0 else {
                crow.update(repeating: 0, count: n)
                continue
            }
            let slotY = Int(slotOfClass[y])
            for j in 0..<s {
                var c = crow[j * k]
                var arg = 0
                for t in 1..<k where crow[j * k + t] > c {
                    c = crow[j * k + t]
                    arg = t
                }
                best[j] = arg
                raw[j] = c
                lrow[j] = min(max(c, -1), 1)
            }
            let (tv, dt) = settings.target(lrow[slotY])
            lrow[slotY] = tv
            var mx = -Float.infinity
            for j in 0..<s {
                lrow[j] *= scale
                mx = max(mx, lrow[j])
            }
            var z: Float = 0
            for j in 0..<s {
                let e = expf(lrow[j] - mx)
                lrow[j] = e
                z += e
            }
            total += Double(logf(z) + mx - tv * scale)
            // dL/dcos = s·(p − onehot), the margin's chain rule on the target, 0 where the clamp was active,
            // routed to the winning sub-centre.
            let invZ = 1 / z
            for j in 0..<s { lrow[j] = scale * norm * lrow[j] * invZ }
            lrow[slotY] = (lrow[slotY] - scale * norm) * dt
            crow.update(repeating: 0, count: n)
            for j in 0..<s where abs(raw[j]) <= 1 { crow[j * k + best[j]] = lrow[j] }
        }
        // dx̂ = dcos · ŵ ; dŵ += dcosᵀ · x̂
        let dxn = Tensor(shape: [b, d])
        BLAS.gemm(m: b, n: d, k: n, a: cosP, lda: n, b: normalizedCentres.pointer, ldb: d, c: dxn.data, ldc: d)
        let gw = SendablePointer(centreGrads.pointer)
        Parallel.chunks(n, minimumPerWorker: 512) { _, r in
            BLAS.gemm(
                transA: true, m: r.count, n: d, k: b, a: cs.pointer + r.lowerBound, lda: n, b: xs.pointer, ldb: d,
                beta: 1, c: gw.pointer + r.lowerBound * d, ldc: d)
        }
        // Through the L2 normalisation: dx = (dx̂ − x̂(x̂·dx̂)) / ‖x‖.
        for i in 0..<b {
            let xr = xn + i * d
            let gr = dxn.data + i * d
            let out = dx.data + i * d
            let proj = Vectorized.dot(xr, gr, d)
            for j in 0..<d { out[j] = (gr[j] - xr[j] * proj) / xNorms[i] }
        }
        return Float(total) * norm
    }

    private var gradientsFinished = false

    /// Writes each of `rows` rows of `x` divided by its L2 norm into `out`; returns the norms (at least 1e-12).
    static func normalizeRows(
        _ x: UnsafePointer<Float>, rows: Int, dimension d: Int, into out: UnsafeMutablePointer<Float>
    ) -> [Float] {
        var norms = [Float](repeating: 1, count: rows)
        for i in 0..<rows {
            let src = x + i * d
            let norm = max(Vectorized.dot(src, src, d).squareRoot(), 1e-12)
            norms[i] = norm
            for j in 0..<d { out[i * d + j] = src[j] / norm }
        }
        return norms
    }

    /// Sums the step's accumulated centre gradients over `group`'s ranks (data-parallel training: every rank
    /// holds every centre and samples the same classes). Call before `update(with:)`.
    package func reduceGradients(over group: Communicator) {
        // A sharded margin saw every rank's rows already: its centres' gradients are complete.
        guard group.size > 1, shardGroup == nil else { return }
        precondition(!gradientsFinished, "reduce the centre gradients before finishing them")
        group.allReduceSum(centreGrads.pointer, count: sampled.count * settings.subCenters * dimension)
    }

    /// The scaled, margin-adjusted logits `[B, sampled classes]` of the current step (forward only; rows
    /// without a label get plain scaled cosines).
    package func logits(embeddings x: Tensor, labels: [Int]) -> Tensor {
        precondition(shardGroup == nil, "logits(embeddings:labels:) needs every centre in this process")
        let b = x[0]
        let d = dimension
        let k = settings.subCenters
        let s = sampled.count
        let out = Tensor(shape: [b, s])
        for i in 0..<b {
            let src = x.data + i * d
            let inv = 1 / max(Vectorized.dot(src, src, d).squareRoot(), 1e-12)
            for j in 0..<s {
                var c = -Float.infinity
                for t in 0..<k { c = max(c, Vectorized.dot(src, normalizedCentres.pointer + (j * k + t) * d, d) * inv) }
                c = min(max(c, -1), 1)
                if labels[i] >= 0 && Int(slotOfClass[labels[i]]) == j { c = settings.target(c).value }
                out.data[i * s + j] = settings.scale * c
            }
        }
        return out
    }

    /// Turns the accumulated d(loss)/d(normalised centre) into d(loss)/d(centre):
    /// dw = (dŵ − ŵ(ŵ·dŵ)) / ‖w‖, in place. Idempotent within a step.
    package func finishGradients() {
        guard !gradientsFinished else { return }
        gradientsFinished = true
        let d = dimension
        let n = sampled.count * settings.subCenters
        let gn = SendablePointer(centreGrads.pointer)
        let wn = SendablePointer(normalizedCentres.pointer)
        centreNorms.withUnsafeBufferPointer { norms in
            let np = SendablePointer(UnsafeMutablePointer(mutating: norms.baseAddress!))
            Parallel.chunks(n, minimumPerWorker: 256) { _, range in
                for slotRow in range {
                    let g = gn.pointer + slotRow * d
                    let u = wn.pointer + slotRow * d
                    let proj = Vectorized.dot(u, g, d)
                    let inv = 1 / np.pointer[slotRow]
                    for j in 0..<d { g[j] = (g[j] - u[j] * proj) * inv }
                }
            }
        }
    }

    /// Lazy AdamW on the sampled rows with `optimizer`'s hyper-parameters and its current step (call after
    /// `optimizer.update(arena)` has counted this step).
    package func update(with optimizer: AdamW) {
        finishGradients()
        let k = settings.subCenters
        let d = dimension
        let n = sampled.count * k
        let w = SendablePointer(weight.pointer)
        let m1 = SendablePointer(moment1.pointer)
        let m2 = SendablePointer(moment2.pointer)
        let gn = SendablePointer(centreGrads.pointer)
        let sampledRows = sampled
        let first = shard.lowerBound
        Parallel.chunks(n, minimumPerWorker: 256) { _, range in
            for slotRow in range {
                let row = (sampledRows[slotRow / k] - first) * k + slotRow % k
                optimizer.apply(
                    values: w.pointer + row * d, grads: gn.pointer + slotRow * d, moment1: m1.pointer + row * d,
                    moment2: m2.pointer + row * d, count: d, decay: true)
            }
        }
    }
}
