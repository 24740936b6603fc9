import Foundation
import Glibc

/// Reading all of standard input (an image piped into `classify-and-embed … -`), with the reasons a person
/// can act on: standard input is a terminal (nothing was piped, and reading would wait for typing), it is
/// empty, or it holds more than the limit.
package enum StandardInput {
    /// How standard input is named in messages and outputs.
    package static let name = "-"

    /// The spellings of standard input on the command line: `-`, and the device paths that would otherwise
    /// be refused as a FIFO or device (or read past what a pipe holds).
    package static let spellings: Set<String> = ["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]

    /// Every byte of standard input, up to `limit`.
    package static func readAll(limit: Int) throws -> Data {
        if isatty(STDIN_FILENO) != 0 {
            throw FileReadingError(
                path: name,
                reason: "standard input is a terminal; pipe an image into it (e.g. `… - < photo.jpg` or "
                    + "`curl … | classify-and-embed -`)")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw FileReadingError(
                    path: name, reason: "cannot read standard input: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            guard data.count <= limit else {
                throw FileReadingError(
                    path: name,
                    reason: "standard input holds more than the \(limit / (1 << 20)) MiB allowed for this kind of file")
            }
        }
        guard !data.isEmpty else { throw FileReadingError(path: name, reason: "standard input is empty") }
        return data
    }
}
