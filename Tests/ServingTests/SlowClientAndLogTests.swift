import Foundation
import Logging
import Serving
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A client that sends its body too slowly gets 408 and frees the server; request logs never hold a body.
final class SlowClientAndLogTests: XCTestCase {
    /// Raw TCP: sends `head` and the first part of a body, then waits for whatever the server answers.
    func trickle(port: Int, head: String, partialBody: [UInt8], wait seconds: Double) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HTTPClientError("connect() failed") }
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(head.utf8) + partialBody
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    func testABodyThatNeverFinishesGets408AndTheServerGoesOn() async throws {
        let running = try await RunningServer.start { $0.readTimeoutSeconds = 0.5 }
        let port = running.client.port
        let head =
            "POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n"
        let started = Date()
        let answer = try await Task.detached {
            try self.trickle(port: port, head: head, partialBody: [0xFF, 0xD8, 0xFF], wait: 10)
        }.value
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 408"), answer)
        XCTAssertTrue(answer.contains("did not arrive"), answer)
        XCTAssertLessThan(Date().timeIntervalSince(started), 8, "the slow request held the server")
        let fine = try await running.client.postImage("/v1/predict", sampleImages[0])
        XCTAssertEqual(fine.status, 200)
        try await running.stop()
    }

    func testRequestLogsHoldNoBodyBytes() async throws {
        let lines = LogLines()
        var logger = Logger(label: "serve-test") { _ in lines }
        logger.logLevel = .trace
        let running = try await RunningServer.start(logger: logger)
        let marker = "PAYLOAD-MARKER-7f3a"
        let bodies: [(Data, String)] = [
            (Data("\(marker) not an image".utf8), "image/jpeg"), (Data(marker.utf8), "text/plain"),
            (try Data(contentsOf: sampleImages[0]) + Data(marker.utf8), "image/jpeg"),
        ]
        for (body, type) in bodies {
            _ = try await running.client.send("POST", "/v1/predict", body: body, contentType: type)
        }
        try await running.stop()
        let logged = lines.all
        XCTAssertGreaterThanOrEqual(logged.filter { $0.contains("POST /v1/predict") }.count, 3, "\(logged)")
        for line in logged {
            XCTAssertFalse(line.contains(marker), "a log line holds body bytes: \(line)")
            XCTAssertFalse(line.contains("\u{FFFD}"), "a log line holds binary bytes: \(line)")
        }
    }
}

/// Collects every log line (message and metadata) in memory.
final class LogLines: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        lock.withLock { lines.append("\(level) \(message) \(all)") }
    }

    var all: [String] { lock.withLock { lines } }
}
