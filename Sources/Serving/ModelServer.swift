import Foundation
import Hummingbird
import Inference
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `classify-and-embed serve`: the HTTP API over one `Predictor`, with dynamic batching, bounded queues and
/// pixel budget, Prometheus metrics and graceful shutdown. `ARCHITECTURE.md` ("Serving") has the picture.
public final class ModelServer: @unchecked Sendable {
    public let settings: ServerSettings
    private let logger: Logger
    /// The dynamic batcher (tests hold it to fill its queue on purpose).
    package let scheduler: BatchScheduler
    private let router: Router<BasicRequestContext>
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var stopRequested = false

    /// Checks the settings and opens the gallery; the model is already loaded (so a bad one failed first).
    public init(predictor: Predictor, settings: ServerSettings, logger: Logger) throws {
        try settings.validate()
        self.settings = settings
        self.logger = logger
        let metrics = ServerMetrics()
        scheduler = BatchScheduler(predictor: predictor, settings: settings, observer: metrics.observer)
        let budget = PixelBudget(limit: settings.maxPixelsInFlight)
        var gallery: GalleryStore?
        if let path = settings.galleryPath {
            do { gallery = try GalleryStore(path: path, predictor: predictor, writable: settings.token != nil) } catch {
                throw ServerError("--gallery \(error)")
            }
        }
        let endpoints = Endpoints(
            predictor: ModelDescription(predictor: predictor),
            uploads: UploadReader(
                maxBodyBytes: settings.maxBodyBytes,
                readTimeout: .milliseconds(Int64(settings.readTimeoutSeconds * 1000))),
            pipeline: ImagePipeline(
                scheduler: scheduler, budget: budget, preprocessing: predictor.preprocessing,
                maxImagePixels: settings.maxImagePixels),
            gallery: gallery, galleryWritable: settings.token != nil, settings: settings)
        router = Self.routes(
            endpoints, metrics: metrics, budget: budget, token: settings.token.map(BearerToken.init), logger: logger)
    }

    private static func routes(
        _ endpoints: Endpoints, metrics: ServerMetrics, budget: PixelBudget, token: BearerToken?, logger: Logger
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(Gateway(token: token, metrics: metrics, logger: logger))
        router.get("/healthz") { _, _ in JSONBody.response(["status": "ok"]) }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text(pixelsInFlight: budget.inUse))))
        }
        router.get("/v1/model") { _, _ in try endpoints.model() }
        router.post("/v1/predict") { request, _ in try await endpoints.predict(request, matching: false) }
        router.post("/v1/match") { request, _ in try await endpoints.predict(request, matching: true) }
        router.post("/v1/verify") { request, _ in try await endpoints.verify(request) }
        router.post("/v1/gallery/:label") { request, context in
            try await endpoints.register(request, label: try Endpoints.label(context.parameters.get("label")))
        }
        router.delete("/v1/gallery/:label") { request, context in
            try await endpoints.remove(request, label: try Endpoints.label(context.parameters.get("label")))
        }
        return router
    }

    /// Serves until SIGTERM or SIGINT (with `handlingSignals`) or `shutdown()`: then it stops accepting
    /// connections, answers every request it has accepted and returns. `onListening` gets the bound port
    /// (the chosen one when the settings say 0). A taken port or an address that cannot be bound is a
    /// `ServerError` naming it.
    public func run(
        handlingSignals: Bool = true, onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }
    ) async throws {
        let app = Application(
            router: router,
            server: .http1(
                configuration: .init(idleTimeout: .milliseconds(Int64(settings.idleTimeoutSeconds * 1000)))),
            configuration: .init(
                address: .hostname(settings.host, port: settings.port), serverName: "classify-and-embed"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [scheduler, app], gracefulShutdownSignals: handlingSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        if keep(group) { await group.triggerGracefulShutdown() }
        do { try await group.run() } catch {
            throw describe(error)
        }
    }

    /// Graceful shutdown, as SIGTERM does.
    public func shutdown() async {
        await requestStop()?.triggerGracefulShutdown()
    }

    /// Remembers the running group; true when `shutdown()` came first.
    private func keep(_ group: ServiceGroup) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        self.group = group
        return stopRequested
    }

    private func requestStop() -> ServiceGroup? {
        lock.lock()
        defer { lock.unlock() }
        stopRequested = true
        return group
    }

    private func describe(_ error: Error) -> Error {
        let address = "\(settings.host):\(settings.port)"
        if let io = error as? IOError, io.errnoCode == EADDRINUSE || "\(error)".contains("already in use") {
            return ServerError(
                "cannot listen on \(address): the port is taken; stop what uses it or pick another --port")
        }
        if "\(error)".contains("Address already in use") {
            return ServerError(
                "cannot listen on \(address): the port is taken; stop what uses it or pick another --port")
        }
        if "\(error)".lowercased().contains("bind") || "\(error)".contains("resolve") {
            return ServerError("cannot listen on \(address): \(error); check --host and --port")
        }
        return error
    }
}
