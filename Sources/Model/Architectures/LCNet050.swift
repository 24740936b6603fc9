/// PP-LCNet x0.5 (timm's `lcnet_050`) as data: the stem and the 13 depthwise-separable blocks. The
/// training layers (`LCNetBackbone`) and the folded inference network (`FoldedLCNet`) are both built from
/// this table, with timm's tensor names (`conv_stem`, `bn1`, `blocks.<stage>.<index>.conv_dw` …).
public enum LCNet050 {
    /// One depthwise-separable block: depthwise k×k (stride) → optional squeeze-excite → pointwise to `out`.
    public struct Block: Sendable, Equatable {
        public let kernel: Int
        public let stride: Int
        public let out: Int
        public let squeezeExcite: Bool
    }

    /// The blocks of each stage, in order.
    public static let stages: [[Block]] = [
        [Block(kernel: 3, stride: 1, out: 16, squeezeExcite: false)],
        [
            Block(kernel: 3, stride: 2, out: 32, squeezeExcite: false),
            Block(kernel: 3, stride: 1, out: 32, squeezeExcite: false),
        ],
        [
            Block(kernel: 3, stride: 2, out: 64, squeezeExcite: false),
            Block(kernel: 3, stride: 1, out: 64, squeezeExcite: false),
        ],
        [
            Block(kernel: 3, stride: 2, out: 128, squeezeExcite: false),
            Block(kernel: 5, stride: 1, out: 128, squeezeExcite: false),
        ],
        [
            Block(kernel: 5, stride: 1, out: 128, squeezeExcite: false),
            Block(kernel: 5, stride: 1, out: 128, squeezeExcite: false),
            Block(kernel: 5, stride: 1, out: 128, squeezeExcite: false),
            Block(kernel: 5, stride: 1, out: 128, squeezeExcite: false),
        ],
        [
            Block(kernel: 5, stride: 2, out: 256, squeezeExcite: true),
            Block(kernel: 5, stride: 1, out: 256, squeezeExcite: true),
        ],
    ]
    /// The stem: 3×3 stride-2 convolution 3 → 8 channels, BatchNorm, hard-swish.
    public static let stemChannels = 8
    public static let stemKernel = 3
    public static let outChannels = 256
    /// Squeeze-excite's reduced channels for C input channels (timm: round(C · 0.25)).
    public static func squeezeChannels(_ channels: Int) -> Int { Int((Double(channels) * 0.25).rounded()) }
    /// timm's own head tensors, which the backbone does not use.
    public static let unusedTensorPrefixes = ["conv_head.", "classifier."]

    /// Every block with its timm name prefix (`blocks.<stage>.<index>`) and input channels.
    public static var namedBlocks: [(name: String, inChannels: Int, block: Block)] {
        var out: [(String, Int, Block)] = []
        var channels = stemChannels
        for (stage, blocks) in stages.enumerated() {
            for (index, block) in blocks.enumerated() {
                out.append(("blocks.\(stage).\(index)", channels, block))
                channels = block.out
            }
        }
        return out
    }
}

extension Backbones {
    /// timm `lcnet_050`: ImageNet mean/std on [0, 1] pixels, 256 channels at 1/32 of the input.
    public static let lcnet050 = BackboneArchitecture(
        name: "lcnet_050", defaultInputSize: 128, scale: 1 / 255, mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225], featureChannels: LCNet050.outChannels, stride: 32, trainable: true)
}
