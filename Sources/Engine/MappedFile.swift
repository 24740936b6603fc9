import Foundation
import Glibc

/// A file of a fixed size mapped into memory read-write (`MAP_SHARED`), for caches that are filled over a
/// long run and must survive the process being killed: what `sync` has returned for is on disk. Created (as
/// zeros, sparse) when missing; an existing file of another size is an error, since it was made for other
/// settings.
package final class MappedFile: @unchecked Sendable {
    package let path: String
    package let byteCount: Int
    package let bytes: UnsafeMutableRawPointer
    private let descriptor: Int32

    package init(path: String, byteCount: Int) throws {
        precondition(byteCount > 0, "a mapped file needs at least one byte")
        self.path = path
        self.byteCount = byteCount
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw MappedFileError(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw MappedFileError(path: path, reason: String(cString: strerror(errno)))
        }
        if existed && Int(info.st_size) != byteCount {
            close(fd)
            throw MappedFileError(
                path: path, reason: "it has \(info.st_size) bytes where these settings need \(byteCount)")
        }
        if !existed || Int(info.st_size) != byteCount {
            guard ftruncate(fd, off_t(byteCount)) == 0 else {
                close(fd)
                throw MappedFileError(path: path, reason: "cannot size it: \(String(cString: strerror(errno)))")
            }
        }
        guard let p = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            close(fd)
            throw MappedFileError(path: path, reason: "cannot map it: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        bytes = p
    }

    /// Flushes `range` (bytes) to disk and waits for it.
    package func sync(_ range: Range<Int>) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = range.lowerBound / page * page
        let hi = min(byteCount, range.upperBound)
        guard hi > lo else { return }
        guard msync(bytes + lo, hi - lo, MS_SYNC) == 0 else {
            throw MappedFileError(path: path, reason: "msync failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        munmap(bytes, byteCount)
        close(descriptor)
    }
}

/// A mapped file that cannot be opened, sized or flushed.
package struct MappedFileError: Error, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { "\(path): \(reason)" }
}
