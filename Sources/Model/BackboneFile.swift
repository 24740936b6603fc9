import Engine
import Foundation

/// A backbone checkpoint as `classify-and-embed distill` writes it: a safetensors file with only the
/// backbone's tensors under timm's `lcnet_050` names (`conv_stem.*`, `bn1.*`, `blocks.*`), so that
/// `LCNetCheckpoint` (and timm itself) reads it like any other `lcnet_050` checkpoint. The metadata says
/// what made it: `format` and `provenance` (JSON: teacher, pool, views, loss, steps).
public enum BackboneFile {
    /// The value of the `format` metadata key; `model.init` records such a file as a distilled backbone.
    public static let format = "classify-embed-backbone/1"

    /// Writes the named tensors atomically (temp file + rename); `num_batches_tracked` as I64, like PyTorch.
    package static func write(
        _ tensors: [(name: String, tensor: Tensor)], provenance: String, to url: URL
    ) throws {
        var writer = SafeTensorsWriter()
        for (name, tensor) in tensors {
            if name.hasSuffix("num_batches_tracked") {
                writer.add(name, int64: Int64(tensor.data[0]))
            } else {
                writer.add(name, tensor)
            }
        }
        writer.metadata["format"] = format
        writer.metadata["provenance"] = provenance
        try writer.write(to: url)
    }
}
