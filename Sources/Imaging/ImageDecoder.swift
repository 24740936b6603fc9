import CImageCodecs
import Engine
import Foundation

/// Decodes PNG and JPEG files to upright RGB8, the way `PIL.Image.open(f)` + `exif_transpose` +
/// `convert("RGB")` would. The pixel count is checked from the header before any pixel memory is allocated.
package struct ImageDecoder: Sendable {
    /// Images with more pixels than this are refused (64 MP by default, like a decompression-bomb guard).
    package var maxPixels: Int = 64_000_000
    /// Whether to rotate/flip by the EXIF orientation tag.
    package var appliesExifOrientation = true

    package init(maxPixels: Int = 64_000_000, appliesExifOrientation: Bool = true) {
        self.maxPixels = maxPixels
        self.appliesExifOrientation = appliesExifOrientation
    }

    package enum Format: String, Sendable { case png, jpeg }

    package static func format(of bytes: [UInt8]) -> Format? {
        if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return .png
        }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    /// The largest image file read at all (a 64-megapixel PNG is far smaller).
    package static let maximumFileBytes = 1 << 30

    private func read(_ url: URL) throws -> Data {
        do { return try FileReading.contents(of: url, limit: Self.maximumFileBytes) } catch let e as FileReadingError {
            throw ImageError.unreadable(file: url.path, reason: e.reason)
        }
    }

    /// Reads and decodes `url`.
    package func decode(contentsOf url: URL) throws -> RGBImage {
        return try decode([UInt8](try read(url)), file: url.path)
    }

    /// Width and height from the header only.
    package func size(of bytes: [UInt8], file: String) throws -> (width: Int, height: Int) {
        guard let format = Self.format(of: bytes) else { throw ImageError.notAnImage(file: file) }
        var w: Int32 = 0
        var h: Int32 = 0
        var message = [CChar](repeating: 0, count: 200)
        let rc = bytes.withUnsafeBufferPointer { b in
            format == .png
                ? ce_png_header(b.baseAddress, b.count, &w, &h, &message)
                : ce_jpeg_header(b.baseAddress, b.count, &w, &h, &message)
        }
        guard Int(rc) == CE_OK else {
            throw ImageError.corrupt(
                file: file,
                reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return (Int(w), Int(h))
    }

    /// Decodes in-memory PNG or JPEG bytes; `file` is used in error messages.
    package func decode(_ bytes: [UInt8], file: String) throws -> RGBImage {
        try decode(bytes, file: file, keepAlpha: false).image
    }

    /// Like `decode(contentsOf:)`, plus the alpha plane of a PNG that has one (tRNS included), else nil.
    /// EXIF orientation is not applied here: it is for cut-out graphics, not camera photos.
    package func decodeWithAlpha(contentsOf url: URL) throws -> (image: RGBImage, alpha: [UInt8]?) {
        return try decode([UInt8](try read(url)), file: url.path, keepAlpha: true)
    }

    private func decode(_ bytes: [UInt8], file: String, keepAlpha: Bool) throws -> (image: RGBImage, alpha: [UInt8]?) {
        guard let format = Self.format(of: bytes) else { throw ImageError.notAnImage(file: file) }
        var result = ce_image()
        let rgba = keepAlpha && format == .png
        let rc = bytes.withUnsafeBufferPointer { b in
            rgba
                ? ce_png_decode_rgba8(b.baseAddress, b.count, Int64(maxPixels), &result)
                : format == .png
                    ? ce_png_decode_rgb8(b.baseAddress, b.count, Int64(maxPixels), &result)
                    : ce_jpeg_decode_rgb8(b.baseAddress, b.count, Int64(maxPixels), &result)
        }
        defer {
            ce_free(result.pixels)
            ce_free(result.exif)
        }
        let message = withUnsafeBytes(of: result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch Int(rc) {
        case CE_OK: break
        case CE_ERR_TOO_LARGE:
            let (w, h) = (try? size(of: bytes, file: file)) ?? (0, 0)
            throw ImageError.tooLarge(file: file, width: w, height: h, limit: maxPixels)
        case CE_ERR_UNSUPPORTED: throw ImageError.unsupported(file: file, reason: message)
        case CE_ERR_NOMEM: throw ImageError.unsupported(file: file, reason: message)
        default: throw ImageError.corrupt(file: file, reason: message)
        }
        let w = Int(result.width)
        let h = Int(result.height)
        if rgba {
            let raw = UnsafeBufferPointer(start: result.pixels, count: w * h * 4)
            var rgb = [UInt8](repeating: 0, count: w * h * 3)
            var alpha = [UInt8](repeating: 0, count: w * h)
            for i in 0..<(w * h) {
                rgb[3 * i] = raw[4 * i]
                rgb[3 * i + 1] = raw[4 * i + 1]
                rgb[3 * i + 2] = raw[4 * i + 2]
                alpha[i] = raw[4 * i + 3]
            }
            return (RGBImage(width: w, height: h, pixels: rgb), alpha)
        }
        let pixels = [UInt8](UnsafeBufferPointer(start: result.pixels, count: w * h * 3))
        var image = RGBImage(width: w, height: h, pixels: pixels)
        if appliesExifOrientation, let exif = result.exif, result.exif_length > 0 {
            let raw = [UInt8](UnsafeBufferPointer(start: exif, count: result.exif_length))
            if let o = ExifOrientation.orientation(exif: raw) { image = ExifOrientation.apply(o, to: image) }
        }
        return (image, nil)
    }
}
