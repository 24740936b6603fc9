import Engine
import Model

/// The embedding neck for inference, read from a model file's `neck.*` tensors: the same operations as
/// the training layers' eval-mode forward (`EmbeddingNeck`) through the same kernels (`DenseKernels`) but for the
/// Linear layers (`RowInvariantLinear`: the same result for a sample in any batch), with
/// BatchNorm as a per-channel affine map. Its output is not yet L2-normalised (see `l2Normalized`).
package final class FoldedEmbeddingNeck {
    private enum Stage {
        case flatten
        case globalMean
        /// 1×1 convolution (`neck.squeeze`): weight `[out, in]`, optional bias.
        case squeeze(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int)
        /// Linear without bias, its weights packed once.
        case linear(RowInvariantLinear)
        case layerNorm(gamma: [Float], beta: [Float])
        case affine(scale: [Float], shift: [Float])
    }

    private let stages: [Stage]
    package let dimension: Int
    /// LayerNorm's epsilon in the training layers (PyTorch's default).
    package static let layerNormEpsilon: Float = 1e-5

    /// Reads the neck described by `spec` from `weights` (tensors under `prefix`).
    package init(weights: TensorSource, spec: ModelSpec, prefix: String = "neck") throws {
        let d = spec.embeddingSize
        let channels = spec.architecture.featureChannels
        let spatial = spec.featureSide * spec.featureSide
        var stages: [Stage] = []
        var flatIn: Int
        switch spec.neck {
        case .flatten:
            stages.append(.flatten)
            flatIn = channels * spatial
        case .squeeze:
            let (shape, w) = try weights.floats(prefix + ".squeeze.weight")
            let out = shape.first ?? 0
            guard w.count == out * channels else {
                throw ModelFileError.badTensor(
                    file: weights.sourceName, tensor: prefix + ".squeeze.weight",
                    reason: "has shape \(shape), expected [out, \(channels), 1, 1]")
            }
            let bias =
                weights.contains(prefix + ".squeeze.bias")
                ? try weights.floats(prefix + ".squeeze.bias", count: out) : nil
            stages.append(.squeeze(weight: w, bias: bias, inChannels: channels, outChannels: out))
            stages.append(.flatten)
            flatIn = out * spatial
        case .gap:
            stages.append(.globalMean)
            flatIn = channels
        }
        for i in 1...2 {
            let w = try weights.floats(prefix + ".fc\(i).weight", count: d * flatIn)
            let linear = w.withUnsafeBufferPointer {
                RowInvariantLinear(weight: $0.baseAddress!, inFeatures: flatIn, outFeatures: d)
            }
            stages.append(.linear(linear))
            flatIn = d
            if spec.neckNorm == .ln || spec.neckNorm == .lnbn {
                stages.append(
                    .layerNorm(
                        gamma: try weights.floats(prefix + ".norm\(i).weight", count: d),
                        beta: try weights.floats(prefix + ".norm\(i).bias", count: d)))
            }
            if spec.neckNorm == .bn || spec.neckNorm == .lnbn {
                let (scale, shift) = try FoldedLCNet.foldedBatchNorm(weights, prefix + ".bn\(i)", channels: d)
                stages.append(.affine(scale: scale, shift: shift))
            }
        }
        self.stages = stages
        dimension = d
    }

    /// `[N, C, H, W]` features → `[N, D]` embeddings; with `team`, the Linear layers split a single sample's
    /// outputs, or a batch's rows, over both of its cores.
    package func callAsFunction(_ features: Tensor, team: SpinTeam? = nil) -> Tensor {
        let n = features[0]
        var x = features
        for stage in stages {
            switch stage {
            case .flatten:
                x = x.reshaped([n, x.count / n])
            case .globalMean:
                let y = Tensor(shape: [n, x[1]])
                DenseKernels.globalMean(x.data, planes: n * x[1], pixels: x.count / (n * x[1]), into: y.data)
                x = y
            case .squeeze(let w, let bias, let cin, let cout):
                let hw = x.count / (n * cin)
                let y = Tensor(shape: [n, cout, x[2], x[3]])
                for i in 0..<n {
                    w.withUnsafeBufferPointer { wp in
                        BLAS.gemm(
                            m: cout, n: hw, k: cin, a: wp.baseAddress!, lda: cin, b: x.data + i * cin * hw, ldb: hw,
                            c: y.data + i * cout * hw, ldc: hw)
                    }
                    if let bias {
                        for o in 0..<cout {
                            let plane = y.data + (i * cout + o) * hw
                            for j in 0..<hw { plane[j] += bias[o] }
                        }
                    }
                }
                x = y
            case .linear(let linear):
                let y = Tensor(shape: [n, linear.outFeatures])
                // Not `DenseKernels.linear` (BLAS): a sample's embedding must not depend on the batch it ran in.
                linear.apply(x.data, rows: n, into: y.data, team: team)
                x = y
            case .layerNorm(let gamma, let beta):
                let f = x.count / n
                let y = Tensor(shape: [n, f])
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { b in
                        DenseKernels.layerNorm(
                            x.data, rows: n, features: f, gamma: g.baseAddress!, beta: b.baseAddress!,
                            eps: Self.layerNormEpsilon, into: y.data)
                    }
                }
                x = y
            case .affine(let scale, let shift):
                let f = x.count / n
                let y = Tensor(shape: [n, f])
                for i in 0..<n {
                    for j in 0..<f { y.data[i * f + j] = x.data[i * f + j] * scale[j] + shift[j] }
                }
                x = y
            }
        }
        return x
    }
}
