import Engine
import Foundation
import Imaging
import Inference

/// Uploaded bytes to predictions: each image's size read from its header (413 beyond the per-image limit),
/// its pixels reserved in the server-wide budget (503 when they do not fit), decoded and preprocessed on the
/// request's own task, then run through the network by the batch scheduler with the other requests' images.
struct ImagePipeline: Sendable {
    let scheduler: BatchScheduler
    let budget: PixelBudget
    let preprocessing: Preprocessing
    let maxImagePixels: Int

    /// One result per image, in order: the prediction, or why that image has none (a 400 or 413). Overload
    /// (queue full, pixel budget spent, shutting down) fails the whole request with 503 instead: the client
    /// should send it again as it is.
    func predict(
        _ images: [UploadedImage], arrival: BatchScheduler.Arrival
    ) async throws -> [Result<Prediction, APIError>] {
        var prepared: [Result<[Float], APIError>] = []
        for image in images {
            let input = prepare(image)
            if case .failure(let e) = input, e.status == .serviceUnavailable {
                arrival.leave()
                throw e
            }
            prepared.append(input)
        }
        let inputs = prepared.compactMap { try? $0.get() }
        guard !inputs.isEmpty else {
            arrival.leave()
            return prepared.map { $0.map { _ in preconditionFailure("no input was prepared") } }
        }
        var predictions: [Prediction]
        do { predictions = try await scheduler.predict(inputs, arrival: arrival) } catch let refusal as SchedulerRefusal
        {
            throw APIError.unavailable(refusal.description)
        }
        predictions.reverse()
        return prepared.map { input in
            switch input {
            case .failure(let e): return .failure(e)
            case .success:
                let p = predictions.removeLast()
                guard p.probabilities.allSatisfy(\.isFinite), p.embedding.allSatisfy(\.isFinite) else {
                    return .failure(
                        APIError(
                            status: .unprocessableContent,
                            message: "non-finite output (NaN or Inf) from the model for this image"))
                }
                return .success(p)
            }
        }
    }

    /// Decoded and preprocessed `3 × H × W` floats, or the image's error.
    func prepare(_ image: UploadedImage) -> Result<[Float], APIError> {
        let decoder = ImageDecoder(maxPixels: maxImagePixels)
        let size: (width: Int, height: Int)
        do { size = try decoder.size(of: image.bytes, file: image.name) } catch {
            return .failure(.badRequest("\(error)"))
        }
        let pixels = size.width * size.height
        guard pixels <= maxImagePixels else {
            return .failure(
                APIError(
                    status: .contentTooLarge,
                    message: "\(image.name): \(size.width)×\(size.height) is more than the server's "
                        + "\(maxImagePixels) pixels per image"))
        }
        guard budget.reserve(pixels) else {
            return .failure(.unavailable("the server is decoding too many pixels at once; retry shortly"))
        }
        defer { budget.release(pixels) }
        let decoded: RGBImage
        do { decoded = try decoder.decode(image.bytes, file: image.name) } catch {
            return .failure(.badRequest("\(error)"))
        }
        var input = [Float](repeating: 0, count: 3 * preprocessing.height * preprocessing.width)
        input.withUnsafeMutableBufferPointer { preprocessing.tensor(from: decoded, into: $0.baseAddress!) }
        return .success(input)
    }
}
