import Foundation
import Glibc

/// Progress of a long run over images (`predict`, `evaluate`) on standard error: images done of all, images
/// per second and the time left. On a terminal it is one line redrawn in place; it is shown only there and
/// only for more than `minimumImages`, so piped or logged output stays clean. `CLASSIFY_EMBED_PROGRESS`
/// overrides that: `always` (or `1`) shows it for any count and any standard error, as plain lines when
/// standard error is no terminal; `never` (or `0`) hides it.
final class ImageProgress {
    /// When to show progress.
    enum Mode {
        /// On a terminal, for more than `minimumImages`.
        case automatic
        case always
        case never

        /// `CLASSIFY_EMBED_PROGRESS` (`always`/`1`, `never`/`0`), else automatic.
        static var fromEnvironment: Mode {
            switch ProcessInfo.processInfo.environment[ImageProgress.environmentVariable]?.lowercased() {
            case "always", "1": return .always
            case "never", "0": return .never
            default: return .automatic
            }
        }
    }

    static let environmentVariable = "CLASSIFY_EMBED_PROGRESS"
    /// Fewer images than this finish before progress would tell anything.
    static let minimumImages = 200

    private let label: String
    private let total: Int
    private let shown: Bool
    private let terminal = isatty(STDERR_FILENO) != 0
    private let start = Date()
    private var lastDrawn = Date.distantPast
    private var done = 0
    private var lineOnScreen = false

    init(label: String, total: Int, mode: Mode = .fromEnvironment) {
        self.label = label
        self.total = total
        switch mode {
        case .automatic: shown = total > Self.minimumImages && isatty(STDERR_FILENO) != 0
        case .always: shown = true
        case .never: shown = false
        }
    }

    /// `count` more images are done; redrawn at most ten times a second on a terminal, once a second
    /// otherwise, and always at the last image.
    func advance(by count: Int) {
        done += count
        guard shown else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDrawn) >= (terminal ? 0.1 : 1) else { return }
        lastDrawn = now
        let seconds = now.timeIntervalSince(start)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let left = rate > 0 ? Double(total - done) / rate : .infinity
        let text = "\(label): \(done)/\(total) images, \(String(format: "%.0f", rate)) img/s, ETA \(Self.clock(left))"
        if terminal {
            write("\r\(text)\u{1B}[K")
            lineOnScreen = true
            if done >= total { finish() }
        } else {
            write(text + "\n")
        }
    }

    /// Takes the line off the screen before other output is written to the same terminal.
    func clear() {
        guard lineOnScreen else { return }
        write("\r\u{1B}[K")
        lineOnScreen = false
    }

    /// Ends the redrawn line, leaving the last state on the screen.
    func finish() {
        guard lineOnScreen else { return }
        write("\n")
        lineOnScreen = false
    }

    /// `m:ss`, or `h:mm:ss` from an hour; `?` before there is a rate.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
