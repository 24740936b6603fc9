import ClassifyEmbed
import Engine
import Evaluation
import Foundation
import Imaging
import Model
import TestSupport
import XCTest

final class ExplainAndTTATests: XCTestCase {
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "explain")
    }

    override func tearDown() {
        tmp = nil
    }

    func testGradCAMMapsAndOverlays() throws {
        let predictor = try Predictor(modelPath: try PredictorTests.modelFile(in: tmp).path)
        let files = ImageInputs.images(under: try PredictorTests.images(in: tmp, count: 2, seed: 5)).map(
            ImageSource.file)
        let cam = try GradCAM(predictor: predictor)
        let map = try cam.classification(files[0])
        XCTAssertEqual(map.width * map.height, 4, "64-pixel input → a 2×2 feature grid")
        XCTAssertTrue(map.values.allSatisfy { (0...1).contains($0) })
        XCTAssertEqual(map.values.max()!, 1, accuracy: 1e-6, "scaled so the strongest cell is 1")
        let screen = try cam.classification(files[0], className: "screen")
        XCTAssertTrue(screen.explains.contains("screen"))
        XCTAssertThrowsError(try cam.classification(files[0], className: "cat")) {
            XCTAssertTrue("\($0)".contains("document, not_a_document, screen"))
        }
        // Against itself the similarity is 1 and its gradient vanishes: nothing to highlight.
        let same = try cam.embedding(files[0], reference: files[0])
        XCTAssertTrue(same.explains.contains("similarity 1.0000"), same.explains)
        XCTAssertEqual(same.values.max()!, 0, accuracy: 1e-6)
        let other = try cam.embedding(files[0], reference: files[1])
        XCTAssertEqual(other.values.max()!, 1, accuracy: 1e-6)
        let png = try GradCAM.overlay(map, on: files[0])
        let decoded = try ImageDecoder().decode([UInt8](png), file: "cam.png")
        let original = try ImageDecoder().decode(files[0])
        XCTAssertGreaterThan(decoded.width, original.width, "the colour bar's panel is appended on the right")
        XCTAssertEqual(decoded.height, max(original.height, 60))
        XCTAssertNotEqual(decoded.pixels, original.pixels)
        // The bar runs from the map's 1 (red, top) to its 0 (blue, bottom), beside the image.
        let bar = original.width + 12
        let (r0, _, b0) = decoded.pixel(bar, 9)
        let (r1, _, b1) = decoded.pixel(bar, decoded.height - 10)
        XCTAssertGreaterThan(Int(r0), Int(b0) + 100, "top of the bar is red")
        XCTAssertGreaterThan(Int(b1), Int(r1) + 100, "bottom of the bar is blue")
    }

    func testTTAViewsAndAveraging() throws {
        var image = RGBImage(width: 5, height: 4)
        for i in image.pixels.indices { image.pixels[i] = UInt8(i * 3 % 256) }
        XCTAssertEqual(TTAView.horizontalFlip.apply(TTAView.horizontalFlip.apply(image)), image)
        XCTAssertTrue(TTAView.horizontalFlip.apply(image).pixel(0, 0) == image.pixel(4, 0))
        let crop = TTAView.crop(scale: 0.6, dx: 0, dy: 0).apply(image)
        XCTAssertEqual([crop.width, crop.height], [3, 2])
        XCTAssertTrue(crop.pixel(0, 0) == image.pixel(1, 1))
        let flat = RGBImage(width: 6, height: 6, fill: (90, 90, 90))
        XCTAssertEqual(TTAView.blur.apply(flat), flat, "blurring a flat image changes nothing")

        let predictor = try Predictor(modelPath: try PredictorTests.modelFile(in: tmp).path)
        let files = ImageInputs.images(under: try PredictorTests.images(in: tmp, count: 2, seed: 6))
        let images = try files.map { try ImageDecoder().decode(contentsOf: $0) }
        let plain = predictor.predict(images)
        let identity = predictor.predict(
            images, tta: TTASettings(classification: [(.identity, 1)], embedding: [(.identity, 2)]))
        for (a, b) in zip(plain, identity) {
            for (x, y) in zip(a.probabilities, b.probabilities) { XCTAssertEqual(x, y, accuracy: 1e-6) }
            for (x, y) in zip(a.embedding, b.embedding) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        }
        let tta = predictor.predict(images, tta: .standard)
        let flipped = predictor.predict(images.map(TTAView.horizontalFlip.apply))
        let blurred = predictor.predict(images.map(TTAView.blur.apply))
        for i in images.indices {
            for k in 0..<3 {
                let expected =
                    0.5 * plain[i].probabilities[k] + 0.3 * flipped[i].probabilities[k] + 0.2
                    * blurred[i].probabilities[k]
                XCTAssertEqual(tta[i].probabilities[k], expected, accuracy: 1e-5)
            }
            XCTAssertEqual(tta[i].embedding.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4, "re-normalised")
        }
    }

    func testReportHTMLHasEveryFigure() throws {
        var rng = SeededGenerator(seed: 2)
        let n = 40
        let d = 8
        var vectors = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for k in 0..<d { vectors[i * d + k] = (k == i % 2 ? 3 : 0) + rng.normal() * 0.1 } }
        let identities = (0..<n).map { $0 % 4 }
        let v = try vectors.withUnsafeBufferPointer {
            try PairVerification(embeddings: $0.baseAddress!, count: n, dimension: d, identities: identities)
        }
        var report = EvaluationReport(model: "m", split: "s", images: n)
        report.verification = VerificationReport(v)
        report.classification = try ClassificationEvaluation(
            logits: (0..<n).map { [Float]($0 % 2 == 0 ? [2, 0, 0] : [0, 2, 0]) },
            truth: (0..<n).map { $0 % 3 }, classNames: ["a", "b", "c"], binary: false)
        let sample = EmbeddingSample(
            vectors: vectors, dimension: d, classes: (0..<n).map { $0 % 2 == 0 ? "a" : "b" },
            identities: identities.map(String.init))
        let html = HTMLReport.render(report, tta: report, sample: sample)
        for needle in [
            "Confusion matrix", "One-vs-rest ROC", "Verification ROC, log FPR", "Accuracy and F1 vs threshold",
            "Similarity of positive and negative pairs", "PCA, coloured by class", "t-SNE, coloured by identity",
            "(TTA)",
        ] {
            XCTAssertTrue(html.contains(needle), needle)
        }
        XCTAssertFalse(html.contains("<script"), "self-contained and static")
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2 * 6 + 4)
        // Two well separated groups stay separated in both projections.
        for projection in [
            Projection.pca(vectors, count: n, dimension: d),
            Projection.tsne(vectors, count: n, dimension: d, iterations: 300),
        ] {
            let a = projection.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            let b = projection.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            func centre(_ p: [(Double, Double)]) -> (Double, Double) {
                (p.map(\.0).reduce(0, +) / Double(p.count), p.map(\.1).reduce(0, +) / Double(p.count))
            }
            let (ca, cb) = (centre(a), centre(b))
            let right =
                a.filter { hypot($0.0 - ca.0, $0.1 - ca.1) < hypot($0.0 - cb.0, $0.1 - cb.1) }.count
                + b.filter { hypot($0.0 - cb.0, $0.1 - cb.1) < hypot($0.0 - ca.0, $0.1 - ca.1) }.count
            XCTAssertGreaterThanOrEqual(right, n - 2, "the points are nearer their own group's centre")
        }
    }
}
