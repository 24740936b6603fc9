import Engine
import Foundation
import Imaging
import Inference
import Serving
import TestSupport
import XCTest

/// Dynamic batching: images of concurrent requests share forward passes and get exactly the predictions
/// they would get alone; a full queue refuses with 503 and the server goes on.
final class BatchingTests: XCTestCase {
    /// Preprocessed inputs of the sample images, as the server prepares them.
    func inputs(_ predictor: Predictor) throws -> [[Float]] {
        try sampleImages.map { url in
            let image = try ImageDecoder().decode(contentsOf: url)
            var x = [Float](repeating: 0, count: 3 * predictor.preprocessing.height * predictor.preprocessing.width)
            x.withUnsafeMutableBufferPointer { predictor.preprocessing.tensor(from: image, into: $0.baseAddress!) }
            return x
        }
    }

    func testBatchedPredictionsAreBitIdenticalToOneByOne() async throws {
        let running = try await RunningServer.start { $0.maxBatch = 64 }
        let predictor = try Predictor(modelPath: PackagePaths.shippedModel.path)
        let xs = try inputs(predictor)
        let alone = xs.map { x -> Prediction in
            let t = Tensor(shape: [1, 3, predictor.preprocessing.height, predictor.preprocessing.width])
            x.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress!, count: x.count) }
            return predictor.predict(tensor: t)[0]
        }
        let scheduler = running.server.scheduler
        scheduler.hold(true)
        let together = try await withThrowingTaskGroup(of: (Int, Prediction).self) { group in
            for (i, x) in xs.enumerated() {
                group.addTask { (i, try await scheduler.predict([x], arrival: scheduler.arrive())[0]) }
            }
            while scheduler.waitingImages < xs.count { try await Task.sleep(for: .milliseconds(2)) }
            scheduler.hold(false)
            var out = [Prediction?](repeating: nil, count: xs.count)
            for try await (i, p) in group { out[i] = p }
            return out.map { $0! }
        }
        XCTAssertEqual(together.count, alone.count)
        for (a, b) in zip(together, alone) {
            XCTAssertEqual(a, b, "a batched prediction differs from the same image alone")
        }
        // The twelve ran as one batch of twelve.
        let metrics = try await running.client.get("/metrics").text
        XCTAssertTrue(metrics.contains("classify_embed_batch_size_images_bucket{le=\"8.0\"} 0"), metrics)
        XCTAssertTrue(metrics.contains("classify_embed_batch_size_images_count 1"), metrics)
        try await running.stop()
    }

    func testFullQueueAnswers503WithRetryAfterAndServingGoesOn() async throws {
        let running = try await RunningServer.start { $0.maxQueue = 2 }
        let scheduler = running.server.scheduler
        let image = sampleImages[0]
        scheduler.hold(true)
        let client = running.client
        let first = Task { try await client.postImage("/v1/predict", image) }
        let second = Task { try await client.postImage("/v1/predict", image) }
        while scheduler.waitingImages < 2 { try await Task.sleep(for: .milliseconds(2)) }
        let refused = try await client.postImage("/v1/predict", image)
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertEqual(refused.headers["retry-after"], "1")
        XCTAssertTrue(try refused.object()["error"] as? String ?? "" != "", refused.text)
        scheduler.hold(false)
        let a = try await first.value
        let b = try await second.value
        XCTAssertEqual(a.status, 200, a.text)
        XCTAssertEqual(b.status, 200, b.text)
        let after = try await client.postImage("/v1/predict", image)
        XCTAssertEqual(after.status, 200, after.text)
        let metrics = try await client.get("/metrics").text
        XCTAssertTrue(
            metrics.contains("classify_embed_requests_total{endpoint=\"/v1/predict\",status=\"503\"} 1"), metrics)
        try await running.stop()
    }

    /// A burst of concurrent requests: every one answered 200 with the class the image has alone, and the
    /// scheduler ran fewer forward passes than there were requests.
    func testConcurrentRequestsShareForwardPasses() async throws {
        let running = try await RunningServer.start { $0.maxDelayMilliseconds = 20 }
        let client = running.client
        let images = sampleImages
        let expected = try images.map { try running.predictor.predict(contentsOf: $0).label }
        let labels = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
            for i in 0..<48 {
                group.addTask {
                    let answer = try await client.postImage("/v1/predict?embedding=none", images[i % images.count])
                    return (i, answer.status, try answer.object()["class"] as? String ?? "")
                }
            }
            var out: [(Int, Int, String)] = []
            for try await r in group { out.append(r) }
            return out
        }
        for (i, status, label) in labels {
            XCTAssertEqual(status, 200)
            XCTAssertEqual(label, expected[i % images.count])
        }
        let metrics = try await client.get("/metrics").text
        let passes = metrics.split(separator: "\n").first { $0.hasPrefix("classify_embed_batch_size_images_count") }
        let count = passes.flatMap { Int($0.split(separator: " ").last!) } ?? 0
        XCTAssertGreaterThan(count, 0, metrics)
        XCTAssertLessThan(count, 48, "no two requests shared a forward pass")
        try await running.stop()
    }
}
