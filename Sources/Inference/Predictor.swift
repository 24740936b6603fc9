import Engine
import Foundation
import Imaging
import Model

/// What the model says about one image: the class, every class probability and the L2-normalised embedding.
public struct Prediction: Codable, Equatable, Sendable {
    /// The most probable class.
    public var label: String
    public var classIndex: Int
    /// Probability of every class, in the model's class order.
    public var probabilities: [Float]
    /// Unit-length embedding (cosine similarity = dot product).
    public var embedding: [Float]
    /// The classification head's raw outputs (K logits, or 1 for a binary head).
    public var logits: [Float]
}

/// Why a prediction could not be made.
public struct PredictorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The single inference entry point: a model file loaded once, BatchNorm folded into the backbone's
/// convolutions, images preprocessed exactly as in training (the model's own preprocessing contract).
/// The CLI, the evaluator, `verify` and the gallery all call it. Not thread-safe: one predictor per thread.
public final class Predictor {
    public let modelPath: String
    public let classNames: [String]
    /// A fingerprint of the weights (not of the metadata), so that a gallery knows which model made it.
    public let modelID: String
    /// The verification threshold table stored by `evaluate --write-thresholds` (empty when none).
    public let thresholds: [VerificationThreshold]
    public let spec: ModelSpec
    public let preprocessing: Preprocessing
    /// The model's tensors by name (the model file itself, or a model in memory).
    package let weights: TensorSource
    /// The backbone and classification head, BatchNorm folded, in the channel-blocked engine.
    package let network: FoldedLCNet
    package let neck: FoldedEmbeddingNeck
    /// Images larger than this are refused before decoding.
    public var maxPixels = 64_000_000

    public var embeddingSize: Int { spec.embeddingSize }

    /// The model used when none is named: what `ModelLookup.locate()` finds, else (when it finds none) the
    /// first path it tried, so that loading it fails naming that path.
    @available(*, deprecated, message: "use ModelLookup.locate(), whose error lists every path tried")
    public static var defaultModelPath: String {
        if let path = try? ModelLookup.locate() { return path }
        return ModelLookup.executable.map { ModelLookup.candidates(executable: $0)[0] } ?? ModelLookup.checkoutPath
    }

