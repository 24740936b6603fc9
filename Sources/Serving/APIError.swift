import ClassifyEmbed
import Foundation
import Hummingbird

/// A request the server will not or cannot answer with a result: answered `{"error": "…"}` with `status`.
struct APIError: Error, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    /// Extra response headers (`Retry-After` on 503, `WWW-Authenticate` on 401).
    var headers: HTTPFields = [:]

    var description: String { message }

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }

    /// 503 with `Retry-After`: the client should send the same request again shortly.
    static func unavailable(_ message: String) -> APIError {
        APIError(status: .serviceUnavailable, message: message, headers: [.retryAfter: "1"])
    }
}

/// JSON bodies, written as the CLI writes its JSON lines (`JSONLines.encoder`: keys sorted, slashes left
/// alone, an infinite stored threshold as "inf").
enum JSONBody {
    static let encoder = JSONLines.encoder

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        do {
            let data = try encoder.encode(value)
            return Response(
                status: status, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return response(APIError(status: .internalServerError, message: "cannot encode the answer: \(error)"))
        }
    }

    static func response(_ error: APIError) -> Response {
        struct Body: Encodable { var error: String }
        var r = response(Body(error: error.message), status: error.status)
        for field in error.headers { r.headers.append(field) }
        return r
    }
}
