import Engine
import Foundation
import Imaging
import Layers

/// The model file: one `.safetensors` with every tensor by name (timm names for the backbone) and metadata:
/// the architecture (`model_spec`, JSON), the preprocessing contract (`preprocessing`, JSON), `format`, and
/// later the evaluator's threshold table (`thresholds`, JSON).
package enum ModelFile {
    package static let format = "classify-embed/1"

    package static func write(
        _ model: JointModel, preprocessing: Preprocessing, extra: [String: String] = [:], to url: URL
    ) throws {
        var writer = SafeTensorsWriter()
        for part in model.parts { StateDict.add(part, to: &writer) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        writer.metadata = extra
        writer.metadata["format"] = format
        writer.metadata["model_spec"] = String(decoding: try encoder.encode(model.spec), as: UTF8.self)
        writer.metadata["preprocessing"] = String(decoding: try encoder.encode(preprocessing), as: UTF8.self)
        try writer.write(to: url)
    }

    /// Reads the architecture and preprocessing from a model file's metadata.
    package static func spec(of file: SafeTensorsFile) throws -> (ModelSpec, Preprocessing) {
        guard file.metadata["format"] == format, let s = file.metadata["model_spec"],
            let p = file.metadata["preprocessing"]
        else {
            throw SafeTensorsError.malformedHeader(
                file: file.file,
                reason:
                    "not a ClassifyEmbed model (metadata 'format' is \(file.metadata["format"] ?? "missing"), expected \(format))"
            )
        }
        do {
            return (
                try JSONDecoder().decode(ModelSpec.self, from: Data(s.utf8)),
                try JSONDecoder().decode(Preprocessing.self, from: Data(p.utf8))
            )
        } catch {
            throw SafeTensorsError.malformedHeader(file: file.file, reason: "model metadata is not valid: \(error)")
        }
    }

    /// Builds the model a file describes and loads its tensors.
    package static func load(_ url: URL) throws -> (JointModel, Preprocessing, SafeTensorsFile) {
        let file = try SafeTensorsFile(contentsOf: url)
        let (spec, preprocessing) = try spec(of: file)
        let model = JointModel(spec: spec)
        try load(into: model, from: file)
        return (model, preprocessing, file)
    }

    package static func load(into model: JointModel, from file: SafeTensorsFile) throws {
        try StateDict.load(model.namedTensors, from: file)
    }
}
