import Foundation
import Hummingbird
import NIOCore

/// One uploaded image: its name in the answer (the form field's name, or `image` for a bare body) and bytes.
struct UploadedImage: Sendable {
    var name: String
    var bytes: [UInt8]
}

/// Reads a request's images: a bare `image/png` or `image/jpeg` body, or the parts of a `multipart/form-data`
/// body. The body is read up to `maxBodyBytes` (413 beyond) within `readTimeout` (408 after), so neither a
/// huge nor a trickling upload can hold the server.
struct UploadReader: Sendable {
    var maxBodyBytes: Int
    var readTimeout: Duration

    static let imageTypes: Set<String> = ["image/png", "image/jpeg", "image/jpg", "application/octet-stream"]

    /// The images of `request` and whether they came as a form. A bare body needs an image content type; a
    /// form's parts may say theirs or not (the decoder reads the bytes' own signature either way).
    func images(_ request: Request) async throws -> (images: [UploadedImage], form: Bool) {
        let contentType = request.headers[.contentType] ?? ""
        if let boundary = try boundary(contentType) {
            let body = try await read(request)
            let parts: [FormPart]
            do { parts = try MultipartForm.parts(body, boundary: boundary) } catch {
                throw APIError.badRequest("\(error)")
            }
            guard !parts.isEmpty else { throw APIError.badRequest("the multipart body has no parts") }
            for part in parts {
                if let type = part.contentType, !Self.isImage(type) {
                    throw APIError(
                        status: .unsupportedMediaType,
                        message: "part '\(part.name)' is \(type); send image/png or image/jpeg parts")
                }
            }
            return (parts.map { UploadedImage(name: $0.name, bytes: $0.body) }, true)
        }
        guard Self.isImage(contentType) else {
            throw APIError(
                status: .unsupportedMediaType,
                message: contentType.isEmpty
                    ? "no Content-Type: send image/png, image/jpeg or multipart/form-data"
                    : "Content-Type \(contentType) is not accepted: send image/png, image/jpeg or multipart/form-data")
        }
        let body = try await read(request)
        guard !body.isEmpty else { throw APIError.badRequest("the request body is empty: send the image's bytes") }
        return ([UploadedImage(name: "image", bytes: body)], false)
    }

    static func isImage(_ contentType: String) -> Bool {
        let kind = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return kind.map(imageTypes.contains) ?? false
    }

    private func boundary(_ contentType: String) throws -> String? {
        do { return try MultipartForm.boundary(contentType: contentType) } catch {
            throw APIError.badRequest("\(error)")
        }
    }

    /// The whole body, or 413 / 408.
    func read(_ request: Request) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw tooLarge
        }
        let limit = maxBodyBytes
        let timeout = readTimeout
        let body = request.body
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                do {
                    var buffer = try await body.collect(upTo: limit)
                    return buffer.readBytes(length: buffer.readableBytes) ?? []
                } catch is NIOTooManyBytesError {
                    throw tooLarge
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else {
                throw APIError(
                    status: .requestTimeout,
                    message: "the request body did not arrive within \(timeout.components.seconds) s")
            }
            return bytes
        }
    }

    private var tooLarge: APIError {
        APIError(
            status: .contentTooLarge,
            message: "the request body is larger than \(maxBodyBytes) bytes (the server's --max-body-mb)")
    }
}
