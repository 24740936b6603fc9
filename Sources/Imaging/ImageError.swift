/// Why an image could not be read or written. Every case names the file.
package enum ImageError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case notAnImage(file: String)
    case corrupt(file: String, reason: String)
    case tooLarge(file: String, width: Int, height: Int, limit: Int)
    case unsupported(file: String, reason: String)
    case unwritable(file: String, reason: String)

    package var description: String {
        switch self {
        case .unreadable(let f, let r): return "\(f): cannot read the file: \(r)"
        case .notAnImage(let f):
            return "\(f): not a PNG or JPEG image (unrecognised leading bytes); convert it to PNG or JPEG"
        case .corrupt(let f, let r): return "\(f): corrupt or truncated image: \(r); re-export or re-download it"
        case .tooLarge(let f, let w, let h, let limit):
            return
                "\(f): image is \(w)×\(h) = \(w * h) pixels, above the limit of \(limit); downscale it or raise the pixel limit"
        case .unsupported(let f, let r): return "\(f): unsupported image: \(r)"
        case .unwritable(let f, let r): return "\(f): cannot write the image: \(r)"
        }
    }
}
