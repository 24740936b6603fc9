import Foundation
import Inference
import Model

/// What request handlers may read of the predictor: its immutable metadata and threshold table. Running the
/// network stays with the batch scheduler's thread (a `Predictor` is not thread-safe).
struct ModelDescription: @unchecked Sendable {
    let predictor: Predictor

    var modelID: String { predictor.modelID }
    var modelPath: String { predictor.modelPath }
    var classNames: [String] { predictor.classNames }
    var embeddingSize: Int { predictor.embeddingSize }
    var inputWidth: Int { predictor.preprocessing.width }
    var inputHeight: Int { predictor.preprocessing.height }
    var thresholds: [VerificationThreshold] { predictor.thresholds }
}

/// `POST /v1/gallery/{label}`.
struct RegistrationAnswer: Encodable {
    var label: String
    var `class`: String
    var duplicateOf: String?
    var similarity: Float?
    var exactDuplicate: Bool
    var gallerySize: Int

    enum CodingKeys: String, CodingKey {
        case label, `class`, similarity
        case duplicateOf = "duplicate_of", exactDuplicate = "exact_duplicate", gallerySize = "gallery_size"
    }
}

/// `DELETE /v1/gallery/{label}`.
struct RemovalAnswer: Encodable {
    var removed: String
    var gallerySize: Int

    enum CodingKeys: String, CodingKey {
        case removed
        case gallerySize = "gallery_size"
    }
}

/// `GET /v1/model`: which model answers, its classes and input, its threshold table and the serving limits.
struct ModelAnswer: Encodable {
    var modelID: String
    var modelFile: String
    var classes: [String]
    var inputWidth: Int
    var inputHeight: Int
    var embeddingSize: Int
    var thresholds: [VerificationThreshold]
    var maxBatch: Int
    var maxDelayMilliseconds: Double
    var maxQueue: Int
    var gallerySize: Int?
    var galleryWritable: Bool

    enum CodingKeys: String, CodingKey {
        case classes, thresholds
        case modelID = "model_id", modelFile = "model_file", inputWidth = "input_width"
        case inputHeight = "input_height", embeddingSize = "embedding_size", maxBatch = "max_batch"
        case maxDelayMilliseconds = "max_delay_ms", maxQueue = "max_queue", gallerySize = "gallery_size"
        case galleryWritable = "gallery_writable"
    }
}
