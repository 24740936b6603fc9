import Foundation
import Glibc

/// `AtomicFile.write` for output that arrives in pieces (one batch of predictions after another): the pieces go
/// to a temporary sibling, and `commit()` flushes it to the disk and renames it over the target, so a reader
/// sees the old file or the complete new one, never a partial one. A writer that is never committed (an
/// error, a kill) leaves the target as it was; its temporary file is removed by `abandon()` or by the next
/// writer of the same target.
package final class AtomicFileWriter {
    package let url: URL
    private let temporary: URL
    private var fd: Int32

    /// Starts a new temporary file beside `url` (creating its folder).
    package init(url: URL) throws {
        self.url = url
        let folder = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw FileSystemError(folder.path, "cannot create the folder")
        }
        AtomicFile.removeAbandonedTemporaries(of: url)
        temporary = AtomicFile.temporarySibling(of: url)
        fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError(url.path, "cannot create a temporary file beside it") }
    }

    deinit { abandon() }

    /// Appends `data`.
    package func write(_ data: Data) throws {
        guard fd >= 0 else { throw FileSystemError(url.path, "the writer is already closed") }
        try AtomicFile.writeAll(data, to: fd, path: url.path)
    }

    /// Flushes the data to the disk and renames it into place (then flushes the folder). On failure the
    /// temporary file is removed and the target left as it was.
    package func commit() throws {
        guard fd >= 0 else { throw FileSystemError(url.path, "the writer is already closed") }
        let flushFailure = fsync(fd) == 0 ? nil : FileSystemError(url.path, "cannot flush to disk")
        close(fd)
        fd = -1
        if let flushFailure {
            unlink(temporary.path)
            throw flushFailure
        }
        guard rename(temporary.path, url.path) == 0 else {
            let failure = FileSystemError(url.path, "cannot rename into place")
            unlink(temporary.path)
            throw failure
        }
        AtomicFile.syncFolder(url.deletingLastPathComponent())
    }

    /// Closes and removes the temporary file (nothing happens to the target); safe to call again.
    package func abandon() {
        if fd >= 0 {
            close(fd)
            fd = -1
            unlink(temporary.path)
        }
    }
}
