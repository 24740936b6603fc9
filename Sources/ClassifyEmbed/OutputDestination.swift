import Engine
import Foundation

/// Where a command's results go: standard output as they come, or a file written atomically (a temporary
/// sibling, flushed to the disk and renamed into place by `commit()`), so that a reader never sees half a
/// file and a failed run leaves an earlier file as it was.
final class OutputDestination {
    private let file: AtomicFileWriter?

    /// Standard output when `path` is nil.
    init(path: String?) throws {
        file = try path.map { try AtomicFileWriter(url: URL(fileURLWithPath: $0)) }
    }

    func write(_ text: String) throws {
        guard !text.isEmpty else { return }
        if let file { try file.write(Data(text.utf8)) } else { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    /// Puts the file into place (nothing to do for standard output).
    func commit() throws { try file?.commit() }
}
