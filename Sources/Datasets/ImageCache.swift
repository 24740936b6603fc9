import Engine
import Foundation
import Imaging

/// Every image of a split decoded once and resized (Pillow bilinear) to `side × side` RGB8, held in one
/// contiguous buffer: decoding a batch of PNG/JPEG files costs more than a training step, so it is done
/// once, up front, in parallel.
package final class ImageCache: @unchecked Sendable {
    package let side: Int
    package let count: Int
    private let storage: UnsafeMutablePointer<UInt8>

    /// Decodes every row of `split`; all unreadable images are reported together as `file:line: reason`.
    package init(split: Split, side: Int, decoder: ImageDecoder = ImageDecoder()) throws {
        self.side = side
        count = split.rows.count
        let bytes = side * side * 3
        storage = .allocate(capacity: max(count * bytes, 1))
        let store = SendablePointer(storage)
        var failures = [String?](repeating: nil, count: count)
        let rows = split.rows
        let csv = split.file.path
        failures.withUnsafeMutableBufferPointer { f in
            let fp = SendablePointer(f.baseAddress!)
            Parallel.forEach(count) { i in
                do {
                    let image = try decoder.decode(contentsOf: rows[i].path)
                    let resized = Resize.bilinear(image, width: side, height: side)
                    resized.pixels.withUnsafeBufferPointer {
                        (store.pointer + i * bytes).update(from: $0.baseAddress!, count: bytes)
                    }
                } catch {
                    fp.pointer[i] = "\(csv):\(rows[i].line): \(error)"
                }
            }
        }
        let problems = failures.compactMap { $0 }
        if !problems.isEmpty {
            storage.deallocate()
            throw SplitError(problems: problems)
        }
    }

    deinit { storage.deallocate() }

    package func image(_ index: Int) -> RGBImage {
        let bytes = side * side * 3
        return RGBImage(
            width: side, height: side, pixels: Array(UnsafeBufferPointer(start: storage + index * bytes, count: bytes)))
    }
}
