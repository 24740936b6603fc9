import Foundation

/// Writes files so that a reader (or the next run after a crash) sees the old file or the new one, never a
/// partial one: the data goes to a temporary sibling, is flushed to the disk (`fsync`), renamed over the
/// target, and the folder is flushed so the rename itself survives a power cut.
package enum AtomicFile {
    package static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        removeAbandonedTemporaries(of: url)
        let temp = temporarySibling(of: url)
        do {
            try writeAndSync(data, to: temp)
            guard rename(temp.path, url.path) == 0 else { throw FileSystemError(url.path, "cannot rename into place") }
            syncFolder(dir)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }

    /// A new name beside `url` for the data on its way there: `.NAME.tmp-PID-RANDOM`.
    static func temporarySibling(of url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// Temporary siblings left by a writer that was killed mid-write (`.NAME.tmp-PID-…` whose process is gone).
    static func removeAbandonedTemporaries(of url: URL) {
        let dir = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix(prefix)
        {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
            }
        }
    }

    /// Writes `data` to a new file at `url` and flushes it to the disk.
    package static func writeAndSync(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError(url.path, "cannot create") }
        defer { close(fd) }
        try writeAll(data, to: fd, path: url.path)
        guard fsync(fd) == 0 else { throw FileSystemError(url.path, "cannot flush to disk") }
    }

    /// Writes all of `data` to the open file `fd` (a short write continues; `path` names it in errors).
    static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw FileSystemError(path, "cannot write") }
                offset += n
            }
        }
    }

    /// Flushes a folder's entries (renames, new files) to the disk; best effort.
    package static func syncFolder(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// A failed file-system call: the path, what was being done, and the system's reason (`errno`), e.g.
/// "runs/x/last: cannot write: No space left on device".
package struct FileSystemError: Error, CustomStringConvertible {
    package var path: String
    package var action: String
    package var reason: String

    /// Captures `errno` at the point of failure.
    package init(_ path: String, _ action: String) {
        self.path = path
        self.action = action
        reason = String(cString: strerror(errno))
    }

    package var description: String { "\(path): \(action): \(reason)" }
}
