import Foundation

/// Reading a whole input file (an image, a model, a checkpoint) with a reason a person can act on when it
/// cannot be read: no such file, a symbolic-link loop, a folder, a FIFO or device (which would block or never
/// end), no permission, or more bytes than that kind of file may have. The file is checked with `stat` before
/// it is opened, so a FIFO is never opened and `/dev/zero` is never read.
package enum FileReading {
    /// Why `path` is no readable regular file of at most `limit` bytes, or nil when it is one.
    package static func problem(_ path: String, limit: Int) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            switch errno {
            case ENOENT: return lstatSucceeds(path) ? "a symbolic link to nothing" : "no such file"
            case ELOOP: return "a loop of symbolic links"
            case EACCES: return "no permission to look at it"
            case ENOTDIR: return "a part of the path is not a folder"
            default: return String(cString: strerror(errno))
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return "a folder, not a file"
        case S_IFIFO: return "a FIFO (named pipe), not a file"
        case S_IFCHR, S_IFBLK: return "a device, not a file"
        case S_IFSOCK: return "a socket, not a file"
        default: return "not a regular file"
        }
        guard Int(info.st_size) <= limit else {
            return "\(info.st_size) bytes, more than the \(limit / (1 << 20)) MiB allowed for this kind of file"
        }
        guard access(path, R_OK) == 0 else { return "no permission to read it" }
        return nil
    }

    /// The file's bytes (memory-mapped where safe), or an error carrying `problem`'s reason.
    package static func contents(of url: URL, limit: Int, mapped: Bool = false) throws -> Data {
        if let reason = problem(url.path, limit: limit) { throw FileReadingError(path: url.path, reason: reason) }
        do {
            return try Data(contentsOf: url, options: mapped ? .mappedIfSafe : [])
        } catch {
            throw FileReadingError(path: url.path, reason: "cannot read it (\(error.localizedDescription))")
        }
    }

    private static func lstatSucceeds(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

/// An input file that cannot be read, and why.
package struct FileReadingError: Error, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { "\(path): \(reason)" }
}
