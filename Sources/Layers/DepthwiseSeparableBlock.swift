import Engine
import Model

/// LCNet's block (timm `DepthwiseSeparableConv` with `dsa`: activation after the pointwise conv, no skip):
/// `conv_dw` k×k stride s → `bn1` + hard-swish → [`se`] → `conv_pw` 1×1 → `bn2` + hard-swish.
package final class DepthwiseSeparableBlock: Layer {
    package let convDW: DepthwiseConv2d
    package let bn1: BatchNormAct2d
    package let se: SqueezeExcite?
    package let convPW: Conv2d
    package let bn2: BatchNormAct2d

    package init(
        _ name: String, arena: ParameterArena, inChannels: Int, outChannels: Int, kernel: Int,
        stride: Int, squeezeExcite: Bool
    ) {
        convDW = DepthwiseConv2d(
            join(name, "conv_dw"), arena: arena, channels: inChannels, kernel: kernel, stride: stride)
        bn1 = BatchNormAct2d(join(name, "bn1"), arena: arena, channels: inChannels, activation: .hardSwish)
        se =
            squeezeExcite
            ? SqueezeExcite(
                join(name, "se"), arena: arena, channels: inChannels,
                reduced: LCNet050.squeezeChannels(inChannels)) : nil
        convPW = Conv2d(
            join(name, "conv_pw"), arena: arena, inChannels: inChannels, outChannels: outChannels, kernel: 1)
        bn2 = BatchNormAct2d(join(name, "bn2"), arena: arena, channels: outChannels, activation: .hardSwish)
    }

    private var layers: [any Layer] { [convDW, bn1] + (se.map { [$0] } ?? []) + [convPW, bn2] }

    package var parameters: [Parameter] { layers.flatMap(\.parameters) }
    package var buffers: [(name: String, tensor: Tensor)] { layers.flatMap(\.buffers) }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    package func backward(_ dy: Tensor) -> Tensor {
        layers.reversed().reduce(dy) { $1.backward($0) }
    }
}
