import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A test's HTTP client: one request, its status, headers and body.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }

    func object() throws -> [String: Any] {
        guard let o = try json() as? [String: Any] else { throw HTTPClientError("not a JSON object: \(text)") }
        return o
    }
}

struct HTTPClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Requests to `http://127.0.0.1:PORT` through URLSession (no keep-alive assumptions, 30 s timeout).
struct HTTPClient: Sendable {
    var port: Int
    var token: String?

    func send(
        _ method: String, _ path: String, body: Data? = nil, contentType: String? = nil, token: String?? = nil
    ) async throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 30
        request.httpBody = body
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let bearer = token ?? self.token {
            request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization")
        }
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                guard let http = response as? HTTPURLResponse else {
                    return continuation.resume(throwing: HTTPClientError("no HTTP response"))
                }
                var headers: [String: String] = [:]
                for (k, v) in http.allHeaderFields {
                    if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
                }
                continuation.resume(
                    returning: HTTPAnswer(status: http.statusCode, headers: headers, body: data ?? Data()))
            }.resume()
        }
    }

    func get(_ path: String) async throws -> HTTPAnswer { try await send("GET", path) }

    func postImage(_ path: String, _ file: URL, contentType: String = "image/jpeg") async throws -> HTTPAnswer {
        try await send("POST", path, body: try Data(contentsOf: file), contentType: contentType)
    }

    func postForm(_ path: String, _ parts: [(name: String, data: Data, type: String)]) async throws -> HTTPAnswer {
        let boundary = "test-boundary-\(UUID().uuidString)"
        var body = Data()
        for part in parts {
            body.append(Data("--\(boundary)\r\n".utf8))
            body.append(
                Data("Content-Disposition: form-data; name=\"\(part.name)\"; filename=\"\(part.name).jpg\"\r\n".utf8))
            body.append(Data("Content-Type: \(part.type)\r\n\r\n".utf8))
            body.append(part.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return try await send("POST", path, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }
}
