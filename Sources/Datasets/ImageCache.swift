import Engine
import Foundation
import Imaging

/// Every image of a split decoded once and resized (Pillow bilinear) to `side × side` RGB8: decoding a batch
/// of PNG/JPEG files costs more than a training step, so it is done once, up front, in parallel.
///
/// The pixels live in a memory-mapped file, not in the process's heap: the kernel keeps the pages that
/// training touches in RAM and drops the others (they are clean once written back), so 200,000 images at
/// 144 px (12 GB) train on a machine with far less memory. The file is unlinked as soon as it is mapped, so
/// it disappears with the cache, even after a crash.
package final class ImageCache: @unchecked Sendable {
    package let side: Int
    package let count: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private let mappedBytes: Int

    /// Decodes every row of `split` into a mapped file in `directory` (default: the temporary folder,
    /// `$TMPDIR`); all unreadable images are reported together as `file:line: reason`.
    package init(split: Split, side: Int, decoder: ImageDecoder = ImageDecoder(), directory: URL? = nil) throws {
        self.side = side
        count = split.rows.count
        let bytes = side * side * 3
        mappedBytes = max(count * bytes, 1)
        storage = try Self.map(bytes: mappedBytes, in: directory ?? FileManager.default.temporaryDirectory)
        // From here on `deinit` owns the mapping, also when this initialiser throws below (every stored
        // property is set): unmapping here as well would free it twice.
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
        if !problems.isEmpty { throw SplitError(problems: problems) }
    }

    deinit { munmap(storage, mappedBytes) }

    /// A shared, writable mapping of a new file of `bytes` bytes, unlinked at once.
    private static func map(bytes: Int, in directory: URL) throws -> UnsafeMutablePointer<UInt8> {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var template = Array(directory.appendingPathComponent("image-cache-XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw SplitError(
                problems: ["\(directory.path): cannot create the image cache file (errno \(errno))"], subject: .files)
        }
        defer { close(fd) }
        let path = String(cString: template)
        unlink(path)
        guard ftruncate(fd, off_t(bytes)) == 0 else {
            throw SplitError(
                problems: ["\(path): cannot size the image cache to \(bytes) bytes (errno \(errno))"], subject: .files)
        }
        let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw SplitError(problems: ["\(path): cannot map the image cache (errno \(errno))"], subject: .files)
        }
        return p.assumingMemoryBound(to: UInt8.self)
    }

    package func image(_ index: Int) -> RGBImage {
        let bytes = side * side * 3
        return RGBImage(
            width: side, height: side, pixels: Array(UnsafeBufferPointer(start: storage + index * bytes, count: bytes)))
    }
}
