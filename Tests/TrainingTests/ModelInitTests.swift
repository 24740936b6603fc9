import Engine
import Foundation
import Imaging
import Layers
import Model
import TestSupport
import Training
import XCTest

/// `model.init`: a timm checkpoint (safetensors, zip and legacy `.pth`), a distilled backbone or a model
/// file starts the model; anything else is a clear error; the config resolves the path against its file.
final class ModelInitTests: XCTestCase {
    private var spec: ModelSpec {
        var s = ModelSpec()
        s.inputSize = 64
        s.embeddingSize = 16
        s.classHeadHidden = 16
        return s
    }

    /// Both `torch.save` layouts give exactly the backbone of the safetensors fixture (`state.*`).
    func testTimmCheckpointsInBothLayoutsGiveTheFixtureBackbone() throws {
        let reference = try CheckpointFile(
            contentsOf: PackagePaths.fixture("lcnet050_parity.safetensors"), stateDictKey: "state")
        for name in ["lcnet_050_state_zip.pth", "lcnet_050_state_legacy.pth"] {
            let url = PackagePaths.fixture(name)
            let model = JointModel(spec: spec, seed: 3)
            let headBefore = model.classifier.parameters.map { Array($0.value.buffer) }
            let record = try ModelInit.apply(url, to: model)
            XCTAssertEqual(record.kind, .timmCheckpoint, name)
            XCTAssertEqual(record.sha256, try SHA256.hex(contentsOf: url))
            XCTAssertEqual(record.bytes, try Data(contentsOf: url).count)
            let backbone = StateDict.tensors(of: model.backbone)
            XCTAssertEqual(record.tensors, backbone.count)
            for (tensorName, tensor) in backbone {
                let expected = try XCTUnwrap(reference.tensors[tensorName], tensorName).values
                XCTAssertEqual(Array(tensor.buffer), expected, "\(name): \(tensorName)")
            }
            XCTAssertEqual(
                model.classifier.parameters.map { Array($0.value.buffer) }, headBefore, "the heads are left alone")
        }
    }

    /// A backbone written by `distill` is recognised as such and its own provenance is kept.
    func testDistilledBackboneAndModelFile() throws {
        let folder = try TemporaryDirectory()
        let source = JointModel(spec: spec, seed: 11)
        let backboneURL = folder.file("backbone.safetensors")
        try BackboneFile.write(
            StateDict.tensors(of: source.backbone), provenance: #"{"teacher":"t"}"#, to: backboneURL)
        let target = JointModel(spec: spec, seed: 12)
        let record = try ModelInit.apply(backboneURL, to: target)
        XCTAssertEqual(record.kind, .distilledBackbone)
        XCTAssertEqual((record.json["provenance"] as? [String: Any])?["teacher"] as? String, "t")
        for (a, b) in zip(StateDict.tensors(of: source.backbone), StateDict.tensors(of: target.backbone)) {
            XCTAssertEqual(Array(a.tensor.buffer), Array(b.tensor.buffer), a.name)
        }

        let modelURL = folder.file("model.safetensors")
        try ModelFile.write(source.namedTensors, spec: spec, preprocessing: spec.preprocessing, to: modelURL)
        let whole = JointModel(spec: spec, seed: 13)
        XCTAssertEqual(try ModelInit.apply(modelURL, to: whole).kind, .modelFile)
        for (a, b) in zip(source.namedTensors, whole.namedTensors) {
            XCTAssertEqual(Array(a.tensor.buffer), Array(b.tensor.buffer), a.name)
        }

        var other = spec
        other.embeddingSize = 32
        XCTAssertThrowsError(try ModelInit.apply(modelURL, to: JointModel(spec: other))) {
            XCTAssertTrue("\($0)".contains("neck.fc1.weight"), "names the tensor that does not fit: \($0)")
        }
    }

    func testAWrongFileIsAClearError() throws {
        let cases: [(URL, String)] = [
            (PackagePaths.fixture("margin_loss.safetensors"), "not a timm lcnet_050 checkpoint"),
            (PackagePaths.fixture("metrics_golden.json"), "begins with bytes"),
            (PackagePaths.fixture("no-such-file.pth"), "no such file"),
        ]
        for (url, words) in cases {
            let model = JointModel(spec: spec)
            XCTAssertThrowsError(try ModelInit.apply(url, to: model)) {
                let text = "\($0)"
                XCTAssertTrue(text.hasPrefix("model.init: \(url.path): "), text)
                XCTAssertTrue(text.contains(words), text)
                XCTAssertTrue(text.contains("takes a ClassifyEmbed model file"), text)
            }
        }
    }

    /// A relative `model.init` is resolved against the folder of the config that names it, through
    /// `extends` too; `pretrained` is refused with a pointer to `init`.
    func testConfigResolvesInitAgainstItsFile() throws {
        let folder = try TemporaryDirectory()
        try folder.write("model:\n  init: weights/lcnet.pth\n", to: "base/base.yaml")
        let child = try folder.write("extends: ../base/base.yaml\ntrain:\n  epochs: 2\n", to: "runs/child.yaml")
        let loaded = try TrainConfig.load(child)
        XCTAssertEqual(
            loaded.model.initPath, folder.url.appendingPathComponent("base/weights/lcnet.pth").standardizedFileURL.path)
        let own = try folder.write("model:\n  init: ../lcnet.pth\n", to: "runs/own.yaml")
        XCTAssertEqual(
            try TrainConfig.load(own).model.initPath,
            folder.url.appendingPathComponent("lcnet.pth").standardizedFileURL.path)
        let old = try folder.write("model:\n  pretrained: lcnet.safetensors\n", to: "old.yaml")
        XCTAssertThrowsError(try TrainConfig.load(old)) {
            XCTAssertTrue("\($0)".contains("model.pretrained"), "\($0)")
            XCTAssertTrue("\($0)".contains("replaced by 'model.init'"), "\($0)")
        }
    }
}
