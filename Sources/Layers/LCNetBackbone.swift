import Engine
import Model

/// PP-LCNet x0.5 (`lcnet_050`) feature extractor with timm's module names, so a timm `state_dict` loads
/// unchanged: `conv_stem` 3×3 s2 → `bn1` + hard-swish → 13 depthwise-separable blocks. At 128×128 input
/// the output is `[N, 256, 4, 4]`. timm's `conv_head`/`classifier` are not part of it.
package final class LCNetBackbone: Layer {
    package static let stemChannels = LCNet050.stemChannels
    package static let outChannels = LCNet050.outChannels

    package let convStem: Conv2d
    package let bn1: BatchNormAct2d
    package let blocks: [DepthwiseSeparableBlock]

    package init(arena: ParameterArena, prefix: String = "") {
        convStem = Conv2d(
            join(prefix, "conv_stem"), arena: arena, inChannels: 3, outChannels: Self.stemChannels,
            kernel: LCNet050.stemKernel, stride: 2)
        bn1 = BatchNormAct2d(join(prefix, "bn1"), arena: arena, channels: Self.stemChannels, activation: .hardSwish)
        blocks = LCNet050.namedBlocks.map { named in
            DepthwiseSeparableBlock(
                join(prefix, named.name), arena: arena, inChannels: named.inChannels,
                outChannels: named.block.out, kernel: named.block.kernel, stride: named.block.stride,
                squeezeExcite: named.block.squeezeExcite)
        }
    }

    private var layers: [any Layer] { [convStem, bn1] + blocks }

    /// Every BatchNorm, in execution order (for `train.sync_bn`).
    package var batchNorms: [BatchNormAct2d] { [bn1] + blocks.flatMap { [$0.bn1, $0.bn2] } }

    /// The leaf layers in execution order with short names, for per-layer profiling.
    package var leafLayers: [(name: String, layer: any Layer)] {
        var out: [(String, any Layer)] = [("conv_stem", convStem), ("bn1", bn1)]
        for (i, b) in blocks.enumerated() {
            out += [("b\(i).dw", b.convDW), ("b\(i).bn1", b.bn1)]
            if let se = b.se { out.append(("b\(i).se", se)) }
            out += [("b\(i).pw", b.convPW), ("b\(i).bn2", b.bn2)]
        }
        return out
    }

    package var parameters: [Parameter] { layers.flatMap(\.parameters) }
    package var buffers: [(name: String, tensor: Tensor)] { layers.flatMap(\.buffers) }

    /// Whether backward also returns the gradient of the input image (Grad-CAM and parity tests need it;
    /// training does not).
    package var computesInputGradient: Bool {
        get { convStem.computesInputGradient }
        set { convStem.computesInputGradient = newValue }
    }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x[1] == 3, "LCNet050 expects [N, 3, H, W] images, got \(x.shape)")
        return layers.reduce(x) { $1.forward($0, training: training) }
    }

    package func backward(_ dy: Tensor) -> Tensor {
        layers.reversed().reduce(dy) { $1.backward($0) }
    }
}
