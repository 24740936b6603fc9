import Engine
import Foundation

/// `log.jsonl`: one JSON object per line, appended and flushed as training goes.
final class JSONLog {
    private let handle: FileHandle

    init(_ url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
    }

    func write(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        handle.write(data + Data("\n".utf8))
    }

    /// Flushes what was written to the disk (before a checkpoint that the lines describe).
    func sync() { try? handle.synchronize() }

    deinit { try? handle.close() }

    /// Cuts the log back to what the checkpoint being resumed from had seen: step lines up to `step`, epoch
    /// lines before `epoch`; whatever a killed run wrote after its last checkpoint is dropped, since the
    /// resumed run writes it again (no repeated or missing lines). A partial last line goes too.
    static func truncate(_ url: URL, toStep step: Int, epoch: Int) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        var kept: [Substring] = []
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let kind = object["kind"] as? String
            else { break }
            let keep: Bool
            switch kind {
            case "step": keep = (object["step"] as? Int ?? .max) <= step
            case "epoch": keep = (object["epoch"] as? Int ?? .max) < epoch
            default: keep = true
            }
            guard keep else { break }
            kept.append(line)
        }
        let rewritten = kept.map { $0 + "\n" }.joined()
        if rewritten != text { try AtomicFile.write(Data(rewritten.utf8), to: url) }
    }
}
