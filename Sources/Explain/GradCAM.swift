import Engine
import Foundation
import Imaging
import Inference
import Layers
import Model

/// Grad-CAM (Selvaraju et al. 2017) on the backbone's last feature map: channel weights are the spatial mean of
/// the gradient of a score with respect to the features, the map is ReLU(Σ weight · feature), scaled to 0…1.
/// The score is a class logit (classification head) or the cosine similarity to a reference embedding
/// (embedding head).
public struct GradCAM {
    public let predictor: Predictor
    /// The predictor's model as training layers: Grad-CAM needs their backward pass.
    private let joint: JointModel

    public init(predictor: Predictor) throws {
        self.predictor = predictor
        joint = try JointModel(spec: predictor.spec, weights: predictor.weights)
    }

    /// A heat map (`width × height` of the feature grid, row-major, 0…1) and what it explains.
    public struct Map: Sendable {
        public var values: [Float]
        public var width: Int
        public var height: Int
        public var explains: String
    }

    /// For the classification head: the logit of `className` (default: the predicted class).
    public func classification(_ source: ImageSource, className: String? = nil) throws -> Map {
        let image = try predictor.decode(source)
        let features = joint.backbone(predictor.preprocessing.tensor(from: image), training: false)
        let logits = joint.classifier(features, training: false)
        let k = predictor.spec.classOutputs
        let probabilities = predictor.probabilities(Array(UnsafeBufferPointer(start: logits.data, count: k)))
        let target: Int
        if let className {
            guard let i = predictor.classNames.firstIndex(of: className) else {
                throw PredictorError(
                    "no class \(className); the model's classes are \(predictor.classNames.joined(separator: ", "))")
            }
            target = i
        } else {
            target = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        }
        let grad = Tensor(shape: logits.shape)
        if k == 1 { grad.data[0] = target == 1 ? 1 : -1 } else { grad.data[target] = 1 }
        let dA = joint.classifier.backward(grad)
        return map(
            features, dA,
            explains: String(format: "class %@ (probability %.3f)", predictor.classNames[target], probabilities[target])
        )
    }

    /// For the embedding head: the cosine similarity between this image's embedding and `reference`'s.
    public func embedding(_ source: ImageSource, reference: ImageSource) throws -> Map {
        // The reference goes through the same (unfolded) path, so an image against itself gives exactly s = 1.
        let ref = joint.neck(
            joint.backbone(
                predictor.preprocessing.tensor(from: try predictor.decode(reference)),
                training: false), training: false)
        let unit = l2Normalized(ref)
        let r = Array(UnsafeBufferPointer(start: unit.data, count: unit.count))
        let image = try predictor.decode(source)
        let features = joint.backbone(predictor.preprocessing.tensor(from: image), training: false)
        let z = joint.neck(features, training: false)
        let d = z.count
        let norm = max((0..<d).reduce(Float(0)) { $0 + z.data[$1] * z.data[$1] }.squareRoot(), 1e-12)
        let s = (0..<d).reduce(Float(0)) { $0 + z.data[$1] / norm * r[$1] }
        let referenceName = URL(fileURLWithPath: reference.name).lastPathComponent
        let explains = String(format: "similarity %.4f to %@", s, referenceName)
        // At s = 1 (the same image) the similarity is at its maximum and its gradient vanishes: nothing to show,
        // rather than rounding noise scaled up to 1.
        if s > 1 - 1e-5 {
            return Map(
                values: [Float](repeating: 0, count: features[2] * features[3]), width: features[3],
                height: features[2], explains: explains)
        }
        // d(e·r)/dz for e = z/|z|: (r − s·e)/|z|.
        let grad = Tensor(shape: z.shape)
        for i in 0..<d { grad.data[i] = (r[i] - s * z.data[i] / norm) / norm }
        let dA = joint.neck.backward(grad)
        return map(features, dA, explains: explains)
    }

    /// Writes the overlay PNG of `map` over the image (atomically).
    public static func writeOverlay(_ map: Map, on source: ImageSource, to output: URL) throws {
        try AtomicFile.write(try overlay(map, on: source), to: output)
    }

    private func map(_ a: Tensor, _ dA: Tensor, explains: String) -> Map {
        let c = a[1]
        let h = a[2]
        let w = a[3]
        let plane = h * w
        var values = [Float](repeating: 0, count: plane)
        for k in 0..<c {
            var alpha: Float = 0
            for i in 0..<plane { alpha += dA.data[k * plane + i] }
            alpha /= Float(plane)
            for i in 0..<plane { values[i] += alpha * a.data[k * plane + i] }
        }
        values = values.map { max($0, 0) }
        let top = values.max() ?? 0
        if top > 0 { values = values.map { $0 / top } }
        return Map(values: values, width: w, height: h, explains: explains)
    }

    /// The map upsampled (bilinear, pixel centres aligned) over the image, coloured blue → red and blended
    /// half and half with the image, with the colour map's key (`ColourBar`) beside it on the right.
    public static func overlay(_ map: Map, on source: ImageSource, maxPixels: Int = 64_000_000) throws -> Data {
        let image = try ImageDecoder(maxPixels: maxPixels).decode(source)
        var out = image
        let sx = Float(map.width) / Float(image.width)
        let sy = Float(map.height) / Float(image.height)
        for y in 0..<image.height {
            let fy = min(max((Float(y) + 0.5) * sy - 0.5, 0), Float(map.height - 1))
            let y0 = Int(fy)
            let y1 = min(y0 + 1, map.height - 1)
            let ay = fy - Float(y0)
            for x in 0..<image.width {
                let fx = min(max((Float(x) + 0.5) * sx - 0.5, 0), Float(map.width - 1))
                let x0 = Int(fx)
                let x1 = min(x0 + 1, map.width - 1)
                let ax = fx - Float(x0)
                let v =
                    (map.values[y0 * map.width + x0] * (1 - ax) + map.values[y0 * map.width + x1] * ax) * (1 - ay)
                    + (map.values[y1 * map.width + x0] * (1 - ax) + map.values[y1 * map.width + x1] * ax) * ay
                let colour = jet(v)
                let i = 3 * (y * image.width + x)
                for c in 0..<3 {
                    out.pixels[i + c] = UInt8((Float(image.pixels[i + c]) * 0.5 + colour[c] * 0.5).rounded())
                }
            }
        }
        return try PNGWriter.encode(ColourBar.appended(to: out, colour: jet))
    }

    /// The "jet" colour map: 0 blue, 0.5 green-yellow, 1 red (0…255 per channel).
    static func jet(_ v: Float) -> [Float] {
        let t = min(max(v, 0), 1) * 4
        func ramp(_ x: Float) -> Float { min(max(x, 0), 1) * 255 }
        return [ramp(min(t - 1.5, 4.5 - t)), ramp(min(t - 0.5, 3.5 - t)), ramp(min(t + 0.5, 2.5 - t))]
    }
}
