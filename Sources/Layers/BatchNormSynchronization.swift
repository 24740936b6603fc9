import Engine

/// Synchronised BatchNorm (PyTorch's `SyncBatchNorm`): the statistics of a training forward cover every
/// rank's rows, and the input gradient flows through them; γ and β get each rank's own share, which the
/// trainer's gradient all-reduce sums.
///
/// Forward: every rank gathers each rank's (count, mean, M2) per channel and combines them in rank order
/// (Chan et al.'s pairwise update), so all ranks hold the same bits. Backward: Σdz and Σdz·x̂ per channel
/// are all-reduced before the input gradient is formed.
extension BatchNormAct2d {
    func synchronizedStatistics(_ x: Tensor, n: Int, hw: Int, _ group: Communicator) {
        let c = channels
        var local = [Double](repeating: 0, count: 3 * c)
        let xs = SendablePointer(x.data)
        local.withUnsafeMutableBufferPointer { buffer in
            let lp = SendablePointer(buffer.baseAddress!)
            Parallel.forEach(c) { ch in
                let count = Double(n * hw)
                guard count > 0 else { return }
                let shift = xs.pointer[ch * hw]
                var s1 = 0.0
                var s2 = 0.0
                for i in 0..<n {
                    let (a, b) = Vectorized.shiftedMoments(xs.pointer + (i * c + ch) * hw, hw, shift: shift)
                    s1 += Double(a)
                    s2 += Double(b)
                }
                let d = s1 / count
                lp.pointer[3 * ch] = count
                lp.pointer[3 * ch + 1] = Double(shift) + d
                lp.pointer[3 * ch + 2] = max(s2 - s1 * d, 0)
            }
        }
        var all = [Double](repeating: 0, count: 3 * c * group.size)
        local.withUnsafeBufferPointer { values in
            all.withUnsafeMutableBufferPointer {
                group.allGather(values.baseAddress!, count: 3 * c, into: $0.baseAddress!)
            }
        }
        var total = 0.0
        for ch in 0..<c {
            var count = 0.0
            var mu = 0.0
            var m2 = 0.0
            for rank in 0..<group.size {
                let base = rank * 3 * c + 3 * ch
                let (countB, meanB, m2B) = (all[base], all[base + 1], all[base + 2])
                guard countB > 0 else { continue }
                let combined = count + countB
                let delta = meanB - mu
                mu += delta * countB / combined
                m2 += m2B + delta * delta * count * countB / combined
                count = combined
            }
            precondition(count > 1, "\(name): batch statistics need more than one value per channel")
            let variance = max(m2 / count, 0)
            mean.data[ch] = Float(mu)
            invStd.data[ch] = Float(1 / (variance + Double(eps)).squareRoot())
            runningMean.data[ch] = (1 - momentum) * runningMean.data[ch] + momentum * Float(mu)
            runningVar.data[ch] =
                (1 - momentum) * runningVar.data[ch] + momentum * Float(variance * count / (count - 1))
            total = count
        }
        statisticsCount = total
        numBatchesTracked.data[0] += 1
    }

    func synchronizedBackward<A: ActivationKernel>(
        _ kind: A.Type, _ x: Tensor, _ dy: Tensor, _ dx: Tensor, _ group: Communicator
    ) {
        let n = x[0]
        let c = channels
        let hw = x.count / (n * c)
        let m = Float(statisticsCount)
        let xs = SendablePointer(x.data)
        let gs = SendablePointer(dy.data)
        let ds = SendablePointer(dx.data)
        let g = SendablePointer(weight.valuePointer)
        let b = SendablePointer(bias.valuePointer)
        let mp = SendablePointer(mean.data)
        let ip = SendablePointer(invStd.data)
        // Σdz and Σdz·x per channel over this rank's rows (dz is recomputed in the second pass, not stored).
        var sums = [Double](repeating: 0, count: 2 * c)
        sums.withUnsafeMutableBufferPointer { buffer in
            let sp = SendablePointer(buffer.baseAddress!)
            Parallel.forEach(c) { ch in
                let scale = g.pointer[ch] * ip.pointer[ch]
                let shift = b.pointer[ch] - mp.pointer[ch] * scale
                var s1 = 0.0
                var sx = 0.0
                for i in 0..<n {
                    let off = (i * c + ch) * hw
                    let (a, bb) = BatchNormKernels.activationSums(
                        A.self, xs.pointer + off, gs.pointer + off, hw, scale: scale, shift: shift)
                    s1 += Double(a)
                    sx += Double(bb)
                }
                sp.pointer[2 * ch] = s1
                sp.pointer[2 * ch + 1] = sx
            }
        }
        // This rank's share of dγ and dβ (the trainer's all-reduce adds the others').
        for ch in 0..<c {
            let mu = Double(mean.data[ch])
            let istd = Double(invStd.data[ch])
            weight.gradPointer[ch] += Float(istd * (sums[2 * ch + 1] - mu * sums[2 * ch]))
            bias.gradPointer[ch] += Float(sums[2 * ch])
        }
        sums.withUnsafeMutableBufferPointer { group.allReduceSum($0.baseAddress!, count: 2 * c) }
        let global = sums
        Parallel.forEach(c) { ch in
            let mu = mp.pointer[ch]
            let istd = ip.pointer[ch]
            let scale = g.pointer[ch] * istd
            let shift = b.pointer[ch] - mu * scale
            let sumDz = Float(global[2 * ch])
            let dotXhat = Float(Double(istd) * (global[2 * ch + 1] - Double(mu) * global[2 * ch]))
            let k = scale / m
            let c2 = -k * istd * dotXhat
            let c3 = k * (mu * istd * dotXhat - sumDz)
            for i in 0..<n {
                let off = (i * c + ch) * hw
                BatchNormKernels.recomputedInputGradient(
                    A.self, xs.pointer + off, gs.pointer + off, ds.pointer + off, hw, scale: scale, shift: shift,
                    c1: scale, c2: c2, c3: c3)
            }
        }
    }
}
