import Engine
import Foundation
import Model
import XCTest

/// `model.init` from a timm `lcnet_050` checkpoint: both `torch.save` layouts and safetensors give the
/// backbone's tensors, timm's ImageNet head dropped unless asked for.
final class LCNetCheckpointTests: XCTestCase {
    func testBothPyTorchLayoutsGiveTheBackbone() throws {
        let reference = try CheckpointFile(contentsOf: Fixtures.parity, stateDictKey: "state")
        for url in [Fixtures.zip, Fixtures.legacy] {
            let c = try LCNetCheckpoint(contentsOf: url)
            XCTAssertEqual(c.names.count, 170, url.lastPathComponent)
            XCTAssertFalse(c.names.contains { $0.hasPrefix("conv_head.") || $0.hasPrefix("classifier.") })
            XCTAssertEqual(c.names.first, "blocks.0.0.bn1.bias")
            for name in c.names {
                XCTAssertEqual(c.tensors[name], reference.tensors[name], "\(url.lastPathComponent): \(name)")
            }
            let withHead = try LCNetCheckpoint(contentsOf: url, includeHead: true)
            XCTAssertEqual(withHead.names.count, 174)
            XCTAssertEqual(withHead.tensors["classifier.weight"]?.shape, [1000, 1280])
        }
        let safetensors = try LCNetCheckpoint(contentsOf: Fixtures.parity, stateDictKey: "state")
        XCTAssertEqual(safetensors.format, .safetensors)
        XCTAssertEqual(Set(safetensors.names), Set(try LCNetCheckpoint(contentsOf: Fixtures.zip).names))
    }

    func testDataParallelPrefixIsRemoved() throws {
        let source = try CheckpointFile(contentsOf: Fixtures.zip)
        var writer = SafeTensorsWriter()
        for name in source.names where source.tensors[name]!.dtype == .float32 {
            source.tensors[name]!.values.withUnsafeBufferPointer {
                writer.add("module." + name, shape: source.tensors[name]!.shape, values: $0)
            }
        }
        let c = try LCNetCheckpoint(CheckpointFile(data: try writer.encoded(), file: "ddp.safetensors"))
        XCTAssertEqual(c.tensors["conv_stem.weight"], source.tensors["conv_stem.weight"])
        XCTAssertNil(c.tensors["module.conv_stem.weight"])
    }

    func testAnotherModelIsRefused() throws {
        XCTAssertThrowsError(
            try LCNetCheckpoint(contentsOf: Fixtures.folder.appendingPathComponent("margin_loss.safetensors"))
        ) {
            XCTAssertTrue("\($0)".contains("not a timm lcnet_050 checkpoint"), "\($0)")
        }
        guard let teacher = Fixtures.teacherWeights() else { return }
        XCTAssertThrowsError(try LCNetCheckpoint(contentsOf: teacher)) {
            XCTAssertTrue("\($0)".contains("conv_stem.weight"), "\($0)")
        }
    }
}
