/// A backbone by name with its default configuration, in the spirit of timm's model registry: what a
/// model file's `model_spec.backbone` names, what the builders (training layers, folded inference network)
/// look up, and the defaults a new config starts from.
public struct BackboneArchitecture: Sendable, Equatable {
    /// The registry name, as timm spells it (`lcnet_050`, `tf_efficientnet_lite0`).
    public let name: String
    /// The input side the architecture is usually run at.
    public let defaultInputSize: Int
    /// Pixel normalisation its weights expect: `(x · scale − mean) / std` per RGB channel.
    public let scale: Float
    public let mean: [Float]
    public let std: [Float]
    /// Channels of the last feature map (what the heads see).
    public let featureChannels: Int
    /// Input pixels per feature-map pixel along each side.
    public let stride: Int
    /// Whether the project can train it (has training layers for it) or only run it for inference.
    public let trainable: Bool
}

/// The registry: every architecture the project knows. Adding one means a file that defines its
/// `BackboneArchitecture` (and its layer table) plus its line here.
public enum Backbones {
    public static let all: [BackboneArchitecture] = [lcnet050, tfEfficientNetLite0]

    /// The entry for a registry name, or nil.
    public static func named(_ name: String) -> BackboneArchitecture? {
        all.first { $0.name == name }
    }

    /// The registry names, for error messages.
    public static var names: [String] { all.map(\.name) }
}
