import Engine

/// The classification head: its own 1×1 conv 256→C_h (no bias) → BatchNorm + hard-swish → global mean →
/// dropout → Linear → K logits (K = number of classes, or 1 for a binary sigmoid head).
package final class ClassificationHead: Layer {
    package let outputs: Int
    private let conv: Conv2d
    private let bn: BatchNormAct2d
    private let pool = GlobalAvgPool()
    package let dropout: Dropout
    private let fc: Linear

    package init(
        _ name: String, arena: ParameterArena, inChannels: Int = 256, hidden: Int = 256, outputs: Int,
        dropout: Float = 0.2, seed: UInt64 = 0
    ) {
        self.outputs = outputs
        conv = Conv2d(join(name, "conv"), arena: arena, inChannels: inChannels, outChannels: hidden, kernel: 1)
        bn = BatchNormAct2d(join(name, "bn"), arena: arena, channels: hidden, activation: .hardSwish)
        self.dropout = Dropout(p: dropout, seed: seed)
        fc = Linear(join(name, "fc"), arena: arena, inFeatures: hidden, outFeatures: outputs)
    }

    private var layers: [any Layer] { [conv, bn, pool, dropout, fc] }

    package var parameters: [Parameter] { layers.flatMap(\.parameters) }
    /// Every BatchNorm (for `train.sync_bn`).
    package var batchNorms: [BatchNormAct2d] { [bn] }
    package var buffers: [(name: String, tensor: Tensor)] { layers.flatMap(\.buffers) }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }
    package func backward(_ dy: Tensor) -> Tensor { layers.reversed().reduce(dy) { $1.backward($0) } }
}
