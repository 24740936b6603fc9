import Imaging

/// The architecture of a two-head model, stored in the model file's metadata (`model_spec`, JSON).
/// The input size lives here and only here: the preprocessing contract's width and height are derived
/// from it when a model is trained, and a model file whose two disagree is refused when it is read.
public struct ModelSpec: Codable, Equatable, Sendable {
    /// The backbone's registry name (see `Backbones`).
    public var backbone = Backbones.lcnet050.name
    public var neck: NeckKind = .flatten
    public var neckNorm: NeckNorm = .ln
    public var embeddingSize = 256
    public var classHeadHidden = 256
    public var classHeadDropout: Float = 0.2
    /// `multiclass` (softmax over classNames) or `binary` (one sigmoid for `positiveClass`).
    public var classMode: ClassMode = .multiclass
    public var classNames = ["document", "not_a_document", "screen"]
    public var positiveClass: String?
    /// The square input side in pixels (a multiple of the backbone's stride, 32).
    public var inputSize = 128

    public init() {}

    /// Outputs of the classification head: K logits, or one for a binary head.
    public var classOutputs: Int { classMode == .binary ? 1 : classNames.count }

    /// The class names as predictions report them: a binary head with one name gets its complement too.
    public var reportedClassNames: [String] {
        classMode == .binary && classNames.count == 1 ? ["not_" + classNames[0], classNames[0]] : classNames
    }

    /// The side of the backbone's last feature map.
    public var featureSide: Int { inputSize / architecture.stride }

    /// The backbone's registry entry (`Backbones.lcnet050` for a name the registry does not know; model
    /// files and configs are validated against the registry when they are read).
    public var architecture: BackboneArchitecture { Backbones.named(backbone) ?? Backbones.lcnet050 }
}

extension ModelSpec {
    /// The preprocessing contract a model of this spec is trained with: the input size, and the pixel
    /// normalisation its backbone's weights expect.
    public var preprocessing: Preprocessing {
        var p = Preprocessing()
        p.width = inputSize
        p.height = inputSize
        p.scale = architecture.scale
        p.mean = architecture.mean
        p.std = architecture.std
        return p
    }
}
