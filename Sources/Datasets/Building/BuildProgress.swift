import Engine
import Foundation

/// The resumable state of a build in `OUT/progress/`: `key.txt` (the settings and the manifest it was
/// started with) and one file per finished chunk of identities (`chunk-NNNNNN.txt`: the captures.csv rows of
/// its identities, or `!` and the reason for an identity whose source could not be read). Chunks are written
/// atomically after their captures, so a killed build restarts at its first unfinished chunk and, being
/// deterministic, writes the same files.
final class BuildProgress: @unchecked Sendable {
    let folder: URL

    init(output: URL, key: String) throws {
        folder = output.appendingPathComponent("progress")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keyFile = folder.appendingPathComponent("key.txt")
        if let old = try? String(contentsOf: keyFile, encoding: .utf8) {
            guard old == key else {
                throw SplitError(
                    problems: [
                        "\(output.path) holds a build made with other settings or sources (\(keyFile.path)); "
                            + "use another --out or delete that folder"
                    ], subject: .files)
            }
        } else {
            try AtomicFile.write(Data(key.utf8), to: keyFile)
        }
    }

    private func file(_ chunk: Int) -> URL { folder.appendingPathComponent(String(format: "chunk-%06d.txt", chunk)) }

    /// The outcomes of a finished chunk, one per job in order, or nil when it has not finished.
    func finished(_ chunk: Int, jobs: Int) -> [Result<[CaptureRow], BuildFailure>]? {
        guard let text = try? String(contentsOf: file(chunk), encoding: .utf8) else { return nil }
        var outcomes: [Result<[CaptureRow], BuildFailure>] = []
        for block in text.components(separatedBy: "\n#\n").dropLast() {
            if block.hasPrefix("!") {
                outcomes.append(.failure(BuildFailure(reason: String(block.dropFirst()))))
            } else {
                let rows = block.split(separator: "\n").compactMap { CaptureRow(line: String($0)) }
                outcomes.append(.success(rows))
            }
        }
        return outcomes.count == jobs ? outcomes : nil
    }

    func record(_ chunk: Int, _ outcomes: [Result<[CaptureRow], BuildFailure>]) throws {
        var text = ""
        for outcome in outcomes {
            switch outcome {
            case .success(let rows): text += rows.map(\.line).joined(separator: "\n")
            case .failure(let f): text += "!" + f.reason.replacingOccurrences(of: "\n", with: " ")
            }
            text += "\n#\n"
        }
        try AtomicFile.write(Data(text.utf8), to: file(chunk))
    }
}

/// Why an identity was left out (its source could not be read or rendered).
struct BuildFailure: Error, Sendable {
    var reason: String
}

/// Work queue and results of one stage of the build, shared by the workers: jobs are claimed one at a time,
/// and a chunk is recorded when its last job finishes.
final class JobResults: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let pending: [Int]
    private var remaining: [Int: Int] = [:]
    private var capturesDone = 0
    private var lastTenth = 0
    private let total: Int
    let chunkSize: Int
    var outcomes: [Result<[CaptureRow], BuildFailure>?]

    /// `pending`: the job indices still to run (of `count`), `captures`: how many captures they hold.
    init(count: Int, pending: [Int], chunkSize: Int, captures: Int) {
        self.pending = pending
        self.chunkSize = chunkSize
        total = captures
        outcomes = Array(repeating: nil, count: count)
        for j in pending { remaining[j / chunkSize, default: 0] += 1 }
    }

    /// The next pending job with an index below `limit` (one stage's jobs), or nil.
    func claim(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < pending.count, pending[next] < limit else { return nil }
        next += 1
        return pending[next - 1]
    }

    /// Stores a job's outcome; returns the chunk's outcomes when this finished it, and a progress line at
    /// every tenth of the captures.
    func finish(
        _ j: Int, _ r: Result<[CaptureRow], BuildFailure>, captures: Int
    )
        -> (chunk: [Result<[CaptureRow], BuildFailure>]?, progress: String?)
    {
        lock.lock()
        defer { lock.unlock() }
        outcomes[j] = r
        capturesDone += captures
        let c = j / chunkSize
        remaining[c]! -= 1
        var chunk: [Result<[CaptureRow], BuildFailure>]?
        if remaining[c] == 0 {
            let range = (c * chunkSize)..<min((c + 1) * chunkSize, outcomes.count)
            chunk = range.map { outcomes[$0]! }
        }
        let tenth = capturesDone * 10 / max(total, 1)
        let line = tenth > lastTenth ? "\(capturesDone)/\(total) captures" : nil
        lastTenth = max(lastTenth, tenth)
        return (chunk, line)
    }
}
