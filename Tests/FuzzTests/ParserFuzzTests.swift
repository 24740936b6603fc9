import Datasets
import Engine
import Foundation
import Imaging
import Inference
import Layers
import Model
import TestSupport
import Training
import XCTest

/// Mutated inputs through every parser, in process: each case must end in a thrown error or a valid
/// result. A crash (signal) kills the test process, which fails the run. `CLASSIFY_EMBED_FUZZ_CASES` sets the
/// cases per format for a long soak (README: "What is promised under faults").
final class ParserFuzzTests: XCTestCase {
    private func seeds(_ extensions: Set<String>) throws -> [[UInt8]] {
        let folder = PackagePaths.fixture("images")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            .filter { extensions.contains(URL(fileURLWithPath: $0).pathExtension) }
            .map { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    func testImages() throws {
        let inputs = try seeds(["png", "jpg"])
        XCTAssertGreaterThan(inputs.count, 5)
        var mutator = Mutator(seed: 1)
        var decoded = 0
        let decoder = ImageDecoder(maxPixels: 4_000_000)
        for i in 0..<fuzzCases(default: 900) {
            let bytes = mutator.mutate(inputs[i % inputs.count])
            if let image = try? decoder.decode(bytes, file: "case \(i)") {
                XCTAssertEqual(image.pixels.count, image.width * image.height * 3, "case \(i)")
                decoded += 1
            }
        }
        print("fuzz images: \(decoded) of \(fuzzCases(default: 900)) mutated files still decoded")
    }

    /// A tiny model file: a mutated one must be refused or give a predictor whose outputs are finite or
    /// reported as the image's error.
    func testModelFiles() throws {
        var spec = ModelSpec()
        spec.inputSize = 32
        spec.embeddingSize = 8
        spec.classHeadHidden = 8
        let temp = try TemporaryDirectory()
        let url = temp.file("tiny.safetensors")
        try ModelFile.write(
            JointModel(spec: spec, seed: 1).namedTensors, spec: spec, preprocessing: spec.preprocessing, to: url)
        let seed = [UInt8](try Data(contentsOf: url))
        let image = RGBImage(width: 20, height: 16, fill: (200, 30, 90))
        var mutator = Mutator(seed: 2)
        var loaded = 0
        for i in 0..<fuzzCases(default: 400) {
            let bytes = mutator.mutate(seed)
            guard let file = try? SafeTensorsFile(data: Data(bytes), file: "case \(i)"),
                let model = try? ModelFile(file),
                let predictor = try? Predictor(modelFile: model)
            else { continue }
            loaded += 1
            if let p = try? predictor.predict(rgb: image.pixels, width: image.width, height: image.height) {
                XCTAssertTrue(p.probabilities.allSatisfy(\.isFinite) && p.embedding.allSatisfy(\.isFinite), "case \(i)")
            }
        }
        print("fuzz model files: \(loaded) of \(fuzzCases(default: 400)) mutated files still loaded")
    }

    func testPyTorchCheckpoints() throws {
        let inputs = try ["lcnet_050_state_zip.pth", "lcnet_050_state_legacy.pth"].map {
            [UInt8](try Data(contentsOf: PackagePaths.fixture($0)))
        }
        var mutator = Mutator(seed: 3)
        var loaded = 0
        for i in 0..<fuzzCases(default: 200) {
            if let c = try? CheckpointFile(data: Data(mutator.mutate(inputs[i % 2])), file: "case \(i)") {
                XCTAssertEqual(c.names.count, c.tensors.count, "case \(i)")
                loaded += 1
            }
        }
        print("fuzz PyTorch checkpoints: \(loaded) of \(fuzzCases(default: 200)) mutated files still loaded")
    }

    func testSplits() throws {
        let temp = try TemporaryDirectory()
        for name in ["a.png", "b.png", "c.jpg"] {
            try FileManager.default.copyItem(at: PackagePaths.fixture("images/rgb8.png"), to: temp.file(name))
        }
        try FileManager.default.createDirectory(at: temp.file("folder"), withIntermediateDirectories: true)
        let seed = "path|label|identity\na.png|document|t1\nb.png|2|t1\n# note\nc.jpg|-|t2\n\nfolder|screen|x\n"
        var mutator = Mutator(seed: 4)
        let classes = ["document", "not_a_document", "screen"]
        for i in 0..<fuzzCases(default: 250) {
            let url = try temp.write(Data(mutator.mutateText(seed)), to: "split.csv")
            if let split = try? Split(file: url, classNames: classes) {
                XCTAssertFalse(split.rows.isEmpty, "case \(i)")
                XCTAssertTrue(split.rows.allSatisfy { $0.label.map { (0..<3).contains($0) } ?? true }, "case \(i)")
            }
        }
    }

    func testConfigs() throws {
        let temp = try TemporaryDirectory()
        let configs = PackagePaths.root.appendingPathComponent("Configs")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: configs.path).sorted()
            .filter { $0.hasSuffix(".yaml") }
            .map { try String(contentsOf: configs.appendingPathComponent($0), encoding: .utf8) }
        try FileManager.default.copyItem(
            at: configs.appendingPathComponent("default.yaml"), to: temp.file("default.yaml"))
        var mutator = Mutator(seed: 5)
        for i in 0..<fuzzCases(default: 250) {
            let url = try temp.write(Data(mutator.mutateText(seeds[i % seeds.count])), to: "case.yaml")
            if let c = try? TrainConfig.load(url) {
                XCTAssertGreaterThanOrEqual(c.train.accumulation, 1, "case \(i)")
                XCTAssertTrue((32...ModelFile.maximumInputSize).contains(c.model.spec.inputSize), "case \(i)")
            }
        }
    }
}
