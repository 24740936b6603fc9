import Engine
import Foundation
import Imaging

/// The unlabelled images of the distillation pool: every PNG and JPEG under some folders (sorted by path, so
/// image i is the same file on every run), each decoded once and resized (Pillow bilinear) to `side × side`
/// RGB8 like the training cache, into a memory-mapped file in the cache folder. Images with alpha (clip
/// art) are composited over white. Decoding is resumable: a killed run continues with the first image not
/// yet done; an image that cannot be decoded is marked and left out, with its reason.
package final class ImagePool: @unchecked Sendable {
    /// File extensions taken into the pool (case-insensitive).
    package static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    package let files: [URL]
    package let side: Int
    /// SHA-256 over every file's path and size: a cache is only reused for the same pool.
    package let fingerprint: String
    private let pixels: MappedFile
    /// One byte per image: `Status` raw values.
    private let status: MappedFile

    /// What is known about one image.
    package enum Status: UInt8 {
        case pending = 0
        case decoded = 1
        case unreadable = 2
    }

    /// Lists the pool under `folders` (at most `maxImages`, spread evenly over the sorted list) and opens its
    /// decoded-image cache in `cacheFolder` (`pool-<side>.json`, `.u8`, `.status`), made when missing.
    package init(folders: [URL], side: Int, cacheFolder: URL, maxImages: Int? = nil) throws {
        precondition(side >= 8, "pool images need a side of at least 8 pixels")
        var files = try Self.scan(folders)
        if let maxImages, maxImages < files.count {
            let step = Double(files.count) / Double(maxImages)
            files = (0..<maxImages).map { files[Int(Double($0) * step)] }
        }
        guard !files.isEmpty else {
            throw PoolError(
                message: "no PNG or JPEG images under " + folders.map(\.path).joined(separator: ", "))
        }
        self.files = files
        self.side = side
        var hasher = SHA256()
        for f in files {
            let size = (try? FileManager.default.attributesOfItem(atPath: f.path)[.size] as? Int) ?? -1
            hasher.update(Data("\(f.path)\t\(size)\n".utf8))
        }
        fingerprint = hasher.hexDigest()
        try FileManager.default.createDirectory(at: cacheFolder, withIntermediateDirectories: true)
        let stem = cacheFolder.appendingPathComponent("pool-\(side)")
        let index = stem.appendingPathExtension("json")
        let description = PoolDescription(side: side, count: files.count, fingerprint: fingerprint)
        if let data = try? Data(contentsOf: index) {
            let existing = try? JSONDecoder().decode(PoolDescription.self, from: data)
            guard existing == description else {
                throw PoolError(
                    message: "\(index.path) was made for another pool (the folders' files changed since); "
                        + "delete \(cacheFolder.path)/pool-\(side).* or use another cache folder")
            }
        }
        pixels = try MappedFile(path: stem.appendingPathExtension("u8").path, byteCount: files.count * side * side * 3)
        status = try MappedFile(path: stem.appendingPathExtension("status").path, byteCount: files.count)
        if !FileManager.default.fileExists(atPath: index.path) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(try encoder.encode(description), to: index)
        }
    }

    package var count: Int { files.count }

    package func status(of index: Int) -> Status {
        Status(rawValue: status.bytes.load(fromByteOffset: index, as: UInt8.self)) ?? .pending
    }

    /// Images decoded so far (usable).
    package var decodedCount: Int { (0..<count).filter { status(of: $0) == .decoded }.count }

    /// Decodes every image not yet done, `chunk` at a time in parallel; after each chunk its pixels are
    /// flushed before its status bytes, so a kill never leaves an image marked done without its pixels.
    /// Returns the unreadable images with their reasons; `progress(done, total)` after each chunk.
    @discardableResult
    package func decodeAll(
        chunk: Int = 256, decoder: ImageDecoder = ImageDecoder(), progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> [(file: URL, reason: String)] {
        var failures: [(URL, String)] = []
        let bytes = side * side * 3
        let side = self.side
        let files = self.files
        let store = SendablePointer(pixels.bytes.assumingMemoryBound(to: UInt8.self))
        var start = 0
        while start < count {
            let end = min(start + chunk, count)
            let todo = (start..<end).filter { status(of: $0) == .pending }
            if !todo.isEmpty {
                var reasons = [String?](repeating: nil, count: todo.count)
                reasons.withUnsafeMutableBufferPointer { rb in
                    let rp = SendablePointer(rb.baseAddress!)
                    Parallel.dynamic(todo.count) { _, j in
                        let i = todo[j]
                        do {
                            let image = try Self.decode(files[i], decoder: decoder)
                            let resized = Resize.bilinear(image, width: side, height: side)
                            resized.pixels.withUnsafeBufferPointer {
                                (store.pointer + i * bytes).update(from: $0.baseAddress!, count: bytes)
                            }
                        } catch {
                            // The decoder's message starts with the path, which the caller already has.
                            let text = "\(error)"
                            let prefix = files[i].path + ": "
                            rp.pointer[j] = text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
                        }
                    }
                }
                try pixels.sync((start * bytes)..<(end * bytes))
                for (j, i) in todo.enumerated() {
                    let s: Status = reasons[j] == nil ? .decoded : .unreadable
                    status.bytes.storeBytes(of: s.rawValue, toByteOffset: i, as: UInt8.self)
                    if let r = reasons[j] { failures.append((files[i], r)) }
                }
                try status.sync(start..<end)
            }
            start = end
            progress(start, count)
        }
        return failures
    }

    /// Image `index` as decoded (call after `decodeAll`).
    package func image(_ index: Int) -> RGBImage {
        let bytes = side * side * 3
        let p = pixels.bytes.assumingMemoryBound(to: UInt8.self) + index * bytes
        return RGBImage(width: side, height: side, pixels: Array(UnsafeBufferPointer(start: p, count: bytes)))
    }

    /// Decodes `url`; transparent pixels become white (clip art is drawn on white, not on black).
    private static func decode(_ url: URL, decoder: ImageDecoder) throws -> RGBImage {
        let (image, alpha) = try decoder.decodeWithAlpha(contentsOf: url)
        guard let alpha else { return image }
        var out = image
        for i in 0..<alpha.count where alpha[i] < 255 {
            let a = Int(alpha[i])
            for c in 0..<3 {
                let v = Int(out.pixels[3 * i + c])
                out.pixels[3 * i + c] = UInt8((v * a + 255 * (255 - a) + 127) / 255)
            }
        }
        return out
    }

    /// Every image file under `folders`, sorted by path; hidden files and folders are skipped.
    private static func scan(_ folders: [URL]) throws -> [URL] {
        var found: [URL] = []
        for folder in folders {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue
            else {
                throw PoolError(message: "\(folder.path) is not a folder")
            }
            guard
                let walker = FileManager.default.enumerator(
                    at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            else { continue }
            for case let url as URL in walker where extensions.contains(url.pathExtension.lowercased()) {
                if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    found.append(url.standardizedFileURL)
                }
            }
        }
        return Array(Set(found)).sorted { $0.path < $1.path }
    }
}

/// The pool's identity as stored beside its cache.
private struct PoolDescription: Codable, Equatable {
    var side: Int
    var count: Int
    var fingerprint: String
}

/// A pool that cannot be listed or whose cache belongs to another pool.
package struct PoolError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
