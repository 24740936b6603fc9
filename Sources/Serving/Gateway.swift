import Foundation
import Hummingbird
import Logging

/// In front of every route: the bearer token (when the server has one), errors turned into `{"error": …}`
/// bodies, one metrics sample and one log line per request. Log lines hold the method, path, status and time,
/// never a body: no image byte reaches the log.
struct Gateway<Context: RequestContext>: RouterMiddleware {
    let token: BearerToken?
    let metrics: ServerMetrics
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        if let token, !token.accepts(request.headers[.authorization]) {
            response = JSONBody.response(
                APIError(
                    status: .unauthorized, message: "this server needs Authorization: Bearer TOKEN",
                    headers: [.wwwAuthenticate: "Bearer"]))
        } else {
            do { response = try await next(request, context) } catch let e as APIError {
                response = JSONBody.response(e)
            } catch let e as any HTTPResponseError {
                let message =
                    e.status == .notFound
                    ? "no endpoint \(request.method) \(request.uri.path); GET /v1/model describes this server"
                    : "\(e.status.reasonPhrase)"
                response = JSONBody.response(APIError(status: e.status, message: message))
            } catch {
                response = JSONBody.response(APIError(status: .internalServerError, message: "\(error)"))
            }
        }
        let elapsed = ContinuousClock.now - start
        let endpoint = context.endpointPath ?? "unmatched"
        metrics.record(endpoint: endpoint, status: Int(response.status.code), duration: elapsed)
        let code = response.status.code
        let level: Logger.Level = code >= 500 ? .warning : code >= 400 ? .info : .debug
        logger.log(
            level: level, "\(request.method) \(request.uri.path) \(code)",
            metadata: ["ms": "\(elapsed / .milliseconds(1))"])
        return response
    }
}
