import Foundation
import Model
import XCTest

/// Damaged and hostile PyTorch files, made by patching the fixtures' bytes: each must be a thrown
/// `CheckpointError` that names the file and the problem, never a crash or a silently wrong tensor.
final class MalformedCheckpointTests: XCTestCase {
    private var zip: Data { try! Data(contentsOf: Fixtures.zip) }
    private var legacy: Data { try! Data(contentsOf: Fixtures.legacy) }

    /// Offset of the state dict pickle's first GLOBAL (`collections OrderedDict`).
    private func firstGlobal(_ d: Data) -> Int { d.offset(of: Array("ccollections\nOrderedDict\n".utf8))! }

    func testTruncatedFilesAreErrors() {
        for (name, data) in [("zip.pth", zip), ("legacy.pth", legacy)] {
            let pickleStart = firstGlobal(data)
            for cut in [0, 1, 5, 14, 100, pickleStart + 60, 30_000, data.count / 2, data.count - 100, data.count - 1] {
                let e = loadError(data.prefix(cut), name)
                if cut > 0, let e { XCTAssertFalse("\(e)".isEmpty) }
            }
        }
        // The legacy reader reads to the end: a cut inside the last storage is reported as truncation.
        guard case .truncated? = loadError(legacy.prefix(legacy.count - 1), "legacy.pth") else {
            return XCTFail("a cut inside the last storage is a truncation")
        }
        guard case .truncated? = loadError(legacy.prefix(firstGlobal(legacy) + 60), "legacy.pth") else {
            return XCTFail("a cut inside the state dict pickle is a truncation")
        }
        guard case .malformedArchive(_, let reason)? = loadError(zip.prefix(zip.count - 100), "zip.pth") else {
            return XCTFail("a zip without its end record")
        }
        XCTAssertTrue(reason.contains("end-of-central-directory"), reason)
    }

    func testUnknownOpcodeIsRefusedWithItsOffset() {
        for (name, data) in [("zip.pth", zip), ("legacy.pth", legacy)] {
            let at = firstGlobal(data)
            // 'i' (INST) is a real pickle opcode that builds arbitrary objects; it is not in the subset.
            guard case .unsupportedOpcode(_, let offset, let op)? = loadError(data.patched(at: at, [0x69]), name)
            else { return XCTFail("\(name): INST must be refused") }
            XCTAssertEqual(offset, at)
            XCTAssertEqual(op, 0x69)
            guard case .unsupportedOpcode? = loadError(data.patched(at: at, [0xFF]), name) else {
                return XCTFail("\(name): 0xff is not an opcode")
            }
        }
    }

    func testDisallowedGlobalIsRefused() {
        for (name, data) in [("zip.pth", zip), ("legacy.pth", legacy)] {
            let at = firstGlobal(data)
            // Same length as "collections\nOrderedDict\n"; what follows is never reached.
            let hostile = Array("cos\nsystem\n".utf8) + Array(repeating: UInt8(ascii: " "), count: 14)
            guard case .disallowedGlobal(_, let offset, let global)? = loadError(data.patched(at: at, hostile), name)
            else { return XCTFail("\(name): os.system must be refused") }
            XCTAssertEqual(global, "os.system")
            XCTAssertEqual(offset, at)
            let e = loadError(data.patched(at: at, hostile), name)
            XCTAssertTrue("\(e!)".contains("os.system") && "\(e!)".contains("byte \(at)"), "\(e!)")
            // A torch global that is not a storage class is refused as well.
            let torchLoad = Array("ctorch\nload\n".utf8) + Array(repeating: UInt8(ascii: " "), count: 13)
            guard case .disallowedGlobal(_, _, "torch.load")? = loadError(data.patched(at: at, torchLoad), name) else {
                return XCTFail("\(name): torch.load must be refused")
            }
        }
    }

    func testWrongDTypeWhereFloat32IsExpected() throws {
        // The zip format keeps each storage in its own entry: a ShortStorage reads half of a float's bytes.
        // The legacy format lays storages out by element count, so it gets IntStorage (same element size);
        // its pickles hold no absolute offsets, so the shorter name just shifts what follows.
        for (name, data, replacement, dtype) in [
            ("zip.pth", zip, "torch\nShortStorage\n", CheckpointDType.int16),
            ("legacy.pth", legacy, "torch\nIntStorage\n", .int32),
        ] {
            let storage = Array("torch\nFloatStorage\n".utf8)
            let at = try XCTUnwrap(data.offset(of: storage))
            var patched = data
            patched.replaceSubrange(at..<(at + storage.count), with: Array(replacement.utf8))
            let file = try CheckpointFile(data: patched, file: name)
            XCTAssertEqual(try file.tensor("blocks.0.0.bn1.bias").dtype, dtype)
            XCTAssertThrowsError(try file.float32("blocks.0.0.bn1.bias")) { error in
                guard case .wrongDType(_, "blocks.0.0.bn1.bias", dtype, .float32)? = error as? CheckpointError else {
                    return XCTFail("\(error)")
                }
                XCTAssertTrue(
                    "\(error)".hasPrefix(
                        name + ": tensor 'blocks.0.0.bn1.bias' is \(dtype.rawValue), expected float32"),
                    "\(error)")
            }
            XCTAssertThrowsError(try file.float32("conv_stem.weight", shape: [8, 3, 3, 3]))
        }
    }

