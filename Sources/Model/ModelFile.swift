import Engine
import Foundation
import Imaging

/// A model file: one `.safetensors` with every tensor by name (timm names for the backbone, `neck.*` and
/// `cls_head.*` for the heads) and metadata: `format`, the architecture (`model_spec`, JSON), the
/// preprocessing contract (`preprocessing`, JSON), optionally the verification threshold table
/// (`thresholds`, JSON, written by `evaluate --write-thresholds`) and the training provenance (`provenance`,
/// JSON).
///
/// This type is the one owner of the format: the trainer writes through `write`, every reader (the
/// predictor, the exporter, the evaluator, `--resume`) goes through `init(contentsOf:)`, which validates
/// the metadata once.
public struct ModelFile {
    /// The value of the `format` metadata key.
    public static let format = "classify-embed/1"

    /// The file's path as given.
    public let path: String
    public let spec: ModelSpec
    public let preprocessing: Preprocessing
    /// The stored threshold table (empty when none was written).
    public let thresholds: [VerificationThreshold]
    /// The tensors and the raw metadata.
    public let weights: SafeTensorsFile

    /// How the weights were made (`provenance`, JSON written by the trainer: the `model.init` file and the
    /// distillation settings), or nil for a file written before it was recorded.
    public var provenance: String? { weights.metadata["provenance"] }

    /// The name of the training config the weights came from (`provenance.config.name`: the config file's
    /// name without `.yaml`), or nil for a file whose provenance does not record it.
    public var configName: String? {
        guard let text = provenance,
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let config = object["config"] as? [String: Any], let name = config["name"] as? String, !name.isEmpty
        else { return nil }
        return name
    }

    /// Reads and validates a model file.
    public init(contentsOf url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        try self.init(file)
    }

    /// Validates an already-read safetensors file as a model file.
    public init(_ file: SafeTensorsFile) throws {
        path = file.file
        weights = file
        guard file.metadata["format"] == Self.format else {
            throw ModelFileError.notAModel(
                file: file.file,
                reason: "metadata 'format' is \(file.metadata["format"].map { "'\($0)'" } ?? "missing"), "
                    + "expected '\(Self.format)'")
        }
        spec = try Self.decode(ModelSpec.self, key: "model_spec", from: file)
        preprocessing = try Self.decode(Preprocessing.self, key: "preprocessing", from: file)
        thresholds =
            file.metadata["thresholds"] == nil
            ? [] : try Self.decode([VerificationThreshold].self, key: "thresholds", from: file)
        try validate()
    }

    /// The input size is stored twice (the architecture's `inputSize`, the preprocessing's width and
    /// height): they must agree, and the size must be one the network can run.
    private func validate() throws {
        guard let architecture = Backbones.named(spec.backbone), architecture.trainable else {
            throw ModelFileError.badMetadata(
                file: path, key: "model_spec.backbone",
                reason:
                    "'\(spec.backbone)' is not a two-head backbone (known: \(Backbones.names.joined(separator: ", ")))")
        }
        guard (architecture.stride...Self.maximumInputSize).contains(spec.inputSize),
            spec.inputSize % architecture.stride == 0
        else {
            throw ModelFileError.badMetadata(
                file: path, key: "model_spec.inputSize",
                reason:
                    "\(spec.inputSize) must be a multiple of \(architecture.stride) in \(architecture.stride)...\(Self.maximumInputSize)"
            )
        }
        guard preprocessing.width == spec.inputSize, preprocessing.height == spec.inputSize else {
            throw ModelFileError.badMetadata(
                file: path, key: "preprocessing",
                reason:
                    "size \(preprocessing.width)×\(preprocessing.height) differs from the model's input size \(spec.inputSize)"
            )
        }
        guard preprocessing.resize == Preprocessing.bilinear else {
            throw ModelFileError.badMetadata(
                file: path, key: "preprocessing.resize",
                reason: "'\(preprocessing.resize)' is not supported (only '\(Preprocessing.bilinear)')")
        }
        guard preprocessing.mean.count == 3, preprocessing.std.count == 3,
            preprocessing.std.allSatisfy({ $0.isFinite && $0 > 0 }),
            preprocessing.mean.allSatisfy(\.isFinite), preprocessing.scale.isFinite
        else {
            throw ModelFileError.badMetadata(
                file: path, key: "preprocessing", reason: "mean and std need three finite values each, std > 0")
        }
        guard spec.classOutputs >= 1, spec.embeddingSize >= 1 else {
            throw ModelFileError.badMetadata(file: path, key: "model_spec", reason: "no classes or no embedding")
        }
        try validateTensors()
    }

