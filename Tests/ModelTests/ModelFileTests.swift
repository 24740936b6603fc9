import Engine
import Foundation
import Imaging
import Model
import XCTest

final class ModelFileTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelfile-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A model file with the given metadata (tensors do not matter to the metadata checks).
    private func file(spec: ModelSpec, preprocessing: Preprocessing, extra: [String: String] = [:]) throws -> URL {
        let url = dir.appendingPathComponent("model-\(UUID()).safetensors")
        try ModelFile.write(
            [("w", Tensor(shape: [2], values: [1, 2]))], spec: spec, preprocessing: preprocessing, extra: extra, to: url
        )
        return url
    }

    func testRoundTripAndDerivedPreprocessing() throws {
        var spec = ModelSpec()
        spec.inputSize = 96
        spec.classMode = .binary
        spec.classNames = ["document", "other"]
        spec.positiveClass = "document"
        let url = try file(spec: spec, preprocessing: spec.preprocessing)
        let read = try ModelFile(contentsOf: url)
        XCTAssertEqual(read.spec, spec)
        XCTAssertEqual(read.preprocessing.width, 96)
        XCTAssertEqual(read.preprocessing.mean, Backbones.lcnet050.mean)
        XCTAssertEqual(read.thresholds, [])
        let table = [VerificationThreshold(fprTarget: 1, tpr: 1, fpr: 1, threshold: -.infinity)]
        try ModelFile.storeThresholds(table, in: url)
        XCTAssertEqual(try ModelFile(contentsOf: url).thresholds, table, "±∞ survives as a string")
    }

    func testTheInputSizeIsStoredOnceInEffect() throws {
        var spec = ModelSpec()
        spec.inputSize = 128
        var pre = spec.preprocessing
        pre.width = 64
        let url = try file(spec: spec, preprocessing: pre)
        XCTAssertThrowsError(try ModelFile(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("differs from the model's input size 128"), "\(error)")
        }
    }

    func testOutOfRangeMetadataIsRefusedBeforeAnythingIsAllocated() throws {
        var spec = ModelSpec()
        spec.inputSize = 100_000
        var pre = spec.preprocessing
        pre.width = 100_000
        pre.height = 100_000
        XCTAssertThrowsError(try ModelFile(contentsOf: try file(spec: spec, preprocessing: pre))) { error in
            XCTAssertTrue("\(error)".contains("model_spec.inputSize"), "\(error)")
        }
        spec = ModelSpec()
        pre = spec.preprocessing
        pre.mean = [0.5]
        XCTAssertThrowsError(try ModelFile(contentsOf: try file(spec: spec, preprocessing: pre))) { error in
            XCTAssertTrue("\(error)".contains("mean and std need three"), "\(error)")
        }
        pre = spec.preprocessing
        pre.resize = "nearest"
        XCTAssertThrowsError(try ModelFile(contentsOf: try file(spec: spec, preprocessing: pre))) { error in
            XCTAssertTrue("\(error)".contains("preprocessing.resize"), "\(error)")
        }
        spec.backbone = "resnet50"
        XCTAssertThrowsError(try ModelFile(contentsOf: try file(spec: spec, preprocessing: spec.preprocessing)))
    }

    func testAFileWithoutTheFormatKeyIsNotAModel() throws {
        let url = dir.appendingPathComponent("plain.safetensors")
        var writer = SafeTensorsWriter()
        writer.add("w", Tensor(shape: [1], values: [0]))
        try writer.write(to: url)
        XCTAssertThrowsError(try ModelFile(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("not a ClassifyEmbed model"), "\(error)")
        }
    }

    func testTheRegistryKnowsItsArchitectures() {
        XCTAssertEqual(Backbones.named("lcnet_050")?.featureChannels, 256)
        XCTAssertNil(Backbones.named("lcnet_100"))
        let blocks = LCNet050.namedBlocks
        XCTAssertEqual(blocks.count, 13)
        XCTAssertEqual(blocks.last?.name, "blocks.5.1")
        XCTAssertEqual(blocks.last?.inChannels, 256)
    }
}
