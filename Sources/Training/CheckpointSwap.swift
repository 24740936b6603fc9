import Engine
import Foundation

/// How a checkpoint folder (`last/`, `best/`) is replaced so that a kill at any moment leaves something
/// complete to resume from. A save writes every file into `.NAME.new/` (each file flushed to the disk,
/// `trainer.json` last, so its presence means the folder is complete), moves the current `NAME/` aside to
/// `.NAME.old/`, renames `.NAME.new/` to `NAME/`, and only then deletes `.NAME.old/`. `recover` turns every
/// state a kill can leave into a complete `NAME/`: the newest complete folder wins.
package enum CheckpointSwap {
    /// Test hook: called after every file-system step of a save with its running number; throwing there
    /// stops the save on the spot, as a kill would (nothing is cleaned up).
    nonisolated(unsafe) package static var afterStep: ((Int) throws -> Void)?
    nonisolated(unsafe) private static var stepCount = 0

    /// The file whose presence marks a complete checkpoint folder.
    package static let marker = "trainer.json"

    package static func staging(_ folder: URL) -> URL { sibling(folder, ".new") }
    package static func retired(_ folder: URL) -> URL { sibling(folder, ".old") }

    private static func sibling(_ folder: URL, _ suffix: String) -> URL {
        folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent)\(suffix)")
    }

    /// Counts a finished file-system step and gives the test hook its chance to stop the save there.
    package static func step() throws {
        stepCount += 1
        try afterStep?(stepCount)
    }

    /// Resets the step counter (tests, before each save they want to count).
    package static func resetSteps() { stepCount = 0 }

    package static func isComplete(_ folder: URL, marker: String = marker) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(marker).path)
    }

    /// Replaces `folder` with what `write` puts into the staging folder it is handed.
    package static func save(_ folder: URL, marker: String = marker, write: (URL) throws -> Void) throws {
        let fm = FileManager.default
        _ = try recover(folder, marker: marker)
        let new = staging(folder)
        let old = retired(folder)
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: new, withIntermediateDirectories: true)
        try step()
        try write(new)
        AtomicFile.syncFolder(new)
        if fm.fileExists(atPath: folder.path) {
            try move(folder, to: old)
            AtomicFile.syncFolder(parent)
            try step()
        }
        try move(new, to: folder)
        AtomicFile.syncFolder(parent)
        try step()
        try? fm.removeItem(at: old)
        try step()
    }

    /// Brings `folder` back to a complete checkpoint after an interrupted save, and removes what such saves
    /// left behind. Returns a sentence for the log when it repaired something.
    @discardableResult
    package static func recover(_ folder: URL, marker: String = marker) throws -> String? {
        let fm = FileManager.default
        let new = staging(folder)
        let old = retired(folder)
        defer { removeLegacyLeftovers(folder) }
        if isComplete(folder, marker: marker) {
            try? fm.removeItem(at: new)
            try? fm.removeItem(at: old)
            return nil
        }
        for (candidate, what) in [(new, "finished an interrupted save"), (old, "restored the previous checkpoint")]
        where isComplete(candidate, marker: marker) {
            try? fm.removeItem(at: folder)
            try move(candidate, to: folder)
            AtomicFile.syncFolder(folder.deletingLastPathComponent())
            try? fm.removeItem(at: new)
            try? fm.removeItem(at: old)
            return "\(folder.path): \(what) (a save had been interrupted)"
        }
        try? fm.removeItem(at: new)
        return nil
    }

    /// Temporary folders of the earlier protocol (`.NAME.tmp-PID`), 8 MB each, never reused.
    private static func removeLegacyLeftovers(_ folder: URL) {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let prefix = ".\(folder.lastPathComponent).tmp-"
        for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            try? fm.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    private static func move(_ from: URL, to: URL) throws {
        guard rename(from.path, to.path) == 0 else { throw FileSystemError(to.path, "cannot rename \(from.path) here") }
    }
}
