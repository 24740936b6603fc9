import Engine
import Foundation
import Imaging

extension Predictor {
    /// Decodes and predicts one image (a file, or standard input's bytes).
    public func predict(_ source: ImageSource) throws -> Prediction {
        try Self.checkedFinite(predict([decode(source)])[0]).get()
    }

    /// Decodes (in parallel) and predicts many images, `batchSize` per forward pass; each result is the
    /// prediction or the reason that image failed. With `testTimeAugmentation` every image is scored as the
    /// average over the views of `TTASettings.standard`, as `evaluate --tta` scores a split.
    public func predict(
        sources: [ImageSource], batchSize: Int = 32, testTimeAugmentation: Bool = false
    ) -> [Result<Prediction, Error>] {
        var out: [Result<Prediction, Error>] = []
        for start in stride(from: 0, to: sources.count, by: max(1, batchSize)) {
            let chunk = Array(sources[start..<min(sources.count, start + max(1, batchSize))])
            var decoded = [Result<RGBImage, Error>](
                repeating: .failure(PredictorError("not decoded")), count: chunk.count)
            decoded.withUnsafeMutableBufferPointer { d in
                let p = SendablePointer(d.baseAddress!)
                Parallel.forEach(chunk.count) { i in p.pointer[i] = Result { try self.decode(chunk[i]) } }
            }
            let good = decoded.compactMap { try? $0.get() }
            var predictions =
                good.isEmpty ? [] : testTimeAugmentation ? predict(good, tta: .standard) : predict(good)
            predictions.reverse()
            for d in decoded {
                switch d {
                case .success: out.append(Self.checkedFinite(predictions.removeLast()))
                case .failure(let e): out.append(.failure(e))
                }
            }
        }
        return out
    }

    package func decode(_ source: ImageSource) throws -> RGBImage {
        try ImageDecoder(maxPixels: maxPixels).decode(source)
    }
}

extension ImageDecoder {
    /// Reads and decodes a file, or decodes standard input's bytes.
    package func decode(_ source: ImageSource) throws -> RGBImage {
        switch source {
        case .file(let url): return try decode(contentsOf: url)
        case .standardInput(let bytes): return try decode([UInt8](bytes), file: source.errorName)
        }
    }
}
