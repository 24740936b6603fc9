import Foundation
import Inference
import Serving
import TestSupport
import XCTest

/// The bearer token, the gallery's read-only mode without one, and the token file's checks.
final class SecurityTests: XCTestCase {
    let token = "s3cret-token-for-tests-0123456789"

    func galleryFile() throws -> (TemporaryDirectory, String) {
        let folder = try TemporaryDirectory()
        return (folder, folder.file("gallery.sqlite").path)
    }

    func testEveryRequestNeedsTheTokenAndTheGalleryCanThenChange() async throws {
        let (folder, gallery) = try galleryFile()
        defer { folder.remove() }
        let running = try await RunningServer.start {
            $0.token = self.token
            $0.galleryPath = gallery
        }
        let client = running.client
        for path in ["/healthz", "/v1/model", "/metrics"] {
            let denied = try await client.send("GET", path, token: .some(nil))
            XCTAssertEqual(denied.status, 401, path)
            XCTAssertEqual(denied.headers["www-authenticate"], "Bearer")
            let wrong = try await client.send("GET", path, token: "s3cret-token-for-tests-012345678X")
            XCTAssertEqual(wrong.status, 401, path)
            let allowed = try await client.get(path)
            XCTAssertEqual(allowed.status, 200, path)
        }
        let image = sampleImages[0]
        let bytes = try Data(contentsOf: image)
        let unauthorised = try await client.send(
            "POST", "/v1/gallery/form-a", body: bytes, contentType: "image/jpeg", token: .some(nil))
        XCTAssertEqual(unauthorised.status, 401)
        let added = try await client.postImage("/v1/gallery/form%20a", image)
        XCTAssertEqual(added.status, 201, added.text)
        XCTAssertEqual(try added.object()["label"] as? String, "form a")
        XCTAssertEqual(try added.object()["gallery_size"] as? Int, 1)
        let match = try await client.postImage("/v1/match", image)
        XCTAssertEqual(match.status, 200, match.text)
        let found = try XCTUnwrap(try match.object()["match"] as? [String: Any])
        XCTAssertEqual(found["label"] as? String, "form a")
        XCTAssertEqual(found["matched"] as? Bool, true)
        XCTAssertNil(try match.object()["embedding"], "match leaves the embedding out unless asked")
        let removed = try await client.send("DELETE", "/v1/gallery/form%20a")
        XCTAssertEqual(removed.status, 200, removed.text)
        let again = try await client.send("DELETE", "/v1/gallery/form%20a")
        XCTAssertEqual(again.status, 404, again.text)
        let empty = try await client.postImage("/v1/match", image)
        XCTAssertNil(try empty.object()["match"], empty.text)
        try await running.stop()
    }

    func testWithoutATokenTheGalleryIsReadOnly() async throws {
        let (folder, gallery) = try galleryFile()
        defer { folder.remove() }
        // A gallery made beforehand (as `classify-and-embed register` makes it).
        let predictor = try Predictor(modelPath: PackagePaths.shippedModel.path)
        let store = try Gallery(path: gallery, predictor: predictor, create: true)
        let template = try predictor.predict(contentsOf: sampleImages[2])
        _ = try store.register([("kept", sampleImages[2].path, template)], nearDuplicate: 0.99)
        let running = try await RunningServer.start { $0.galleryPath = gallery }
        let client = running.client
        let add = try await client.postImage("/v1/gallery/new", sampleImages[0])
        XCTAssertEqual(add.status, 403, add.text)
        let delete = try await client.send("DELETE", "/v1/gallery/kept")
        XCTAssertEqual(delete.status, 403)
        let match = try await client.postImage("/v1/match?threshold=0.5", sampleImages[2])
        XCTAssertEqual(try (match.object()["match"] as? [String: Any])?["label"] as? String, "kept")
        // A template registered by the CLI while the server runs is matched without a restart.
        let later = try predictor.predict(contentsOf: sampleImages[5])
        _ = try Gallery(path: gallery, predictor: predictor, create: false)
            .register([("later", sampleImages[5].path, later)], nearDuplicate: 0.99)
        let second = try await client.postImage("/v1/match?threshold=0.5", sampleImages[5])
        XCTAssertEqual(try (second.object()["match"] as? [String: Any])?["label"] as? String, "later")
        try await running.stop()
    }

    func testTokenComparisonAndTokenFile() throws {
        let bearer = BearerToken(token)
        XCTAssertTrue(bearer.accepts("Bearer \(token)"))
        XCTAssertTrue(bearer.accepts("bearer \(token)"))
        XCTAssertFalse(bearer.accepts("Bearer \(token)x"))
        XCTAssertFalse(bearer.accepts("Bearer \(token.dropLast())"))
        XCTAssertFalse(bearer.accepts("Basic \(token)"))
        XCTAssertFalse(bearer.accepts(nil))
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = try folder.write("\(token)\n", to: "token")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        XCTAssertThrowsError(try ServerSettings.token(fromFile: file.path)) {
            XCTAssertTrue("\($0)".contains("chmod 600"), "\($0)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        XCTAssertEqual(try ServerSettings.token(fromFile: file.path), token)
        let short = try folder.write("short\n", to: "short")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: short.path)
        XCTAssertThrowsError(try ServerSettings.token(fromFile: short.path)) {
            XCTAssertTrue("\($0)".contains("at least 16"), "\($0)")
        }
        XCTAssertThrowsError(try ServerSettings.token(fromFile: folder.file("missing").path))
    }

    func testSettingsOutOfRangeNameTheirOption() {
        let cases: [(String, (inout ServerSettings) -> Void)] = [
            ("--port", { $0.port = 70000 }), ("--max-batch", { $0.maxBatch = 0 }),
            ("--max-delay-ms", { $0.maxDelayMilliseconds = .nan }), ("--max-queue", { $0.maxQueue = 0 }),
            ("--max-pixels-in-flight", { $0.maxPixelsInFlight = 10 }),
            ("--read-timeout", { $0.readTimeoutSeconds = 0 }),
            ("--host", { $0.host = "" }),
        ]
        for (option, change) in cases {
            var s = ServerSettings()
            change(&s)
            XCTAssertThrowsError(try s.validate(), option) { XCTAssertTrue("\($0)".contains(option), "\($0)") }
        }
        XCTAssertNoThrow(try ServerSettings().validate())
    }
}
