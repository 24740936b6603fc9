import ClassifyEmbed
import Foundation
import Inference
import Serving
import TestSupport
import XCTest

/// Round trips through every endpoint of a server on an ephemeral port.
final class EndpointTests: XCTestCase {
    func testPredictAnswersWhatTheCLIWritesForABodyAndForAForm() async throws {
        let running = try await RunningServer.start()
        let client = running.client
        let image = sampleImages.first { $0.lastPathComponent.hasPrefix("screen") }!
        let alone = try running.predictor.predict(contentsOf: image)
        let one = try await client.postImage("/v1/predict?embedding=full&top_k=2", image)
        XCTAssertEqual(one.status, 200, one.text)
        XCTAssertEqual(one.headers["content-type"], "application/json")
        // The same bytes as the CLI's `--format jsonl` record (keys sorted), so the same floats, bit for bit.
        let formatter = PredictionFormatter(
            format: .jsonl, classNames: running.predictor.classNames, modelID: running.predictor.modelID,
            embeddingSize: running.predictor.embeddingSize, embedding: .full, topK: 2, minimumConfidence: nil,
            hasGallery: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(formatter.record("image", .success(alone), nil))
        XCTAssertEqual(one.text, String(decoding: expected, as: UTF8.self))

        let data = try Data(contentsOf: image)
        let form = try await client.postForm(
            "/v1/predict?embedding=none", [("front", data, "image/jpeg"), ("broken", Data("nope".utf8), "image/jpeg")])
        XCTAssertEqual(form.status, 200, form.text)
        let records = try XCTUnwrap(try form.json() as? [[String: Any]])
        XCTAssertEqual(records.map { $0["file"] as? String }, ["front", "broken"])
        XCTAssertEqual(records[0]["class"] as? String, alone.label)
        XCTAssertEqual(records[0]["ok"] as? Bool, true)
        XCTAssertNil(records[0]["embedding"])
        XCTAssertEqual(records[0]["embedding_size"] as? Int, 256)
        XCTAssertEqual(records[1]["ok"] as? Bool, false)
        XCTAssertNotNil(records[1]["error"] as? String)
        try await running.stop()
    }

    func testVerifyModelHealthAndMetrics() async throws {
        let running = try await RunningServer.start()
        let client = running.client
        let a = try Data(contentsOf: sampleImages[0])
        let b = try Data(contentsOf: sampleImages[1])
        let same = try await client.postForm("/v1/verify", [("a", a, "image/jpeg"), ("b", a, "image/jpeg")])
        XCTAssertEqual(same.status, 200, same.text)
        let s = try same.object()
        XCTAssertEqual(s["same"] as? Bool, true)
        XCTAssertEqual(try XCTUnwrap(s["similarity"] as? Double), 1, accuracy: 1e-5)
        XCTAssertEqual(s["fpr"] as? Double, 0.01)
        let pair = try await client.postForm(
            "/v1/verify?threshold=0.99", [("a", a, "image/jpeg"), ("b", b, "image/jpeg")])
        let p = try pair.object()
        XCTAssertEqual(p["threshold"] as? Double, 0.99)
        XCTAssertNil(p["fpr"])
        let ea = try running.predictor.predict(contentsOf: sampleImages[0]).embedding
        let eb = try running.predictor.predict(contentsOf: sampleImages[1]).embedding
        XCTAssertEqual(try XCTUnwrap(p["similarity"] as? Double), Double(cosineSimilarity(ea, eb)), accuracy: 1e-6)
        let missing = try await client.postForm("/v1/verify", [("a", a, "image/jpeg")])
        XCTAssertEqual(missing.status, 400, missing.text)

        let model = try await client.get("/v1/model").object()
        XCTAssertEqual(model["model_id"] as? String, running.predictor.modelID)
        XCTAssertEqual(model["classes"] as? [String], running.predictor.classNames)
        XCTAssertEqual(model["input_width"] as? Int, 128)
        XCTAssertEqual((model["thresholds"] as? [Any])?.count, running.predictor.thresholds.count)
        let health = try await client.get("/healthz")
        XCTAssertEqual(try health.object()["status"] as? String, "ok")
        let metrics = try await client.get("/metrics")
        XCTAssertTrue(metrics.headers["content-type"]?.hasPrefix("text/plain") ?? false)
        for name in [
            "classify_embed_requests_total{endpoint=\"/v1/verify\",status=\"200\"} 2",
            "classify_embed_request_duration_seconds_bucket", "classify_embed_batch_size_images_bucket",
            "classify_embed_queue_images 0",
        ] {
            XCTAssertTrue(metrics.text.contains(name), "\(name) missing from\n\(metrics.text)")
        }
        try await running.stop()
    }

    func testMalformedRequestsAre4xxAndTheServerGoesOn() async throws {
        let running = try await RunningServer.start { $0.maxBodyBytes = 64 << 10 }
        let client = running.client
        let jpeg = try Data(contentsOf: sampleImages[0])
        let cases: [(String, Data?, String?, Int)] = [
            ("/v1/predict", Data("not an image".utf8), "image/jpeg", 400),
            ("/v1/predict", jpeg.prefix(jpeg.count / 3), "image/jpeg", 400),
            ("/v1/predict", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]), "image/png", 400),
            ("/v1/predict", Data(), "image/jpeg", 400),
            ("/v1/predict", jpeg, "text/plain", 415),
            ("/v1/predict", jpeg, nil, 415),
            ("/v1/predict", Data(count: 65 << 10), "image/jpeg", 413),
            ("/v1/predict?top_k=9", jpeg, "image/jpeg", 400),
            ("/v1/predict?embeding=none", jpeg, "image/jpeg", 400),
            ("/v1/predict", Data("--x\r\nbroken".utf8), "multipart/form-data; boundary=x", 400),
            ("/v1/predict", jpeg, "multipart/form-data", 400),
            ("/v1/match", jpeg, "image/jpeg", 404),
            ("/v1/nothing", jpeg, "image/jpeg", 404),
        ]
        for (path, body, type, status) in cases {
            let answer = try await client.send("POST", path, body: body, contentType: type)
            XCTAssertEqual(answer.status, status, "\(path) \(type ?? "no type"): \(answer.text)")
            XCTAssertNotNil(try? answer.object()["error"] as? String, answer.text)
            let fine = try await client.postImage("/v1/predict", sampleImages[0])
            XCTAssertEqual(fine.status, 200, "the server stopped serving after \(path) \(type ?? "")")
        }
        try await running.stop()
    }

    func testAnImageAboveThePixelLimitIs413BeforeDecoding() async throws {
        let running = try await RunningServer.start {
            $0.maxImagePixels = 1000
            $0.maxPixelsInFlight = 1000
        }
        let huge = try await running.client.postImage("/v1/predict", sampleImages[0])
        XCTAssertEqual(huge.status, 413, huge.text)
        XCTAssertTrue(huge.text.contains("1000 pixels"), huge.text)
        try await running.stop()
    }
}
