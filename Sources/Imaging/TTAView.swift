import Foundation

/// One test-time augmentation view of an image. Flips and blur are for the classification head; small crops
/// (scale and shift) for the embedding head, since flipped documents are different templates.
package enum TTAView: Equatable, Sendable, CustomStringConvertible {
    case identity
    case horizontalFlip
    /// A 3×3 binomial blur.
    case blur
    /// The window of `scale` × the image (both sides), its centre moved by (`dx`, `dy`) × the image size.
    case crop(scale: Double, dx: Double, dy: Double)

    package var description: String {
        switch self {
        case .identity: return "identity"
        case .horizontalFlip: return "hflip"
        case .blur: return "blur"
        case .crop(let s, let dx, let dy):
            return String(
                format: "crop(%.2f%@%@)", s, dx == 0 ? "" : String(format: ", dx %+.2f", dx),
                dy == 0 ? "" : String(format: ", dy %+.2f", dy))
        }
    }

    package func apply(_ image: RGBImage) -> RGBImage {
        let w = image.width
        let h = image.height
        switch self {
        case .identity:
            return image
        case .horizontalFlip:
            var out = image
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 { out.pixels[3 * (y * w + x) + c] = image.pixels[3 * (y * w + w - 1 - x) + c] }
                }
            }
            return out
        case .blur:
            var out = image
            let k = [1, 2, 1]
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 {
                        var s = 0
                        for j in -1...1 {
                            for i in -1...1 {
                                s +=
                                    k[j + 1] * k[i + 1]
                                    * Int(
                                        image.pixels[
                                            3 * (min(max(y + j, 0), h - 1) * w + min(max(x + i, 0), w - 1)) + c])
                            }
                        }
                        out.pixels[3 * (y * w + x) + c] = UInt8((s + 8) / 16)
                    }
                }
            }
            return out
        case .crop(let scale, let dx, let dy):
            let cw = max(1, Int(Double(w) * scale))
            let ch = max(1, Int(Double(h) * scale))
            let x0 = min(max(0, (w - cw) / 2 + Int(dx * Double(w))), w - cw)
            let y0 = min(max(0, (h - ch) / 2 + Int(dy * Double(h))), h - ch)
            var px = [UInt8](repeating: 0, count: cw * ch * 3)
            for y in 0..<ch {
                for x in 0..<cw {
                    for c in 0..<3 { px[3 * (y * cw + x) + c] = image.pixels[3 * ((y0 + y) * w + x0 + x) + c] }
                }
            }
            return RGBImage(width: cw, height: ch, pixels: px)
        }
    }
}

/// The views and weights of test-time augmentation, per head. Classification probabilities are averaged with
/// the weights; embeddings are L2-normalised per view, averaged with the weights and normalised again.
package struct TTASettings: Sendable, CustomStringConvertible {
    package var classification: [(view: TTAView, weight: Double)]
    package var embedding: [(view: TTAView, weight: Double)]

    package init(classification: [(view: TTAView, weight: Double)], embedding: [(view: TTAView, weight: Double)]) {
        self.classification = classification
        self.embedding = embedding
    }

    package static let standard = TTASettings(
        classification: [(.identity, 0.5), (.horizontalFlip, 0.3), (.blur, 0.2)],
        embedding: [
            (.identity, 0.4), (.crop(scale: 0.92, dx: 0, dy: 0), 0.2),
            (.crop(scale: 0.92, dx: -0.03, dy: -0.03), 0.2), (.crop(scale: 0.92, dx: 0.03, dy: 0.03), 0.2),
        ])

    package var description: String {
        func list(_ v: [(view: TTAView, weight: Double)]) -> String {
            v.map { "\($0.view)×\(String(format: "%g", $0.weight))" }.joined(separator: ", ")
        }
        return "classification: " + list(classification) + "; embedding: " + list(embedding)
    }
}
