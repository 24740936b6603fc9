import CImageCodecs
import Engine
import Foundation

/// Encodes RGB8 images as PNG; files are written atomically (temp file + rename).
package enum PNGWriter {
    package static func encode(_ image: RGBImage, file: String = "<memory>") throws -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 200)
        let rc = image.pixels.withUnsafeBufferPointer { p in
            ce_png_encode(p.baseAddress, Int32(image.width), Int32(image.height), 3, &out, &length, &message)
        }
        defer { ce_free(out) }
        guard Int(rc) == CE_OK, let out else {
            throw ImageError.unwritable(
                file: file,
                reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Data(bytes: out, count: length)
    }

    package static func write(_ image: RGBImage, to url: URL) throws {
        let data = try encode(image, file: url.path)
        do { try AtomicFile.write(data, to: url) } catch {
            throw ImageError.unwritable(file: url.path, reason: "\(error)")
        }
    }
}
