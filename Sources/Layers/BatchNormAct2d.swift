import Engine

/// BatchNorm2d followed by an activation, one pass each way (timm's `BatchNormAct2d`; the activation may be
/// `.identity`). PyTorch semantics: training normalises with the batch mean and *biased* variance and
/// updates `running_var` with the *unbiased* one, momentum 0.1, eps 1e-5; eval uses the running stats.
/// On `[N, F]` inputs it is BatchNorm1d. The pre-activation is recomputed in backward instead of stored.
package final class BatchNormAct2d: Layer {
    package let channels: Int
    package let activation: Activation
    package let eps: Float
    package let momentum: Float
    package let weight: Parameter
    package let bias: Parameter
    package let runningMean: Tensor
    package let runningVar: Tensor
    package let numBatchesTracked: Tensor
    let name: String

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var trainedForward = false
    /// Per channel: the mean and 1/sqrt(var + eps) used by the last forward.
    let mean: Tensor
    let invStd: Tensor
    /// Synchronised BatchNorm (`train.sync_bn`): batch statistics over every rank's rows, each rank's input
    /// gradient through them; nil (the default) normalises each rank's rows on their own.
    package var synchronization: Communicator?
    /// Values per channel behind the last training forward's statistics (all ranks' when synchronised).
    var statisticsCount = 0.0

    package init(
        _ name: String, arena: ParameterArena, channels: Int, activation: Activation = .identity,
        eps: Float = 1e-5, momentum: Float = 0.1
    ) {
        self.name = name
        self.channels = channels
        self.activation = activation
        self.eps = eps
        self.momentum = momentum
        weight = arena.declare(join(name, "weight"), shape: [channels], initializer: .ones, decay: false)
        bias = arena.declare(join(name, "bias"), shape: [channels], initializer: .zeros, decay: false)
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels])
        runningVar.fill(1)
        numBatchesTracked = Tensor(shape: [])
        mean = Tensor(shape: [channels])
        invStd = Tensor(shape: [channels])
    }

    /// Channels per work item of the statistics and backward passes: enough that one image's planes of the
    /// group form a contiguous run of at least 1,024 values (small planes read one at a time, 64 images apart,
    /// defeat the prefetcher), few enough that the group's planes of the whole batch stay in cache between the
    /// two backward passes.
    static func channelGroup(channels: Int, planeSize: Int) -> Int {
        max(1, min(channels, 1024 / max(planeSize, 1)))
    }

    package var parameters: [Parameter] { [weight, bias] }
    package var buffers: [(name: String, tensor: Tensor)] {
        [
            (join(name, "running_mean"), runningMean), (join(name, "running_var"), runningVar),
            (join(name, "num_batches_tracked"), numBatchesTracked),
        ]
    }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank >= 2 && x[1] == channels, "\(name): input \(x.shape), expected [N, \(channels), …]")
        input = x
        trainedForward = training
        let n = x[0]
        let c = channels
        let hw = x.count / (n * c)
        let y = Tensor.reuse(output, shape: x.shape)
        output = y
        if training, let synchronization {
            synchronizedStatistics(x, n: n, hw: hw, synchronization)
        } else if training {
            precondition(n * hw > 1, "\(name): batch statistics need more than one value per channel (got \(x.shape))")
            let m = Double(n * hw)
            statisticsCount = m
            let xs = SendablePointer(x.data)
            let mp = SendablePointer(mean.data)
            let ip = SendablePointer(invStd.data)
            let rm = SendablePointer(runningMean.data)
            let rv = SendablePointer(runningVar.data)
            let (e, mom) = (Double(eps), momentum)
            // Channel groups walked image by image (see `channelGroup`); each channel still sums its planes in
            // image order, so the statistics keep their bits.
            let group = Self.channelGroup(channels: c, planeSize: hw)
            Parallel.forEach((c + group - 1) / group) { index in
                let members = (index * group)..<min(c, (index + 1) * group)
                var s1 = [Double](repeating: 0, count: members.count)
                var s2 = [Double](repeating: 0, count: members.count)
                for i in 0..<n {
                    for ch in members {
                        let shift = xs.pointer[ch * hw]
                        let (a, b) = Vectorized.shiftedMoments(xs.pointer + (i * c + ch) * hw, hw, shift: shift)
                        s1[ch - members.lowerBound] += Double(a)
                        s2[ch - members.lowerBound] += Double(b)
                    }
                }
                for ch in members {
                    let shift = xs.pointer[ch * hw]
                    let d = s1[ch - members.lowerBound] / m
                    let variance = max(s2[ch - members.lowerBound] / m - d * d, 0)
                    let mu = Double(shift) + d
                    mp.pointer[ch] = Float(mu)
                    ip.pointer[ch] = Float(1 / (variance + e).squareRoot())
                    rm.pointer[ch] = (1 - mom) * rm.pointer[ch] + mom * Float(mu)
                    rv.pointer[ch] = (1 - mom) * rv.pointer[ch] + mom * Float(variance * m / (m - 1))
                }
            }
            numBatchesTracked.data[0] += 1
        } else {
            for ch in 0..<c {
                mean.data[ch] = runningMean.data[ch]
                invStd.data[ch] = 1 / (runningVar.data[ch] + eps).squareRoot()
            }
        }
        switch activation {
        case .identity: applyAffine(IdentityKernel.self, x, y, n: n, hw: hw)
        case .relu: applyAffine(ReLUKernel.self, x, y, n: n, hw: hw)
        case .hardSwish: applyAffine(HardSwishKernel.self, x, y, n: n, hw: hw)
        case .hardSigmoid: applyAffine(HardSigmoidKernel.self, x, y, n: n, hw: hw)
        }
        return y
    }

    private func applyAffine<A: ActivationKernel>(_ kind: A.Type, _ x: Tensor, _ y: Tensor, n: Int, hw: Int) {
        let c = channels
        let xs = SendablePointer(x.data)
        let ys = SendablePointer(y.data)
        let g = SendablePointer(weight.valuePointer)
        let b = SendablePointer(bias.valuePointer)
        let mp = SendablePointer(mean.data)
        let ip = SendablePointer(invStd.data)
        Parallel.chunks(n * c, minimumPerWorker: max(1, 4096 / max(hw, 1))) { _, planes in
            for plane in planes {
                let ch = plane % c
                let scale = g.pointer[ch] * ip.pointer[ch]
                let shift = b.pointer[ch] - mp.pointer[ch] * scale
                BatchNormKernels.affine(
                    A.self, xs.pointer + plane * hw, ys.pointer + plane * hw, hw, scale: scale, shift: shift)
            }
        }
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward before forward") }
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        switch activation {
        case .identity: backward(IdentityKernel.self, x, dy, dx)
        case .relu: backward(ReLUKernel.self, x, dy, dx)
        case .hardSwish: backward(HardSwishKernel.self, x, dy, dx)
        case .hardSigmoid: backward(HardSigmoidKernel.self, x, dy, dx)
        }
        return dx
    }

    /// Per channel: dz = dy·f'(z) with S1 = Σdz, B = Σdz·x̂; dγ += B, dβ += S1;
    /// training: dx = γ·istd/M · (M·dz − S1 − x̂·B), written as c1·dz + c2·x + c3; eval: dx = γ·istd·dz.
    /// Two passes over x and dy: the sums, then dx with dz recomputed (cheaper than storing dz and reading it
    /// back: the early layers' planes do not stay in cache between the passes).
    private func backward<A: ActivationKernel>(_ kind: A.Type, _ x: Tensor, _ dy: Tensor, _ dx: Tensor) {
        let n = x[0]
        let c = channels
        let hw = x.count / (n * c)
        let m = Float(n * hw)
        let xs = SendablePointer(x.data)
        let gs = SendablePointer(dy.data)
        let ds = SendablePointer(dx.data)
        let gw = SendablePointer(weight.gradPointer)
        let gb = SendablePointer(bias.gradPointer)
        let g = SendablePointer(weight.valuePointer)
        let b = SendablePointer(bias.valuePointer)
        let mp = SendablePointer(mean.data)
        let ip = SendablePointer(invStd.data)
        let training = trainedForward
        if training, let synchronization {
            synchronizedBackward(A.self, x, dy, dx, synchronization)
            return
        }
        // Channel groups walked image by image (see `channelGroup`), each channel's sums still in image order.
        let group = Self.channelGroup(channels: c, planeSize: hw)
        Parallel.forEach((c + group - 1) / group) { index in
            let members = (index * group)..<min(c, (index + 1) * group)
            var s1 = [Double](repeating: 0, count: members.count)
            var sx = [Double](repeating: 0, count: members.count)
            for i in 0..<n {
                for ch in members {
                    let off = (i * c + ch) * hw
                    let scale = g.pointer[ch] * ip.pointer[ch]
                    let shift = b.pointer[ch] - mp.pointer[ch] * scale
                    let (a, bb) = BatchNormKernels.activationSums(
                        A.self, xs.pointer + off, gs.pointer + off, hw, scale: scale, shift: shift)
                    s1[ch - members.lowerBound] += Double(a)
                    sx[ch - members.lowerBound] += Double(bb)
                }
            }
            var coefficients = [(Float, Float, Float)](repeating: (0, 0, 0), count: members.count)
            for ch in members {
                let k = ch - members.lowerBound
                let mu = mp.pointer[ch]
                let istd = ip.pointer[ch]
                let scale = g.pointer[ch] * istd
                let sumDz = Float(s1[k])
                let dotXhat = Float(Double(istd) * (sx[k] - Double(mu) * s1[k]))
                gw.pointer[ch] += dotXhat
                gb.pointer[ch] += sumDz
                if training {
                    let q = scale / m
                    coefficients[k] = (scale, -q * istd * dotXhat, q * (mu * istd * dotXhat - sumDz))
                } else {
                    coefficients[k] = (scale, 0, 0)
                }
            }
            for i in 0..<n {
                for ch in members {
                    let off = (i * c + ch) * hw
                    let scale = g.pointer[ch] * ip.pointer[ch]
                    let shift = b.pointer[ch] - mp.pointer[ch] * scale
                    let (c1, c2, c3) = coefficients[ch - members.lowerBound]
                    BatchNormKernels.recomputedInputGradient(
                        A.self, xs.pointer + off, gs.pointer + off, ds.pointer + off, hw, scale: scale, shift: shift,
                        c1: c1, c2: c2, c3: c3)
                }
            }
        }
    }
}
