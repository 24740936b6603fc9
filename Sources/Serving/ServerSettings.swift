import Foundation

/// Why `serve` cannot start: a bad setting, a bad token file, a taken port. The message names the option or
/// file and says what to do.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Everything `classify-and-embed serve` is told, checked once here (where the options are read).
public struct ServerSettings: Sendable {
    /// The address to bind: loopback unless the user names another one.
    public var host = "127.0.0.1"
    /// 0 picks a free port (the tests do); the chosen one is reported once the server listens.
    public var port = 8080
    /// At most this many images run through the network as one batch.
    public var maxBatch = 64
    /// How long the first image of a batch waits for more to arrive, while other requests are still being
    /// read and decoded (an idle server runs a lone image at once).
    public var maxDelayMilliseconds = 2.0
    /// Images waiting for the network beyond this are refused with 503 and `Retry-After`.
    public var maxQueue = 256
    /// A request body larger than this is refused with 413 before it is read in full.
    public var maxBodyBytes = 32 << 20
    /// An image larger than this (width × height) is refused with 413 before it is decoded.
    public var maxImagePixels = 64_000_000
    /// Decoded pixels held by all requests at once; a request that would exceed it gets 503 (32 concurrent
    /// 64-megapixel uploads would otherwise take 6 GB).
    public var maxPixelsInFlight = 256_000_000
    /// A request whose body has not arrived in full after this many seconds gets 408.
    public var readTimeoutSeconds = 30.0
    /// A connection with no traffic for this many seconds is closed.
    public var idleTimeoutSeconds = 60.0
    /// With a token every request needs `Authorization: Bearer TOKEN`, and the gallery can be changed.
    public var token: String?
    /// A gallery file to match against (and, with a token, to register into).
    public var galleryPath: String?

    public init() {}

    /// Checks every value; the error names the option and the range it must be in.
    public func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw ServerError(message()) }
        }
        try check(!host.isEmpty, "--host is empty: give an address such as 127.0.0.1 or 0.0.0.0")
        try check((0...65535).contains(port), "--port \(port) is not a TCP port: give 0 to 65535 (0 picks a free one)")
        try check((1...4096).contains(maxBatch), "--max-batch \(maxBatch) is out of range: give 1 to 4096")
        try check(
            maxDelayMilliseconds.isFinite && (0...1000).contains(maxDelayMilliseconds),
            "--max-delay-ms \(maxDelayMilliseconds) is out of range: give 0 to 1000 milliseconds")
        try check((1...1_000_000).contains(maxQueue), "--max-queue \(maxQueue) is out of range: give 1 to 1000000")
        try check(maxBodyBytes >= 1024, "--max-body-mb must allow at least 1 KiB")
        try check(maxImagePixels >= 1, "--max-image-pixels must be at least 1")
        try check(
            maxPixelsInFlight >= maxImagePixels,
            "--max-pixels-in-flight (\(maxPixelsInFlight)) must be at least --max-image-pixels (\(maxImagePixels)), "
                + "or no image of the largest allowed size could ever be decoded")
        try check(
            readTimeoutSeconds.isFinite && readTimeoutSeconds > 0, "--read-timeout must be a positive number of seconds"
        )
        try check(
            idleTimeoutSeconds.isFinite && idleTimeoutSeconds > 0, "--idle-timeout must be a positive number of seconds"
        )
    }

    /// The token in `path`: its first line, trimmed. The file must not be readable by others (a token that
    /// every local user can read protects nothing) and the token must be at least 16 characters.
    public static func token(fromFile path: String) throws -> String {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw ServerError("--token-file \(path): cannot read it (\(error.localizedDescription))")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw ServerError(
                "--token-file \(path): readable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServerError("--token-file \(path): cannot read it")
        }
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let token = line.trimmingCharacters(in: .whitespaces)
        guard token.count >= 16 else {
            throw ServerError("--token-file \(path): the token (its first line) must be at least 16 characters")
        }
        guard token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ServerError("--token-file \(path): the token must be printable ASCII without spaces")
        }
        return token
    }
}
