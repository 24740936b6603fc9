import Foundation

/// Reads the `__metadata__` map of a safetensors file's JSON header (8-byte little-endian length, then the
/// JSON), without the project's reader, so tests can check what a command stored.
public func safeTensorsMetadata(_ url: URL) throws -> [String: String] {
    struct Bad: Error, CustomStringConvertible { var description: String }
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    let prefix = handle.readData(ofLength: 8)
    guard prefix.count == 8 else { throw Bad(description: "\(url.path): shorter than a safetensors header") }
    let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard length < 100_000_000 else { throw Bad(description: "\(url.path): header length \(length)") }
    let header = handle.readData(ofLength: Int(length))
    guard let object = try JSONSerialization.jsonObject(with: header) as? [String: Any] else {
        throw Bad(description: "\(url.path): the header is not a JSON object")
    }
    return object["__metadata__"] as? [String: String] ?? [:]
}