    func testStorageShorterThanItsTensor() throws {
        for (name, data) in [("zip.pth", zip), ("legacy.pth", legacy)] {
            // The first tensor (blocks.0.0.bn1.bias, 8 elements): offset 0, size (8,) becomes size (9,).
            let at = try XCTUnwrap(data.offset(of: [0x51, 0x4B, 0, 0x4B, 8, 0x85]))
            guard
                case .badTensor(_, "blocks.0.0.bn1.bias", let reason)? = loadError(
                    data.patched(at: at, [0x51, 0x4B, 0, 0x4B, 9, 0x85]), name)
            else { return XCTFail("\(name): a tensor past its storage") }
            XCTAssertTrue(reason.contains("shorter than its tensor"), reason)
            // The same with a storage offset that pushes the last element out.
            guard case .badTensor? = loadError(data.patched(at: at, [0x51, 0x4B, 1, 0x4B, 8, 0x85]), name) else {
                return XCTFail("\(name): offset past the storage")
            }
        }
        // Legacy: the persistent id declares more elements than the storage section holds.
        let pid = try XCTUnwrap(legacy.offset(of: Array("cpu".utf8) + [0x71, 7, 0x4B, 8, 0x4E]))
        guard case .badTensor(_, _, let reason)? = loadError(legacy.patched(at: pid + 6, [9]), "legacy.pth") else {
            return XCTFail("declared size beyond the storage")
        }
        XCTAssertTrue(reason.contains("holds 32 bytes"), reason)
        // Legacy: an element count that runs past the end of the file.
        let list = try XCTUnwrap(legacy.offset(of: [0x80, 0x02, 0x5D], from: firstGlobal(legacy)))
        let keys = try XCTUnwrap(legacy.offset(of: [0x65, 0x2E], from: list))  // APPENDS STOP of the key list
        let huge = legacy.patched(at: keys + 2, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00])
        guard case .truncated? = loadError(huge, "legacy.pth") else { return XCTFail("huge element count") }
    }

    func testBadZipCentralDirectory() throws {
        let data = zip
        let n = data.count
        let eocd = try XCTUnwrap(data.offset(of: [0x50, 0x4B, 0x05, 0x06], from: n - 200))
        let cd =
            Int(data[eocd + 16]) | Int(data[eocd + 17]) << 8 | Int(data[eocd + 18]) << 16 | Int(data[eocd + 19]) << 24
        // An entry's signature destroyed.
        let second = try XCTUnwrap(data.offset(of: [0x50, 0x4B, 0x01, 0x02], from: cd + 4))
        guard case .malformedArchive(_, let r1)? = loadError(data.patched(at: second, [0, 0, 0, 0]), "zip.pth") else {
            return XCTFail("bad entry signature")
        }
        XCTAssertTrue(r1.contains("central directory entry 1"), r1)
        // The directory's offset pointing past the end of the file.
        guard case .malformedArchive? = loadError(data.patched(at: eocd + 16, [0xF0, 0xFF, 0xFF, 0x7F]), "zip.pth")
        else { return XCTFail("directory outside the file") }
        // A name length that runs past the directory.
        guard case .malformedArchive? = loadError(data.patched(at: cd + 28, [0xFF, 0xFF]), "zip.pth") else {
            return XCTFail("name past the directory")
        }
        // A local header offset that points into the middle of nowhere.
        guard case .malformedArchive? = loadError(data.patched(at: cd + 42, [0x07, 0, 0, 0]), "zip.pth") else {
            return XCTFail("bad local header offset")
        }
        // A data size that runs into the central directory.
        guard case .malformedArchive? = loadError(data.patched(at: cd + 20, [0xFF, 0xFF, 0xFF, 0x00]), "zip.pth") else {
            return XCTFail("entry past the data")
        }
        // Saturated counts mean ZIP64, which is refused by name.
        guard case .malformedArchive(_, let r2)? = loadError(data.patched(at: eocd + 10, [0xFF, 0xFF]), "zip.pth")
        else {
            return XCTFail("ZIP64")
        }
        XCTAssertTrue(r2.contains("ZIP64"), r2)
        // A compressed data.pkl (method 8).
        guard case .malformedArchive(_, let r3)? = loadError(data.patched(at: cd + 10, [8, 0]), "zip.pth") else {
            return XCTFail("compressed entry")
        }
        XCTAssertTrue(r3.contains("compressed"), r3)
    }

    func testNotACheckpoint() {
        guard case .unknownFormat? = loadError(Data("hello, world".utf8), "x.bin") else { return XCTFail() }
        guard case .unknownFormat? = loadError(Data([0x80, 0x02, 0x4B, 0x01, 0x2E]), "x.pkl") else {
            return XCTFail("a pickle that is not a PyTorch file")
        }
    }

    /// Random byte changes in the pickles (and around them) never crash the reader: each load either
    /// succeeds or throws a `CheckpointError`.
    func testRandomCorruptionNeverCrashes() {
        var g = SystemRandomNumberGenerator()
        for (name, data) in [("zip.pth", zip), ("legacy.pth", legacy)] {
            let start = firstGlobal(data) - 2
            for _ in 0..<150 {
                var d = data
                for _ in 0..<Int.random(in: 1...4, using: &g) {
                    let at = start + Int.random(in: 0..<24_000, using: &g)
                    d[d.startIndex + at] = UInt8.random(in: 0...255, using: &g)
                }
                do { _ = try CheckpointFile(data: d, file: name) } catch let e as CheckpointError {
                    XCTAssertTrue(e.description.hasPrefix(name + ": "), "\(e)")
                } catch { XCTFail("\(name): unexpected error type \(error)") }
            }
        }
    }
}
