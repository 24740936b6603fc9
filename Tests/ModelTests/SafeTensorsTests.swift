import Engine
import Foundation
import Model
import XCTest

final class SafeTensorsTests: XCTestCase {
    private func file(header: String, data: [UInt8] = []) -> Data {
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        d.append(Data(bytes: &n, count: 8))
        d.append(header.data(using: .utf8)!)
        d.append(contentsOf: data)
        return d
    }

    private func assertRejects(_ data: Data, mentioning words: [String], line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile(data: data, file: "model.safetensors"), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("model.safetensors"), "error names the file: \(text)", line: line)
            for w in words { XCTAssertTrue(text.contains(w), "'\(w)' missing from: \(text)", line: line) }
        }
    }

    func testRoundTripWithMetadata() throws {
        var writer = SafeTensorsWriter(metadata: ["about": "test"])
        writer.add("a", Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        writer.add("n", int64: 12)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try writer.write(to: url)
        let read = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(read.metadata["about"], "test")
        XCTAssertEqual(try read.floats("a").shape, [2, 3])
        XCTAssertEqual(try read.floats("a").values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try read.floats("n").values, [12])
        XCTAssertThrowsError(try read.floats("missing"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
            .filter { $0.contains(url.lastPathComponent) && $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temporary file left behind")
    }

    func testReadsFixtureDtypes() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/resize_parity.safetensors")
        let f = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(try f.bytes("resized_bilinear_rgb").shape, [128, 128, 3])
        XCTAssertEqual(try f.floats("normalized_chw").shape, [3, 128, 128])
    }

    func testMalformedFilesAreTypedErrors() {
        assertRejects(Data([1, 2, 3]), mentioning: ["8-byte"])
        assertRejects(file(header: "{}").prefix(9), mentioning: ["header length"])
        var huge = Data(repeating: 0, count: 16)
        huge[7] = 0x7F
        assertRejects(huge, mentioning: ["header length"])
        assertRejects(file(header: "{not json"), mentioning: ["JSON"])
        assertRejects(file(header: "[1,2]"), mentioning: ["JSON object"])
        assertRejects(
            file(header: #"{"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
            mentioning: ["'a'", "dtype"])
        assertRejects(
            file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
            mentioning: ["'a'", "dimension"])
        assertRejects(
            file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
            mentioning: ["'a'", "truncated"])
        assertRejects(
            file(
                header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                data: [UInt8](repeating: 0, count: 8)),
            mentioning: ["'a'", "do not match shape"])
        assertRejects(
            file(
                header:
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                data: [UInt8](repeating: 0, count: 8)), mentioning: ["overlaps"])
        assertRejects(file(header: #"{"a":{"dtype":"F32","shape":[1]}}"#), mentioning: ["data_offsets"])
        assertRejects(file(header: #"{"__metadata__":{"k":1}}"#), mentioning: ["__metadata__"])
    }

    func testRandomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 3)
        for length in [0, 8, 9, 64, 500] {
            for _ in 0..<20 {
                var d = Data((0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                if length >= 8 { for i in 0..<8 { d[i] = i == 0 ? UInt8(truncatingIfNeeded: length - 8) : 0 } }
                _ = try? SafeTensorsFile(data: d, file: "random.safetensors")
            }
        }
    }
}
