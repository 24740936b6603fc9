import Foundation

/// One part of a `multipart/form-data` body.
package struct FormPart: Sendable {
    /// The form field's name (`Content-Disposition: form-data; name="…"`).
    package var name: String
    package var filename: String?
    package var contentType: String?
    package var body: [UInt8]
}

/// A `multipart/form-data` body (RFC 7578) split into its parts. Strict where leniency would hide a broken
/// client: a missing boundary, a part without a name or a body that never reaches its closing delimiter is
/// an error naming what is wrong.
package enum MultipartForm {
    package struct Malformed: Error, CustomStringConvertible {
        package var description: String
    }

    /// The boundary parameter of a `multipart/form-data` content type, or nil for another content type.
    package static func boundary(contentType: String) throws -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let kind = pieces.first, kind.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            guard (1...70).contains(value.utf8.count) else {
                throw Malformed(description: "multipart boundary must be 1 to 70 characters")
            }
            return value
        }
        throw Malformed(description: "multipart/form-data without a boundary parameter")
    }

    package static func parts(_ body: [UInt8], boundary: String) throws -> [FormPart] {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard var position = find(delimiter, in: body, from: 0) else {
            throw Malformed(description: "multipart body does not contain its boundary")
        }
        position += delimiter.count
        var parts: [FormPart] = []
        while true {
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-")
            {
                return parts
            }
            guard body.count >= position + 2, body[position] == 13, body[position + 1] == 10 else {
                throw Malformed(description: "multipart delimiter not followed by CRLF (part \(parts.count + 1))")
            }
            position += 2
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: position) else {
                throw Malformed(description: "multipart part \(parts.count + 1) has no end to its headers")
            }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let bodyStart = headerEnd + 4
            guard let bodyEnd = find(separator, in: body, from: bodyStart) else {
                throw Malformed(description: "multipart part \(parts.count + 1) is not closed by its boundary")
            }
            parts.append(try part(headers: headers, body: Array(body[bodyStart..<bodyEnd]), index: parts.count + 1))
            position = bodyEnd + separator.count
        }
    }

    private static func part(headers: String, body: [UInt8], index: Int) throws -> FormPart {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "content-disposition":
                name = parameter("name", in: pair[1])
                filename = parameter("filename", in: pair[1])
            case "content-type": contentType = pair[1]
            default: continue
            }
        }
        guard let name, !name.isEmpty else {
            throw Malformed(description: "multipart part \(index) has no Content-Disposition name")
        }
        return FormPart(name: name, filename: filename, contentType: contentType, body: body)
    }

    /// A `key="value"` (or unquoted) parameter of a header value.
    private static func parameter(_ key: String, in value: String) -> String? {
        for piece in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            let v = pair[1]
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { return String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `start` (a scan for the first byte, then a
    /// comparison: boundaries are rare in image bytes).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, haystack.count - start >= needle.count else { return nil }
        let first = needle[0]
        let last = haystack.count - needle.count
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                var i = start
                while i <= last {
                    if h[i] == first, memcmp(h.baseAddress! + i, n.baseAddress!, n.count) == 0 { return i }
                    i += 1
                }
                return nil
            }
        }
    }
}
