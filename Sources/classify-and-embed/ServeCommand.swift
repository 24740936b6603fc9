import ArgumentParser
import ClassifyEmbed
import Dispatch
import Foundation
import Logging
import Serving

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over HTTP: predict, verify, match and gallery endpoints with dynamic batching.",
        discussion: """
            Endpoints (README, "Serving"): POST /v1/predict, /v1/verify, /v1/match, POST and DELETE \
            /v1/gallery/{label} (with --token-file), GET /v1/model, /healthz, /metrics. Concurrent requests are \
            run through the network together, up to --max-batch images after at most --max-delay-ms. Binds to \
            loopback unless --host says otherwise. SIGTERM or SIGINT: stop accepting, answer what was accepted, \
            exit 0.
            """)

    @Option(help: "Address to listen on (0.0.0.0 for every interface).") var host = "127.0.0.1"
    @Option(help: "TCP port (0 picks a free one and prints it).") var port = 8080
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Gallery file for /v1/match (and, with --token-file, /v1/gallery).") var gallery: String?
    @Option(help: "Most images per forward pass.") var maxBatch = 64
    @Option(help: "Longest wait (ms) for more images while other requests are still arriving.")
    var maxDelayMs = 2.0
    @Option(help: "Most images waiting for the network; beyond, 503 with Retry-After.") var maxQueue = 256
    @Option(help: "File whose first line is the bearer token every request must carry (mode 600).")
    var tokenFile: String?
    @Option(help: "Largest request body in MiB (413 beyond).") var maxBodyMb = 32
    @Option(help: "Largest image in pixels, width × height (413 beyond).") var maxImagePixels = 64_000_000
    @Option(help: "Decoded pixels held by all requests at once (503 beyond).") var maxPixelsInFlight = 256_000_000
    @Option(help: "Seconds for a request body to arrive (408 after).") var readTimeout = 30.0
    @Option(help: "Seconds before an idle connection is closed.") var idleTimeout = 60.0
    @Option(help: "Log level: trace, debug (a line per request), info (failed requests), notice, warning, error.")
    var logLevel = "info"

    /// The settings as given; `ModelServer` checks their ranges (once, for the CLI and library users alike).
    func settings() throws -> ServerSettings {
        var s = ServerSettings()
        s.host = host
        s.port = port
        s.maxBatch = maxBatch
        s.maxDelayMilliseconds = maxDelayMs
        s.maxQueue = maxQueue
        guard (1...4096).contains(maxBodyMb) else {
            throw ValidationError("--max-body-mb \(maxBodyMb) is out of range: give 1 to 4096")
        }
        s.maxBodyBytes = maxBodyMb << 20
        s.maxImagePixels = maxImagePixels
        s.maxPixelsInFlight = maxPixelsInFlight
        s.readTimeoutSeconds = readTimeout
        s.idleTimeoutSeconds = idleTimeout
        s.galleryPath = gallery
        s.token = try tokenFile.map(ServerSettings.token(fromFile:))
        return s
    }

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level \(logLevel): give one of "
                    + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        let settings: ServerSettings
        do { settings = try self.settings() } catch let e as ServerError { throw ValidationError(e.description) }
        let predictor = try modelOptions.predictor()
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let server: ModelServer
        do {
            server = try ModelServer(predictor: predictor, settings: settings, logger: Logger(label: "serve"))
        } catch let e as ServerError { throw ValidationError(e.description) }
        let modelID = predictor.modelID
        let path = predictor.modelPath
        // ArgumentParser runs commands synchronously: the server runs on Swift's concurrency threads while the
        // main thread waits for it.
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        Task {
            do {
                try await server.run { port in
                    print("serving \(path) (model \(modelID)) on http://\(settings.host):\(port)")
                    fflush(stdout)
                }
            } catch { failure = error }
            finished.signal()
        }
        finished.wait()
        if let failure {
            FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            throw ExitCode.failure
        }
    }
}
