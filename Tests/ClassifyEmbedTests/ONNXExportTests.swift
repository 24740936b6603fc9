import ClassifyEmbed
import Foundation
import Model
import TestSupport
import XCTest

/// Exports models to ONNX and runs them in ONNX Runtime (the venv that `Tools/setup --tests` makes):
/// both outputs must equal this engine's within 1e-4, batched and one by one.
final class ONNXExportTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "export")
    }

    override func tearDown() {
        tmp = nil
    }

    func runParity(model: String, images: [URL]) throws -> String {
        let python = Self.root.appendingPathComponent(".build/onnx-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail(
                "\(python) is missing: run `Tools/setup --tests` (it installs numpy and onnxruntime into that venv)")
            return ""
        }
        let onnx = tmp.file("export-\(UUID()).onnx").path
        let summary = try ONNXExport.run(predictor: try Predictor(modelPath: model), onnx: onnx, parityImages: images)
        XCTAssertTrue(summary.contains("parity"), summary)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            Self.root.appendingPathComponent("Tools/check-onnx-parity.py").path, onnx, "--tolerance", "1e-4",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        return output
    }

    func testShippedModelMatchesONNXRuntimeOnTheSamples() throws {
        let samples = ImageInputs.images(under: Self.root.appendingPathComponent("Data/samples"))
        XCTAssertGreaterThanOrEqual(samples.count, 6)
        let output = try runParity(
            model: Self.root.appendingPathComponent("Data/models/default.safetensors").path, images: samples)
        XCTAssertTrue(output.contains("\(samples.count * 4) passed, 0 failed"), output)
    }

    func testEveryNeckExportsFaithfully() throws {
        let folder = try PredictorTests.images(in: tmp, count: 3, seed: 8)
        for (neck, norm) in [("squeeze", "bn"), ("gap", "ln+bn"), ("flatten", "none")] {
            let model = try PredictorTests.modelFile(in: tmp, seed: 4, neck: neck, norm: norm)
            let output = try runParity(model: model.path, images: ImageInputs.images(under: folder))
            XCTAssertTrue(output.contains("12 passed, 0 failed"), "\(neck)/\(norm): \(output)")
        }
    }
}
