import Foundation
import Inference
import Logging
import Serving
import TestSupport
import XCTest

/// A server on an ephemeral loopback port inside the test process, stopped gracefully at the end.
final class RunningServer: @unchecked Sendable {
    let server: ModelServer
    let client: HTTPClient
    let predictor: Predictor
    private let task: Task<Void, Error>

    static func start(
        logger given: Logger? = nil, _ configure: (inout ServerSettings) -> Void = { _ in }
    ) async throws -> RunningServer {
        var settings = ServerSettings()
        settings.port = 0
        configure(&settings)
        let predictor = try Predictor(modelPath: PackagePaths.shippedModel.path)
        var logger = given ?? Logger(label: "serve-test")
        if given == nil { logger.logLevel = .critical }
        let server = try ModelServer(predictor: predictor, settings: settings, logger: logger)
        let port = PortBox()
        let task = Task { try await server.run(handlingSignals: false) { port.set($0) } }
        let deadline = Date().addingTimeInterval(30)
        while port.value == 0 {
            guard Date() < deadline else { throw HTTPClientError("the server did not start in 30 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return RunningServer(
            server: server, client: HTTPClient(port: port.value, token: settings.token), predictor: predictor,
            task: task)
    }

    private init(server: ModelServer, client: HTTPClient, predictor: Predictor, task: Task<Void, Error>) {
        self.server = server
        self.client = client
        self.predictor = predictor
        self.task = task
    }

    func stop() async throws {
        await server.shutdown()
        try await task.value
    }
}

final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ p: Int) { lock.withLock { port = p } }
    var value: Int { lock.withLock { port } }
}

/// The twelve sample images.
var sampleImages: [URL] {
    (try? FileManager.default.contentsOfDirectory(at: PackagePaths.samples, includingPropertiesForKeys: nil))?
        .filter { $0.pathExtension == "jpg" }.sorted { $0.path < $1.path } ?? []
}
