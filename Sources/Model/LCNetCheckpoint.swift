import Foundation

/// A timm `lcnet_050` checkpoint as the trainer's `model.init` wants it: the backbone's tensors under timm's
/// names (`conv_stem.*`, `bn1.*`, `blocks.*`), from any file `CheckpointFile` reads — safetensors, a zip
/// `.pth`/`.bin` as timm's hub serves it, or a legacy `.pth` — whether the state dict is at the top or
/// wrapped (`{'state_dict': …}`, `{'model': …}`), with a DataParallel `module.` prefix removed. timm's own
/// ImageNet head (`conv_head.*`, `classifier.*`) is dropped unless `includeHead` is set. Matching every
/// name and shape against the model is the loader's job (it knows the architecture); this checks only that
/// the file is an `lcnet_050` at all, so that a wrong file fails with a clear message.
public struct LCNetCheckpoint: Sendable {
    /// Prefixes of timm's ImageNet head, which the two-head model does not use.
    public static let headPrefixes = ["conv_head.", "classifier."]
    /// Tensors whose shapes identify `lcnet_050` (its first and last backbone convolutions).
    public static let signature: [(name: String, shape: [Int])] = [
        ("conv_stem.weight", [8, 3, 3, 3]), ("blocks.5.1.conv_pw.weight", [256, 256, 1, 1]),
    ]

    /// The file it came from, as used in error messages.
    public let file: String
    public let format: CheckpointFormat
    /// Tensor names in file order.
    public let names: [String]
    /// Name → tensor; floating-point tensors of any precision, `num_batches_tracked` as int64.
    public let tensors: [String: CheckpointTensor]

    /// Reads the checkpoint at `url`; `stateDictKey` picks a wrapper key explicitly (see `CheckpointFile`).
    public init(contentsOf url: URL, includeHead: Bool = false, stateDictKey: String? = nil) throws {
        try self.init(CheckpointFile(contentsOf: url, stateDictKey: stateDictKey), includeHead: includeHead)
    }

    /// Selects the backbone (and optionally the head) from a loaded checkpoint.
    public init(_ checkpoint: CheckpointFile, includeHead: Bool = false) throws {
        file = checkpoint.file
        format = checkpoint.format
        // nn.DataParallel / DistributedDataParallel prefix every name with `module.`.
        let prefixed = !checkpoint.names.isEmpty && checkpoint.names.allSatisfy { $0.hasPrefix("module.") }
        var names: [String] = []
        var tensors: [String: CheckpointTensor] = [:]
        for name in checkpoint.names {
            let key = prefixed ? String(name.dropFirst("module.".count)) : name
            if !includeHead && Self.headPrefixes.contains(where: { key.hasPrefix($0) }) { continue }
            names.append(key)
            tensors[key] = checkpoint.tensors[name]
        }
        for (name, shape) in Self.signature {
            guard let t = tensors[name] else {
                throw CheckpointError.noStateDict(
                    file: file, reason: "no '\(name)': this is not a timm lcnet_050 checkpoint")
            }
            guard t.shape == shape else {
                throw CheckpointError.wrongShape(file: file, tensor: name, found: t.shape, expected: shape)
            }
        }
        for name in names where !name.hasSuffix("num_batches_tracked") {
            guard tensors[name]!.dtype.isFloatingPoint else {
                throw CheckpointError.wrongDType(
                    file: file, tensor: name, found: tensors[name]!.dtype, expected: .float32)
            }
        }
        self.names = names
        self.tensors = tensors
    }
}

/// The backbone's tensors as `StateDict.load` reads them (values as float32, whatever precision the file has).
extension LCNetCheckpoint: TensorSource {
    public var sourceName: String { file }
    public var tensorNames: [String] { names }
    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let t = tensors[name] else { throw CheckpointError.missingTensor(file: file, tensor: name) }
        return (t.shape, t.values)
    }
}
