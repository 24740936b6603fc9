/// One stage of an EfficientNet-Lite backbone: `repeats` blocks, the first with `stride`, all with the same
/// depthwise `kernel`, expansion ratio and output channels. Expansion 1 is timm's depthwise-separable block
/// (`conv_dw` → `bn1` → `conv_pw` → `bn2`); otherwise an inverted residual (`conv_pw` expansion → `bn1`,
/// `conv_dw` → `bn2`, `conv_pwl` projection → `bn3`, no activation after the projection).
public struct EfficientNetLiteStage: Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var expansion: Int
    public var channels: Int
    public var repeats: Int
}

/// timm's `tf_efficientnet_lite0` as data: stem 3×3/2 to 32 channels, seven stages, head 1×1 320→1280,
/// global mean, Linear 1280→1000. Every activation is ReLU6; there is no squeeze-excite. BatchNorm uses
/// eps 1e-3 (the weights were ported from TensorFlow) and every convolution pads like TensorFlow's "same".
public enum EfficientNetLite0Architecture {
    public static let stemChannels = 32
    public static let stages: [EfficientNetLiteStage] = [
        EfficientNetLiteStage(kernel: 3, stride: 1, expansion: 1, channels: 16, repeats: 1),
        EfficientNetLiteStage(kernel: 3, stride: 2, expansion: 6, channels: 24, repeats: 2),
        EfficientNetLiteStage(kernel: 5, stride: 2, expansion: 6, channels: 40, repeats: 2),
        EfficientNetLiteStage(kernel: 3, stride: 2, expansion: 6, channels: 80, repeats: 3),
        EfficientNetLiteStage(kernel: 5, stride: 1, expansion: 6, channels: 112, repeats: 3),
        EfficientNetLiteStage(kernel: 5, stride: 2, expansion: 6, channels: 192, repeats: 4),
        EfficientNetLiteStage(kernel: 3, stride: 1, expansion: 6, channels: 320, repeats: 1),
    ]
    public static let headChannels = 1280
    public static let classes = 1000
    public static let batchNormEpsilon = 1e-3
}

extension Backbones {
    /// timm `tf_efficientnet_lite0` (ImageNet weights ported from TensorFlow): inputs scaled to [-1, 1],
    /// 1280 pooled features after its head; inference only (the distillation teacher).
    public static let tfEfficientNetLite0 = BackboneArchitecture(
        name: "tf_efficientnet_lite0", defaultInputSize: 224, scale: 1 / 255, mean: [0.5, 0.5, 0.5],
        std: [0.5, 0.5, 0.5], featureChannels: EfficientNetLite0Architecture.headChannels, stride: 32,
        trainable: false)
}
