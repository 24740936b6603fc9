import Engine
import Foundation
import XCTest

/// SHA-256 against FIPS 180-4's examples, and the same digest whatever pieces the data arrives in.
final class SHA256Tests: XCTestCase {
    func testKnownDigests() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testPiecesGiveTheSameDigest() throws {
        let data = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        for piece in [1, 7, 63, 64, 65, 200] {
            var hasher = SHA256()
            var at = 0
            while at < data.count {
                hasher.update(data.subdata(in: at..<min(at + piece, data.count)))
                at += piece
            }
            XCTAssertEqual(hasher.hexDigest(), SHA256.hex(data), "pieces of \(piece)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID())")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try SHA256.hex(contentsOf: file), SHA256.hex(data))
    }
}