    /// Loads a model file; without `modelPath`, the one `ModelLookup` finds (`$CLASSIFY_EMBED_MODEL`, else the
    /// shipped model beside or above the executable), or `ModelNotFoundError` listing the paths it tried.
    public convenience init(modelPath: String? = nil) throws {
        let path = try modelPath ?? ModelLookup.locate()
        guard FileManager.default.fileExists(atPath: path) else {
            throw PredictorError("\(path): no such model file")
        }
        try self.init(modelFile: ModelFile(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A predictor for an already-read model file.
    public convenience init(modelFile: ModelFile) throws {
        try self.init(
            weights: modelFile.weights, spec: modelFile.spec, preprocessing: modelFile.preprocessing,
            thresholds: modelFile.thresholds, path: modelFile.path)
    }

    /// A predictor over any named tensors (a model in memory: the trainer's, a test's).
    package init(
        weights: TensorSource, spec: ModelSpec, preprocessing: Preprocessing, thresholds: [VerificationThreshold] = [],
        path: String
    ) throws {
        BLAS.configure()
        self.modelPath = path
        self.weights = weights
        self.spec = spec
        self.preprocessing = preprocessing
        self.thresholds = thresholds
        self.classNames = spec.reportedClassNames
        self.network = try FoldedLCNet(weights: weights, classifierPrefix: "cls_head")
        self.neck = try FoldedEmbeddingNeck(weights: weights, spec: spec)
        self.modelID = try Self.fingerprint(weights)
    }

    /// FNV-1a over every tensor's name and float32 bytes, in name order (the metadata does not count, so
    /// writing a threshold table keeps the id).
    static func fingerprint(_ weights: TensorSource) throws -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in weights.tensorNames.sorted() {
            for b in name.utf8 {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
            let values = try weights.floats(name).values
            values.withUnsafeBytes { raw in
                for b in raw {
                    h ^= UInt64(b)
                    h = h &* 0x100_0000_01b3
                }
            }
        }
        return String(format: "%016llx", h)
    }

    // MARK: predicting

    /// Decodes and predicts one image file.
    public func predict(contentsOf url: URL) throws -> Prediction {
        try Self.checkedFinite(predict([decode(url)])[0]).get()
    }

    /// A prediction with a NaN or ±Inf anywhere is that image's error, never a silently wrong answer (and
    /// never a failed batch: the other images keep theirs).
    static func checkedFinite(_ p: Prediction) -> Result<Prediction, Error> {
        guard p.probabilities.allSatisfy(\.isFinite), p.embedding.allSatisfy(\.isFinite) else {
            return .failure(PredictorError("non-finite output (NaN or Inf) from the model for this image"))
        }
        return .success(p)
    }

    /// Decodes and predicts many files; each result is the prediction or the reason that file failed.
    public func predict(files urls: [URL], batchSize: Int = 32) -> [Result<Prediction, Error>] {
        predict(sources: urls.map(ImageSource.file), batchSize: batchSize)
    }

    /// Predicts decoded RGB8 images (interleaved, `width × height × 3` bytes).
    public func predict(rgb pixels: [UInt8], width: Int, height: Int) throws -> Prediction {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw PredictorError(
                "expected \(width)×\(height)×3 = \(max(0, width * height * 3)) bytes of RGB, got \(pixels.count)")
        }
        return try Self.checkedFinite(predict([RGBImage(width: width, height: height, pixels: pixels)])[0]).get()
    }

    package func decode(_ url: URL) throws -> RGBImage {
        try ImageDecoder(maxPixels: maxPixels).decode(contentsOf: url)
    }

    /// Batched prediction: preprocessing in parallel, then one forward pass of the folded network.
    package func predict(_ images: [RGBImage]) -> [Prediction] {
        guard !images.isEmpty else { return [] }
        let x = Tensor(shape: [images.count, 3, preprocessing.height, preprocessing.width])
        let per = 3 * preprocessing.height * preprocessing.width
        let xp = SendablePointer(x.data)
        Parallel.forEach(images.count) { i in self.preprocessing.tensor(from: images[i], into: xp.pointer + i * per) }
        return predict(tensor: x)
    }

    /// Prediction from preprocessed `[N, 3, H, W]` inputs.
    package func predict(tensor x: Tensor) -> [Prediction] {
        let (features, folded) = network(x)
        guard let logits = folded else { preconditionFailure("the folded network is built with its classifier") }
        let e = l2Normalized(neck(features, team: x[0] == 1 ? network.team : nil))
        let k = spec.classOutputs
        let d = spec.embeddingSize
        return (0..<x[0]).map { i in
            let l = Array(UnsafeBufferPointer(start: logits.data + i * k, count: k))
            let p = probabilities(l)
            let best = p.indices.max { p[$0] < p[$1] }!
            return Prediction(
                label: classNames[best], classIndex: best, probabilities: p,
                embedding: Array(UnsafeBufferPointer(start: e.data + i * d, count: d)), logits: l)
        }
    }

    /// Softmax (multiclass) or [1 − σ, σ] (binary head).
    package func probabilities(_ logits: [Float]) -> [Float] {
        if spec.classMode == .binary {
            let p = 1 / (1 + exp(-logits[0]))
            if spec.classNames.count == 2, let pos = spec.positiveClass, let i = spec.classNames.firstIndex(of: pos) {
                return i == 1 ? [1 - p, p] : [p, 1 - p]
            }
            return [1 - p, p]
        }
        let m = logits.max()!
        let ex = logits.map { exp($0 - m) }
        let s = ex.reduce(0, +)
        return ex.map { $0 / s }
    }

    // MARK: thresholds

    /// The stored operating point for an FPR level (the largest table level ≤ `fpr`), or a clear error.
    public func threshold(atFPR fpr: Double) throws -> (threshold: Double, fpr: Double, tpr: Double) {
        guard !thresholds.isEmpty else {
            throw PredictorError(
                "\(modelPath) has no threshold table; run `classify-and-embed evaluate --model \(modelPath) "
                    + "--split test.csv --head embedding --write-thresholds` first, or pass --threshold")
        }
        guard
            let point = thresholds.filter({ $0.fprTarget <= fpr * (1 + 1e-9) }).max(by: { $0.fprTarget < $1.fprTarget })
        else {
            throw PredictorError(
                "no stored threshold at FPR ≤ \(fpr); the table has "
                    + thresholds.map { String(format: "%g", $0.fprTarget) }.joined(separator: ", "))
        }
        return (point.threshold, point.fprTarget, point.tpr)
    }
}

/// Cosine similarity of two unit-length embeddings.
public func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "embeddings of different sizes")
    var s: Float = 0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

extension Predictor {
    /// Test-time augmentation: every view of `settings` run through the model; class probabilities averaged
    /// with the weights (logits returned as their log, so argmax and softmax agree), embeddings normalised per
    /// view, averaged with the weights and normalised again.
    package func predict(_ images: [RGBImage], tta settings: TTASettings) -> [Prediction] {
        var views: [TTAView] = []
        for v in settings.classification.map(\.view) + settings.embedding.map(\.view) where !views.contains(v) {
            views.append(v)
        }
        let outputs = Dictionary(uniqueKeysWithValues: views.map { v in (v.description, predict(images.map(v.apply))) })
        return images.indices.map { i in
            let k = classNames.count
            let d = embeddingSize
            var p = [Float](repeating: 0, count: k)
            var e = [Float](repeating: 0, count: d)
            let cw = settings.classification.reduce(0) { $0 + $1.weight }
            let ew = settings.embedding.reduce(0) { $0 + $1.weight }
            for (view, w) in settings.classification {
                let o = outputs[view.description]![i]
                for j in 0..<k { p[j] += Float(w / cw) * o.probabilities[j] }
            }
            for (view, w) in settings.embedding {
                let o = outputs[view.description]![i]
                for j in 0..<d { e[j] += Float(w / ew) * o.embedding[j] }
            }
            let norm = max(e.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            let best = p.indices.max { p[$0] < p[$1] }!
            let logits =
                spec.classMode == .binary ? [log(max(p[1], 1e-30) / max(p[0], 1e-30))] : p.map { log(max($0, 1e-30)) }
            return Prediction(
                label: classNames[best], classIndex: best, probabilities: p, embedding: e.map { $0 / norm },
                logits: logits)
        }
    }
}
