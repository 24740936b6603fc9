import Engine

/// BatchNorm2d followed by an activation, one pass each way (timm's `BatchNormAct2d`; the activation may be
/// `.identity`). PyTorch semantics: training normalises with the batch mean and *biased* variance and
/// updates `running_var` with the *unbiased* one, momentum 0.1, eps 1e-5; eval uses the running stats.
/// The pre-activation is recomputed in backward instead of stored.
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
    private let name: String

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var trainedForward = false
    /// Per channel: the mean and 1/sqrt(var + eps) used by the last forward.
    private var mean: [Float]
    private var invStd: [Float]

    package init(_ name: String, arena: ParameterArena, channels: Int, activation: Activation = .identity,
                 eps: Float = 1e-5, momentum: Float = 0.1) {
        self.name = name; self.channels = channels; self.activation = activation; self.eps = eps; self.momentum = momentum
        weight = arena.declare(join(name, "weight"), shape: [channels], initializer: .ones, decay: false)
        bias = arena.declare(join(name, "bias"), shape: [channels], initializer: .zeros, decay: false)
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels])
        runningVar.fill(1)
        numBatchesTracked = Tensor(shape: [])
        mean = Array(repeating: 0, count: channels)
        invStd = Array(repeating: 1, count: channels)
    }

    package var parameters: [Parameter] { [weight, bias] }
    package var buffers: [(name: String, tensor: Tensor)] {
        [(join(name, "running_mean"), runningMean), (join(name, "running_var"), runningVar),
         (join(name, "num_batches_tracked"), numBatchesTracked)]
    }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank >= 2 && x[1] == channels, "\(name): input \(x.shape), expected [N, \(channels), …]")
        input = x
        trainedForward = training
        let n = x[0], c = channels, hw = x.count / (n * c)
        let y = Tensor.reuse(output, shape: x.shape)
        output = y
        if training {
            precondition(n * hw > 1, "\(name): batch statistics need more than one value per channel (got \(x.shape))")
            let m = Double(n * hw)
            let xs = SendablePointer(x.data)
            let rm = SendablePointer(runningMean.data), rv = SendablePointer(runningVar.data)
            let (e, mom) = (eps, momentum)
            mean.withUnsafeMutableBufferPointer { mb in
                invStd.withUnsafeMutableBufferPointer { ib in
                    let mp = SendablePointer(mb.baseAddress!), ip = SendablePointer(ib.baseAddress!)
                    Parallel.forEach(c) { ch in
                        var sum = 0.0
                        for i in 0..<n {
                            let p = xs.pointer + (i * c + ch) * hw
                            var s: Float = 0
                            for j in 0..<hw { s += p[j] }
                            sum += Double(s)
                        }
                        let mu = sum / m
                        let muF = Float(mu)
                        var sq = 0.0
                        for i in 0..<n {
                            let p = xs.pointer + (i * c + ch) * hw
                            var s: Float = 0
                            for j in 0..<hw { let d = p[j] - muF; s += d * d }
                            sq += Double(s)
                        }
                        let variance = sq / m
                        mp.pointer[ch] = muF
                        ip.pointer[ch] = Float(1 / (variance + Double(e)).squareRoot())
                        rm.pointer[ch] = (1 - mom) * rm.pointer[ch] + mom * muF
                        rv.pointer[ch] = (1 - mom) * rv.pointer[ch] + mom * Float(variance * m / (m - 1))
                    }
                }
            }
            numBatchesTracked.data[0] += 1
        } else {
            for ch in 0..<c {
                mean[ch] = runningMean.data[ch]
                invStd[ch] = 1 / (runningVar.data[ch] + eps).squareRoot()
            }
        }
        applyAffine(x, y, n: n, hw: hw)
        return y
    }

    private func applyAffine(_ x: Tensor, _ y: Tensor, n: Int, hw: Int) {
        let c = channels, act = activation
        let xs = SendablePointer(x.data), ys = SendablePointer(y.data)
        let g = weight.valuePointer, b = bias.valuePointer
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            scale[ch] = g[ch] * invStd[ch]
            shift[ch] = b[ch] - mean[ch] * scale[ch]
        }
        scale.withUnsafeBufferPointer { sc in
            shift.withUnsafeBufferPointer { sh in
                let scp = SendablePointer(UnsafeMutablePointer(mutating: sc.baseAddress!))
                let shp = SendablePointer(UnsafeMutablePointer(mutating: sh.baseAddress!))
                Parallel.forEach(n * c, minimumPerWorker: 4) { plane in
                    let ch = plane % c
                    let a = scp.pointer[ch], bb = shp.pointer[ch]
                    let src = xs.pointer + plane * hw, dst = ys.pointer + plane * hw
                    switch act {
                    case .identity: for j in 0..<hw { dst[j] = src[j] * a + bb }
                    case .relu: for j in 0..<hw { dst[j] = max(src[j] * a + bb, 0) }
                    case .hardSwish:
                        for j in 0..<hw { let z = src[j] * a + bb; dst[j] = z * min(max(z + 3, 0), 6) * (1 / 6) }
                    case .hardSigmoid: for j in 0..<hw { dst[j] = min(max(src[j] * a + bb + 3, 0), 6) * (1 / 6) }
                    }
                }
            }
        }
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { fatalError("\(name): backward before forward") }
        let n = x[0], c = channels, hw = x.count / (n * c)
        let dx = Tensor.reuse(gradInput, shape: x.shape)
        gradInput = dx
        let m = Float(n * hw)
        let xs = SendablePointer(x.data), gs = SendablePointer(dy.data), ds = SendablePointer(dx.data)
        let gw = SendablePointer(weight.gradPointer), gb = SendablePointer(bias.gradPointer)
        let g = SendablePointer(weight.valuePointer), b = SendablePointer(bias.valuePointer)
        let act = activation, training = trainedForward
        mean.withUnsafeBufferPointer { mb in
            invStd.withUnsafeBufferPointer { ib in
                let mp = SendablePointer(UnsafeMutablePointer(mutating: mb.baseAddress!))
                let ip = SendablePointer(UnsafeMutablePointer(mutating: ib.baseAddress!))
                Parallel.forEach(c) { ch in
                    let mu = mp.pointer[ch], istd = ip.pointer[ch], gamma = g.pointer[ch], beta = b.pointer[ch]
                    let scale = gamma * istd, shift = beta - mu * scale
                    // Pass 1: dz = dy·f'(z); Σdz and Σdz·x̂. dz is parked in dx.
                    var sumDz = 0.0, sumDzXhat = 0.0
                    for i in 0..<n {
                        let off = (i * c + ch) * hw
                        let xp = xs.pointer + off, gp = gs.pointer + off, dp = ds.pointer + off
                        var s1: Float = 0, s2: Float = 0
                        for j in 0..<hw {
                            let xv = xp[j]
                            let dz = gp[j] * act.derivative(xv * scale + shift)
                            dp[j] = dz
                            s1 += dz
                            s2 += dz * (xv - mu) * istd
                        }
                        sumDz += Double(s1); sumDzXhat += Double(s2)
                    }
                    gw.pointer[ch] += Float(sumDzXhat)
                    gb.pointer[ch] += Float(sumDz)
                    // Pass 2: dx.
                    if training {
                        let k = scale / m, a = Float(sumDz), bb = Float(sumDzXhat)
                        for i in 0..<n {
                            let off = (i * c + ch) * hw
                            let xp = xs.pointer + off, dp = ds.pointer + off
                            for j in 0..<hw { dp[j] = k * (m * dp[j] - a - (xp[j] - mu) * istd * bb) }
                        }
                    } else {
                        for i in 0..<n {
                            let dp = ds.pointer + (i * c + ch) * hw
                            for j in 0..<hw { dp[j] *= scale }
                        }
                    }
                }
            }
        }
        return dx
    }
}
