import Engine
import Foundation
import Layers
import Model

/// What a `model.init` file turned out to be (recorded in the model's provenance).
package enum InitKind: String, Codable, Sendable, CaseIterable {
    /// A ClassifyEmbed model file: every tensor (backbone and both heads) is loaded.
    case modelFile = "model_file"
    /// A backbone written by `classify-and-embed distill` (`BackboneFile`): the backbone is loaded.
    case distilledBackbone = "distilled_backbone"
    /// A timm `lcnet_050` checkpoint (safetensors, zip or legacy `.pth`/`.bin`): the backbone is loaded,
    /// timm's ImageNet head (`conv_head`, `classifier`) ignored.
    case timmCheckpoint = "timm_checkpoint"
}

/// The file a model was started from, as the provenance records it.
package struct InitRecord: Sendable, Equatable {
    package var path: String
    package var kind: InitKind
    package var sha256: String
    package var bytes: Int
    /// Tensors copied into the model.
    package var tensors: Int
    /// The file's own `provenance` metadata (a distilled backbone's distillation settings), when it has one.
    package var sourceProvenance: String?

    /// The record as a JSON object (the source's provenance nested as an object, not a string).
    package var json: [String: Any] {
        var object: [String: Any] = [
            "path": path, "kind": kind.rawValue, "sha256": sha256, "bytes": bytes, "tensors": tensors,
        ]
        if let text = sourceProvenance,
            let nested = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        {
            object["provenance"] = nested
        }
        return object
    }
}

/// A `model.init` file that cannot start this model.
package struct ModelInitError: Error, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String {
        "model.init: \(path): \(reason)\n  model.init takes a ClassifyEmbed model file (whole model), a backbone "
            + "written by `classify-and-embed distill`, or a timm lcnet_050 checkpoint (.safetensors, .pth, .bin)."
    }
}

/// Starts a model from `model.init`: the kind of file is found from its content, never from its name.
package enum ModelInit {
    /// Loads `url` into `model` and returns what was loaded. Every missing, misshaped or unexpected tensor is
    /// named in the error; the model is left untouched when the file does not fit.
    package static func apply(_ url: URL, to model: JointModel) throws -> InitRecord {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelInitError(path: url.path, reason: "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw ModelInitError(path: url.path, reason: "not readable (\(error.localizedDescription))")
        }
        var record = InitRecord(
            path: url.path, kind: .timmCheckpoint, sha256: SHA256.hex(data), bytes: data.count, tensors: 0,
            sourceProvenance: nil)
        do {
            let safetensors = try? SafeTensorsFile(data: data, file: url.path)
            record.sourceProvenance = safetensors?.metadata["provenance"]
            if let safetensors, safetensors.metadata["format"] == ModelFile.format {
                let file = try ModelFile(safetensors)
                guard file.spec.backbone == model.spec.backbone else {
                    throw ModelInitError(
                        path: url.path,
                        reason: "it is a \(file.spec.backbone) model; this config trains \(model.spec.backbone)")
                }
                try StateDict.load(model.namedTensors, from: file.weights)
                record.kind = .modelFile
                record.tensors = model.namedTensors.count
                return record
            }
            let checkpoint = try LCNetCheckpoint(CheckpointFile(data: data, file: url.path))
            try StateDict.load(model.backbone, from: checkpoint)
            record.kind =
                safetensors?.metadata["format"] == BackboneFile.format ? .distilledBackbone : .timmCheckpoint
            record.tensors = StateDict.tensors(of: model.backbone).count
            return record
        } catch let e as ModelInitError {
            throw e
        } catch {
            // The checkpoint readers' messages begin with the path, which this error already names.
            let text = "\(error)"
            let reason = text.hasPrefix(url.path + ": ") ? String(text.dropFirst(url.path.count + 2)) : text
            throw ModelInitError(path: url.path, reason: reason)
        }
    }
}
