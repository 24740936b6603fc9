import Engine
import Foundation
import Imaging

/// Backgrounds shared by every worker, loaded once: textures (tiled desks, walls) and photos (out of focus
/// rooms and scenes). Only training-split photos of the pool are used, so a test or validation identity never
/// appears behind a training capture; at most `limit` of each, evenly spaced over the manifest.
struct Backgrounds: Sendable {
    var textures: [FloatImage]
    var photos: [FloatImage]

    init(items textures: [SourceItem], photos: [SourceItem], limit: Int) throws {
        let decoder = ImageDecoder()
        func load(_ items: [SourceItem]) -> [FloatImage] {
            let step = max(1, Double(items.count) / Double(max(limit, 1)))
            let picked = stride(from: 0.0, to: Double(items.count), by: step).prefix(limit).map { items[Int($0)] }
            var out = [FloatImage?](repeating: nil, count: picked.count)
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: picked.count) { i in
                let image = try? FloatImage(decoder.decode(contentsOf: picked[i].path)).fitting(longSide: 384)
                lock.lock()
                out[i] = image
                lock.unlock()
            }
            return out.compactMap { $0 }
        }
        self.textures = load(textures)
        self.photos = load(photos)
        guard !self.photos.isEmpty else {
            throw SplitError(
                problems: [
                    photos.isEmpty
                        ? "the source manifest lists no training photo for backgrounds; run Tools/fetch-sources again"
                        : "none of the \(photos.count) training photos of the source manifest could be decoded for "
                            + "backgrounds (the first: \(photos[0].path.path)); run Tools/fetch-sources again"
                ], subject: .files)
        }
    }

    /// Under a page or object: a texture (half the time), a photo, or (inside `background`) a plain colour.
    func surface(rng: inout SeededGenerator) -> Surface {
        if !textures.isEmpty && rng.chance(0.5) {
            return Surface(image: textures[Int(rng.next() % UInt64(textures.count))], tiles: true)
        }
        return room(rng: &rng)
    }

    /// Around a screen or a framed picture: a photo.
    func room(rng: inout SeededGenerator) -> Surface {
        Surface(image: photos[Int(rng.next() % UInt64(photos.count))], tiles: false)
    }
}
