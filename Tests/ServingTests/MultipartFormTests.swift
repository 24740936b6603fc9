import Serving
import XCTest

final class MultipartFormTests: XCTestCase {
    func body(_ parts: [(String, [UInt8])], boundary: String = "XyZ", preamble: String = "") -> [UInt8] {
        var out = Array(preamble.utf8)
        for (name, bytes) in parts {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n".utf8)
            out += Array("Content-Type: image/png\r\n\r\n".utf8)
            out += bytes
            out += Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    func testPartsKeepTheirNamesAndBytesEvenWhenTheBytesLookLikeDelimiters() throws {
        let tricky: [UInt8] = Array("--XyZ is not a delimiter without CRLF\r\n-".utf8) + [0, 255, 13, 10]
        let parts = try MultipartForm.parts(
            body([("a", [1, 2, 3]), ("b", tricky), ("empty", [])], preamble: "ignored preamble\r\n"), boundary: "XyZ")
        XCTAssertEqual(parts.map(\.name), ["a", "b", "empty"])
        XCTAssertEqual(parts[0].body, [1, 2, 3])
        XCTAssertEqual(parts[1].body, tricky)
        XCTAssertEqual(parts[2].body, [])
        XCTAssertEqual(parts[0].contentType, "image/png")
    }

    func testBoundaryParameter() throws {
        XCTAssertEqual(try MultipartForm.boundary(contentType: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(
            try MultipartForm.boundary(contentType: "Multipart/Form-Data; charset=x; boundary=\"a b\""), "a b")
        XCTAssertNil(try MultipartForm.boundary(contentType: "image/png"))
        XCTAssertThrowsError(try MultipartForm.boundary(contentType: "multipart/form-data"))
        XCTAssertThrowsError(
            try MultipartForm.boundary(
                contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)))
    }

    func testBrokenBodiesSayWhatIsWrong() {
        let good = body([("a", [1, 2, 3])])
        let cases: [([UInt8], String)] = [
            (Array("no boundary at all".utf8), "does not contain its boundary"),
            (Array(good.prefix(good.count - 12)), "not closed by its boundary"),
            (Array("--XyZ\r\nContent-Type: image/png\r\n\r\nabc\r\n--XyZ--".utf8), "no Content-Disposition name"),
            (Array("--XyZ\r\nContent-Disposition: form-data; name=a".utf8), "no end to its headers"),
            (Array("--XyZjunk".utf8), "not followed by CRLF"),
        ]
        for (bytes, message) in cases {
            XCTAssertThrowsError(try MultipartForm.parts(bytes, boundary: "XyZ")) {
                XCTAssertTrue("\($0)".contains(message), "\($0) should say \(message)")
            }
        }
    }
}
