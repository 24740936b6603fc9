import Engine
import Foundation

/// An exclusive lock on a run folder (`flock` on `RUN/.lock`), so that two `train` processes never write one
/// run at once. The kernel drops it when the process ends, however it ends, so a killed run never leaves a
/// stale lock; the file itself only tells the next process who holds it.
package final class RunLock {
    private let fd: Int32
    private let url: URL

    package init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent(".lock")
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError(url.path, "cannot open the run's lock file") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            close(fd)
            throw TrainingError.runInUse(
                folder.path,
                "another training process is writing this run (\(holder.map { "process \($0)" } ?? "unknown process")); "
                    + "wait for it to finish, stop it, or train into another --output")
        }
        let note = "\(getpid()) since \(ISO8601DateFormatter().string(from: Date()))\n"
        ftruncate(fd, 0)
        _ = note.withCString { Glibc.write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
