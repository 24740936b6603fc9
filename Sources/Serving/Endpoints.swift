import ClassifyEmbed
import Foundation
import Hummingbird
import Inference

/// The `/v1` handlers. Each returns its answer or throws an `APIError`; `Gateway` turns errors into
/// `{"error": …}` bodies. Predictions come from the batch scheduler, so concurrent requests share forward
/// passes; answers are the CLI's JSON objects (`predict --format jsonl`, `verify --json`).
struct Endpoints: Sendable {
    let predictor: ModelDescription
    let uploads: UploadReader
    let pipeline: ImagePipeline
    let gallery: GalleryStore?
    let galleryWritable: Bool
    let settings: ServerSettings

    /// `POST /v1/predict` (and `/v1/match`, which adds the gallery match): one object for a bare image body,
    /// an array of objects (one per part, `file` = the part's name) for a form.
    func predict(_ request: Request, matching: Bool) async throws -> Response {
        let arrival = pipeline.scheduler.arrive()
        defer { arrival.leave() }
        if matching, gallery == nil {
            throw APIError(
                status: .notFound, message: "this server has no gallery: start it with --gallery FILE to match")
        }
        let keys: [QueryOptions.Key] =
            matching
            ? [.embedding, .topK, .minimumConfidence, .fpr, .threshold] : [.embedding, .topK, .minimumConfidence]
        var query = try QueryOptions(request, allowed: keys, classCount: predictor.classNames.count)
        if matching, !request.uri.queryParameters.has("embedding") { query.embedding = .none }
        let decision = matching ? try query.decision(predictor.predictor) : nil
        let (images, form) = try await uploads.images(request)
        let results = try await pipeline.predict(images, arrival: arrival)
        var matches = [GalleryMatch?](repeating: nil, count: results.count)
        if let gallery, let decision {
            let good = results.indices.filter { (try? results[$0].get()) != nil }
            let found = try gallery.match(
                good.map { try! results[$0].get().embedding }, threshold: decision.threshold, fpr: decision.fpr)
            for (i, m) in zip(good, found) { matches[i] = m }
        }
        let formatter = PredictionFormatter(
            format: .jsonl, classNames: predictor.classNames, modelID: predictor.modelID,
            embeddingSize: predictor.embeddingSize, embedding: query.embedding, topK: query.topK,
            minimumConfidence: query.minimumConfidence, hasGallery: matching)
        let records = zip(images, results).enumerated().map { i, pair in
            formatter.record(pair.0.name, pair.1.mapError { $0 as Error }, matches[i])
        }
        if !form {
            if case .failure(let e) = results[0] { throw e }
            return JSONBody.response(records[0])
        }
        return JSONBody.response(records)
    }

    /// `POST /v1/verify`: parts `a` and `b`; the fields of `verify --json`.
    func verify(_ request: Request) async throws -> Response {
        let arrival = pipeline.scheduler.arrive()
        defer { arrival.leave() }
        let query = try QueryOptions(request, allowed: [.fpr, .threshold], classCount: predictor.classNames.count)
        let decision = try query.decision(predictor.predictor)
        let (images, form) = try await uploads.images(request)
        guard form, let a = images.first(where: { $0.name == "a" }), let b = images.first(where: { $0.name == "b" })
        else {
            throw APIError.badRequest("send multipart/form-data with two image parts named a and b")
        }
        let results = try await pipeline.predict([a, b], arrival: arrival)
        let first = try results[0].get()
        let second = try results[1].get()
        let similarity = cosineSimilarity(first.embedding, second.embedding)
        return JSONBody.response(
            VerificationRecord(
                first: "a", second: "b", similarity: similarity, threshold: decision.threshold, fpr: decision.fpr,
                tpr: decision.tpr, same: similarity >= decision.threshold))
    }

    /// `POST /v1/gallery/{label}`: registers the body's image (needs a token, see `Gateway`).
    func register(_ request: Request, label: String) async throws -> Response {
        let arrival = pipeline.scheduler.arrive()
        defer { arrival.leave() }
        let store = try writableGallery()
        _ = try QueryOptions(request, allowed: [], classCount: predictor.classNames.count)
        let (images, form) = try await uploads.images(request)
        guard !form, let image = images.first else {
            throw APIError.badRequest("send the template as a bare image/png or image/jpeg body")
        }
        let prediction = try await pipeline.predict([image], arrival: arrival)[0].get()
        let near =
            predictor.predictor.thresholds.isEmpty
            ? Float(0.9) : Float((try? predictor.predictor.threshold(atFPR: 1e-4).threshold) ?? 0.9)
        let r = try store.register(label: label, prediction: prediction, nearDuplicate: near)
        return JSONBody.response(
            RegistrationAnswer(
                label: r.label, class: prediction.label, duplicateOf: r.duplicateOf, similarity: r.similarity,
                exactDuplicate: r.exactDuplicate, gallerySize: try store.count()),
            status: .created)
    }

    /// `DELETE /v1/gallery/{label}`.
    func remove(_ request: Request, label: String) async throws -> Response {
        let store = try writableGallery()
        _ = try QueryOptions(request, allowed: [], classCount: predictor.classNames.count)
        guard try store.remove(label: label) else {
            throw APIError(status: .notFound, message: "no template labelled '\(label)' in the gallery")
        }
        return JSONBody.response(RemovalAnswer(removed: label, gallerySize: try store.count()))
    }

    private func writableGallery() throws -> GalleryStore {
        guard let gallery else {
            throw APIError(status: .notFound, message: "this server has no gallery: start it with --gallery FILE")
        }
        guard galleryWritable else {
            throw APIError(
                status: .forbidden,
                message: "the gallery is read-only over HTTP: start the server with --token-file to change it")
        }
        return gallery
    }

    /// `GET /v1/model`.
    func model() throws -> Response {
        JSONBody.response(
            ModelAnswer(
                modelID: predictor.modelID, modelFile: URL(fileURLWithPath: predictor.modelPath).lastPathComponent,
                classes: predictor.classNames, inputWidth: predictor.inputWidth, inputHeight: predictor.inputHeight,
                embeddingSize: predictor.embeddingSize, thresholds: predictor.thresholds,
                maxBatch: settings.maxBatch, maxDelayMilliseconds: settings.maxDelayMilliseconds,
                maxQueue: settings.maxQueue, gallerySize: try gallery?.count(), galleryWritable: galleryWritable))
    }

    /// A gallery label from the path: percent-decoded, 1 to 256 characters, no control characters.
    static func label(_ raw: String?) throws -> String {
        guard let raw, let label = raw.removingPercentEncoding, (1...256).contains(label.count),
            !label.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) })
        else {
            throw APIError.badRequest("a gallery label is 1 to 256 characters without control characters")
        }
        return label
    }
}
