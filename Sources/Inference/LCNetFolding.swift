import Engine
import Model

/// Reading a folded LCNet050 from named tensors (timm names, `LCNet050`'s table): every BatchNorm in eval
/// mode becomes a per-channel affine map, scale γ/√(σ²+ε) and shift β − μ·scale, multiplied into the
/// convolution before it.
extension FoldedLCNet {
    /// BatchNorm's epsilon in the training layers (PyTorch's default), used when folding.
    package static let batchNormEpsilon: Float = 1e-5

    /// The backbone (and, with `classifierPrefix`, the classification head) from `weights`; `pointwiseKernels`
    /// as in `init(ops:classifier:pointwiseKernels:)`.
    package convenience init(
        weights: TensorSource, classifierPrefix: String? = nil, pointwiseKernels: KernelSet? = nil
    ) throws {
        var ops: [Op] = [
            .conv(
                try Self.foldedConv(
                    weights, conv: "conv_stem", batchNorm: "bn1", inChannels: 3, outChannels: LCNet050.stemChannels,
                    kernel: LCNet050.stemKernel, stride: 2))
        ]
        for (name, inChannels, block) in LCNet050.namedBlocks {
            ops.append(.depthwise(try Self.foldedDepthwise(weights, prefix: name, channels: inChannels, spec: block)))
            if block.squeezeExcite {
                ops.append(.se(try Self.squeezeExcite(weights, prefix: name + ".se", channels: inChannels)))
            }
            ops.append(
                .conv(
                    try Self.foldedConv(
                        weights, conv: name + ".conv_pw", batchNorm: name + ".bn2", inChannels: inChannels,
                        outChannels: block.out, kernel: 1, stride: 1)))
        }
        let classifier = try classifierPrefix.map { try Self.foldedClassifier(weights, prefix: $0) }
        self.init(ops: ops, classifier: classifier, pointwiseKernels: pointwiseKernels)
    }

    /// BatchNorm in eval mode as a per-channel affine map: scale γ/√(σ²+ε), shift β − μ·scale.
    package static func foldedBatchNorm(
        _ weights: TensorSource, _ prefix: String, channels: Int
    ) throws -> (scale: [Float], shift: [Float]) {
        let gamma = try weights.floats(prefix + ".weight", count: channels)
        let beta = try weights.floats(prefix + ".bias", count: channels)
        let mean = try weights.floats(prefix + ".running_mean", count: channels)
        let variance = try weights.floats(prefix + ".running_var", count: channels)
        var scale = [Float]()
        var shift = [Float]()
        for c in 0..<channels {
            let s = gamma[c] / (variance[c] + batchNormEpsilon).squareRoot()
            scale.append(s)
            shift.append(beta[c] - mean[c] * s)
        }
        return (scale, shift)
    }

    /// A bias-free convolution with the BatchNorm after it folded in.
    package static func foldedConv(
        _ weights: TensorSource, conv: String, batchNorm: String, inChannels: Int, outChannels: Int, kernel: Int,
        stride: Int
    ) throws -> Conv {
        let (scale, shift) = try foldedBatchNorm(weights, batchNorm, channels: outChannels)
        let per = inChannels * kernel * kernel
        var w = try weights.floats(conv + ".weight", count: outChannels * per)
        for o in 0..<outChannels {
            for j in 0..<per { w[o * per + j] *= scale[o] }
        }
        return Conv(
            weight: w, bias: shift, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride)
    }

    private static func foldedDepthwise(
        _ weights: TensorSource, prefix block: String, channels: Int, spec: LCNet050.Block
    ) throws -> Depthwise {
        let (scale, shift) = try foldedBatchNorm(weights, block + ".bn1", channels: channels)
        let kk = spec.kernel * spec.kernel
        var w = try weights.floats(block + ".conv_dw.weight", count: channels * kk)
        for c in 0..<channels {
            for j in 0..<kk { w[c * kk + j] *= scale[c] }
        }
        return Depthwise(weight: w, bias: shift, channels: channels, kernel: spec.kernel, stride: spec.stride)
    }

    private static func squeezeExcite(_ weights: TensorSource, prefix: String, channels: Int) throws -> SE {
        let reduced = LCNet050.squeezeChannels(channels)
        return SE(
            reduceWeight: try weights.floats(prefix + ".conv_reduce.weight", count: reduced * channels),
            reduceBias: try weights.floats(prefix + ".conv_reduce.bias", count: reduced),
            expandWeight: try weights.floats(prefix + ".conv_expand.weight", count: channels * reduced),
            expandBias: try weights.floats(prefix + ".conv_expand.bias", count: channels),
            channels: channels, reduced: reduced)
    }

    /// The classification head (`<prefix>.conv` 1×1 → `.bn` + hard-swish → mean → `.fc`), its sizes read
    /// from the tensors' shapes.
    package static func foldedClassifier(_ weights: TensorSource, prefix: String) throws -> FoldedClassifier {
        let (convShape, _) = try weights.floats(prefix + ".conv.weight")
        let (fcShape, fcWeight) = try weights.floats(prefix + ".fc.weight")
        guard convShape.count == 4, convShape[1] == LCNet050.outChannels, convShape[2] == 1, convShape[3] == 1,
            fcShape.count == 2, fcShape[1] == convShape[0]
        else {
            throw ModelFileError.badTensor(
                file: weights.sourceName, tensor: prefix + ".conv.weight",
                reason:
                    "has shape \(convShape) (fc \(fcShape)); expected a 1×1 conv from \(LCNet050.outChannels) channels")
        }
        let conv = try foldedConv(
            weights, conv: prefix + ".conv", batchNorm: prefix + ".bn", inChannels: convShape[1],
            outChannels: convShape[0], kernel: 1, stride: 1)
        let bias =
            weights.contains(prefix + ".fc.bias")
            ? try weights.floats(prefix + ".fc.bias", count: fcShape[0]) : [Float](repeating: 0, count: fcShape[0])
        return FoldedClassifier(conv: conv, fcWeight: fcWeight, fcBias: bias)
    }
}
