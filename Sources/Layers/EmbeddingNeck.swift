import Engine
import Model

/// The embedding neck: backbone features → D-dimensional embedding (not yet L2-normalised; the margin
/// classifier normalises in training and `l2Normalized` does it for users).
package final class EmbeddingNeck: Layer {
    package let kind: NeckKind
    package let norm: NeckNorm
    package let dimension: Int
    private let layers: [any Layer]

    package init(
        _ name: String, arena: ParameterArena, kind: NeckKind, norm: NeckNorm, dimension: Int,
        inChannels: Int = 256, spatial: Int = 16
    ) {
        self.kind = kind
        self.norm = norm
        self.dimension = dimension
        var layers: [any Layer] = []
        let flatIn: Int
        switch kind {
        case .flatten:
            layers.append(Flatten())
            flatIn = inChannels * spatial
        case .squeeze:
            layers.append(
                Conv2d(join(name, "squeeze"), arena: arena, inChannels: inChannels, outChannels: 64, kernel: 1))
            layers.append(Flatten())
            flatIn = 64 * spatial
        case .gap:
            layers.append(GlobalAvgPool())
            flatIn = inChannels
        }
        func norms(_ index: Int) -> [any Layer] {
            switch norm {
            case .ln: return [LayerNorm(join(name, "norm\(index)"), arena: arena, features: dimension)]
            case .bn: return [BatchNormAct2d(join(name, "bn\(index)"), arena: arena, channels: dimension)]
            case .lnbn:
                return [
                    LayerNorm(join(name, "norm\(index)"), arena: arena, features: dimension),
                    BatchNormAct2d(join(name, "bn\(index)"), arena: arena, channels: dimension),
                ]
            case .none: return []
            }
        }
        layers.append(Linear(join(name, "fc1"), arena: arena, inFeatures: flatIn, outFeatures: dimension, bias: false))
        layers += norms(1)
        layers.append(
            Linear(join(name, "fc2"), arena: arena, inFeatures: dimension, outFeatures: dimension, bias: false))
        layers += norms(2)
        self.layers = layers
    }

    package var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// Every BatchNorm, in execution order (for `train.sync_bn`).
    package var batchNorms: [BatchNormAct2d] { layers.compactMap { $0 as? BatchNormAct2d } }
    package var buffers: [(name: String, tensor: Tensor)] { layers.flatMap(\.buffers) }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    /// Eval-mode forward whose Linear layers split a single sample over both cores of `team`.
    package func forward(_ x: Tensor, team: SpinTeam?) -> Tensor {
        layers.reduce(x) { h, layer in
            if let linear = layer as? Linear { return linear.forward(h, training: false, team: team) }
            return layer.forward(h, training: false)
        }
    }
    package func backward(_ dy: Tensor) -> Tensor { layers.reversed().reduce(dy) { $1.backward($0) } }
}