    /// Weights are floats and finite: an integer tensor where a weight belongs, or a NaN, would otherwise
    /// give every image a wrong (or NaN) answer without a word. `num_batches_tracked` is PyTorch's I64 counter.
    private func validateTensors() throws {
        let floatTypes: Set<SafeTensorsDType> = [.f32, .f16, .bf16, .f64]
        for name in weights.names where !name.hasSuffix("num_batches_tracked") {
            let dtype = weights.entries[name]!.dtype
            guard floatTypes.contains(dtype) else {
                throw ModelFileError.badTensor(
                    file: path, tensor: name, reason: "is \(dtype.rawValue); model weights must be floating point (F32)"
                )
            }
            if let i = try weights.floats(name).values.firstIndex(where: { !$0.isFinite }) {
                throw ModelFileError.badTensor(
                    file: path, tensor: name,
                    reason:
                        "has a non-finite value (NaN or ±Inf) at index \(i); the model is damaged, retrain or re-export it"
                )
            }
        }
    }

    /// The largest input side a model file may ask for (checked before anything is allocated).
    public static let maximumInputSize = 1024

    private static func decode<T: Decodable>(_ type: T.Type, key: String, from file: SafeTensorsFile) throws -> T {
        guard let text = file.metadata[key] else {
            throw ModelFileError.notAModel(file: file.file, reason: "metadata '\(key)' is missing")
        }
        do {
            return try jsonDecoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw ModelFileError.badMetadata(file: file.file, key: key, reason: "\(error)")
        }
    }

    /// Writes a model file atomically (temp file + rename). `extra` adds metadata keys (provenance).
    package static func write(
        _ tensors: [(name: String, tensor: Tensor)], spec: ModelSpec, preprocessing: Preprocessing,
        extra: [String: String] = [:], to url: URL
    ) throws {
        var writer = SafeTensorsWriter()
        for (name, tensor) in tensors {
            if name.hasSuffix("num_batches_tracked") {
                writer.add(name, int64: Int64(tensor.data[0]))
            } else {
                writer.add(name, tensor)
            }
        }
        writer.metadata = extra
        writer.metadata["format"] = format
        writer.metadata["model_spec"] = try json(spec)
        writer.metadata["preprocessing"] = try json(preprocessing)
        try writer.write(to: url)
    }

    /// Rewrites the model file at `url` (temp file + rename) with `thresholds` as its threshold table; the
    /// tensors and every other metadata key stay as they are.
    public static func storeThresholds(_ thresholds: [VerificationThreshold], in url: URL) throws {
        try storeMetadata(["thresholds": try json(thresholds)], in: url)
    }

    /// Rewrites the model file at `url` (temp file + rename) with `entries` set in its metadata; the tensors
    /// and every other metadata key stay as they are.
    package static func storeMetadata(_ entries: [String: String], in url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        var writer = SafeTensorsWriter(metadata: file.metadata)
        for name in file.names {
            if file.entries[name]!.dtype == .i64 && file.entries[name]!.shape.isEmpty {
                writer.add(name, int64: Int64(try file.floats(name).values[0]))
            } else {
                writer.add(name, try file.tensor(name))
            }
        }
        for (key, value) in entries { writer.metadata[key] = value }
        try writer.write(to: url)
    }

    /// Metadata JSON: sorted keys, ±∞ (the first ROC point's threshold) written as the strings "inf"/"-inf".
    private static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static var jsonDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
