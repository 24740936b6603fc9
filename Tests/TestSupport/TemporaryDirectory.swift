import Foundation

/// A fresh folder under the system's temporary directory, removed with everything in it when the object
/// goes away (or on `remove()`). Keep a reference for as long as the files are needed.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    /// Creates `<tmp>/<prefix>-<random>`.
    public init(prefix: String = "classify-embed-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { remove() }

    public var path: String { url.path }

    /// The URL of `relativePath` inside the folder (nothing is created).
    public func file(_ relativePath: String) -> URL { url.appendingPathComponent(relativePath) }

    /// Creates `relativePath`'s sub-folder (with parents) and returns its URL.
    @discardableResult
    public func folder(_ relativePath: String) throws -> URL {
        let u = url.appendingPathComponent(relativePath, isDirectory: true)
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// Writes `contents` to `relativePath` (parent folders created) and returns its URL.
    @discardableResult
    public func write(_ contents: Data, to relativePath: String) throws -> URL {
        let u = file(relativePath)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: u)
        return u
    }

    /// Writes UTF-8 `text` to `relativePath` and returns its URL.
    @discardableResult
    public func write(_ text: String, to relativePath: String) throws -> URL {
        try write(Data(text.utf8), to: relativePath)
    }

    /// Copies `source` to `relativePath` (parent folders created) and returns the copy's URL.
    @discardableResult
    public func copy(_ source: URL, to relativePath: String) throws -> URL {
        let u = file(relativePath)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: u)
        return u
    }

    /// Removes the folder now (also done on deinit).
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
