import Foundation
import TestSupport
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `classify-and-embed serve` as a user runs it: it prints where it listens, answers, refuses a taken port or
/// a bad model at start, and on SIGTERM answers what it accepted and exits 0.
final class ServeCLITests: XCTestCase {
    /// A started `serve` process and the port it printed.
    struct Server {
        var process: Process
        var port: Int
        var output: URL
        var errors: URL
    }

    func startServer(_ extra: [String] = [], folder: TemporaryDirectory) throws -> Server {
        let process = Process()
        process.executableURL = try Tool.executable()
        process.arguments = ["serve", "--port", "0", "--model", Tool.shippedModel.path] + extra
        let output = folder.file("stdout")
        let errors = folder.file("stderr")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: "on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) {
                    return Server(process: process, port: port, output: output, errors: errors)
                }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        throw SubprocessError(description: "serve did not report its port: \(stderr)")
    }

    /// POSTs an image; the status, or nil when the connection failed.
    func post(_ port: Int, _ image: URL) async -> Int? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/predict?embedding=none")!)
        request.httpMethod = "POST"
        request.httpBody = try? Data(contentsOf: image)
        request.setValue("image/jpeg", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = 30
        return await withCheckedContinuation { continuation in
            URLSession.shared.dataTask(with: request) { _, response, _ in
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode)
            }.resume()
        }
    }

    func waitForExit(_ process: Process, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return !process.isRunning
    }

    func testSIGTERMAnswersWhatWasAcceptedThenExitsZero() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try startServer(["--max-delay-ms", "20"], folder: folder)
        let image = Tool.samples.appendingPathComponent(Tool.sampleNames[0])
        let port = server.port
        let first = await post(port, image)
        XCTAssertEqual(first, 200)
        let statuses = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<64 { group.addTask { await self.post(port, image) } }
            try? await Task.sleep(for: .milliseconds(15))
            kill(server.process.processIdentifier, SIGTERM)
            var out: [Int?] = []
            for await s in group { out.append(s) }
            return out
        }
        XCTAssertTrue(waitForExit(server.process), "serve did not exit after SIGTERM")
        XCTAssertEqual(server.process.terminationReason, .exit)
        XCTAssertEqual(server.process.terminationStatus, 0, (try? String(contentsOf: server.errors)) ?? "")
        // Every request the server took got a whole answer; the rest found no server (never a 5xx).
        for status in statuses { XCTAssertTrue(status == nil || status == 200, "status \(String(describing: status))") }
        XCTAssertGreaterThan(statuses.compactMap { $0 }.count, 0, "no request was answered before shutdown")
        let after = await post(port, image)
        XCTAssertNil(after, "the port still answers after exit")
    }

    func testATakenPortAndABadModelFailAtStartWithTheirReason() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try startServer([], folder: folder)
        defer {
            server.process.terminate()
            _ = waitForExit(server.process)
        }
        let taken = try tool(["serve", "--port", "\(server.port)", "--model", Tool.shippedModel.path], timeout: 60)
        assertExit(taken, 1)
        XCTAssertTrue(taken.stderr.contains("port is taken"), taken.stderr)
        XCTAssertTrue(taken.stderr.contains("\(server.port)"), taken.stderr)

        let bad = try folder.write("not a model", to: "bad.safetensors")
        let refused = try tool(["serve", "--port", "0", "--model", bad.path], timeout: 60)
        assertFailure(refused)
        XCTAssertTrue(refused.stderr.contains(bad.path), refused.stderr)
        XCTAssertFalse(refused.stdout.contains("serving"), refused.stdout)

        let range = try tool(["serve", "--max-batch", "0"], timeout: 60)
        assertFailure(range)
        XCTAssertTrue(range.stderr.contains("--max-batch"), range.stderr)
    }
}
