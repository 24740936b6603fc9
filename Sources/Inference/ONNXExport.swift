import Engine
import Foundation
import Imaging
import Model

/// `classify-and-embed export`: the ONNX file, and optionally a parity file with preprocessed sample inputs
/// and this engine's outputs for them, so that another runtime can be checked against ours.
public enum ONNXExport {
    /// Writes `onnx` (atomically); with `parityImages`, also `<onnx>.parity.safetensors` holding `image`
    /// `[N, 3, H, W]`, `probabilities` `[N, K]` and `embedding` `[N, D]`. Returns a summary line.
    public static func run(predictor: Predictor, onnx: String, parityImages: [URL]) throws -> String {
        var exporter = ONNXExporter(predictor: predictor)
        let data = try exporter.export()
        try AtomicFile.write(data, to: URL(fileURLWithPath: onnx))
        var line =
            "wrote \(onnx) (\(data.count / 1024) KiB, opset 17, outputs probabilities [batch, \(predictor.classNames.count)] "
            + "and embedding [batch, \(predictor.embeddingSize)])"
        guard !parityImages.isEmpty else { return line }
        let images = try parityImages.map { try predictor.decode($0) }
        let pre = predictor.preprocessing
        let x = Tensor(shape: [images.count, 3, pre.height, pre.width])
        let per = 3 * pre.height * pre.width
        for (i, image) in images.enumerated() { pre.tensor(from: image, into: x.data + i * per) }
        let predictions = predictor.predict(tensor: x)
        var writer = SafeTensorsWriter()
        writer.add("image", x)
        let k = predictor.classNames.count
        let d = predictor.embeddingSize
        let p = Tensor(shape: [images.count, k])
        let e = Tensor(shape: [images.count, d])
        for (i, pr) in predictions.enumerated() {
            for j in 0..<k { p.data[i * k + j] = pr.probabilities[j] }
            for j in 0..<d { e.data[i * d + j] = pr.embedding[j] }
        }
        writer.add("probabilities", p)
        writer.add("embedding", e)
        writer.metadata["files"] = parityImages.map(\.relativePath).joined(separator: "\n")
        let parity = onnx + ".parity.safetensors"
        try writer.write(to: URL(fileURLWithPath: parity))
        line += "\nwrote \(parity) (\(images.count) preprocessed images with this engine's outputs)"
        return line
    }
}
