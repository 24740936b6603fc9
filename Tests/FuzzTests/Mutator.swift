import Engine
import Foundation

/// Seeded mutations of a valid file, in the spirit of a coverage-less fuzzer: bit flips, bytes set to
/// boundary values, truncations, cut-outs, duplicated chunks, inserted garbage and overwritten little-endian
/// integers (which hit length and offset fields). The same seed always gives the same case.
struct Mutator {
    private var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    private mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// One to four mutations of `bytes`; favours the first kilobyte, where headers live.
    mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        for _ in 0...below(4) {
            guard !b.isEmpty else { return [UInt8(truncatingIfNeeded: rng.next())] }
            let at = below(8) < 5 ? below(min(b.count, 1024)) : below(b.count)
            switch below(8) {
            case 0: b[at] ^= UInt8(1) << UInt8(below(8))
            case 1: b[at] = [0, 1, 0x7f, 0x80, 0xff][below(5)]
            case 2: b.removeSubrange(below(b.count)..<b.count)
            case 3: b.removeSubrange(at..<min(b.count, at + 1 + below(64)))
            case 4:
                let end = min(b.count, at + 1 + below(256))
                b.insert(contentsOf: b[at..<end], at: below(b.count))
            case 5:
                b.insert(contentsOf: (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 6:
                let values: [UInt64] = [
                    0, 1, 0x7fff_ffff, 0xffff_ffff, 0x7fff_ffff_ffff_ffff, UInt64.max, UInt64(b.count),
                ]
                let v = values[below(values.count)]
                for i in 0..<min(8, b.count - at) { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
            default: b[at] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        return b
    }

    /// Text mutations for CSV, YAML and pairs files: the byte mutations above plus swapped and duplicated
    /// lines and separators, which keep more cases parseable as text.
    mutating func mutateText(_ text: String) -> [UInt8] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        switch below(4) {
        case 0 where lines.count > 1: lines.swapAt(below(lines.count), below(lines.count))
        case 1: lines.insert(lines[below(lines.count)], at: below(lines.count))
        case 2:
            let i = below(lines.count)
            let pieces = [
                "|", ",", ":", " - ", "\t", "\r", "\"", "[", "]", "{", "}", "#", "&a", "*a", "1e999", "-1", "nan",
            ]
            lines[i].insert(
                contentsOf: pieces[below(pieces.count)],
                at: lines[i].index(lines[i].startIndex, offsetBy: below(lines[i].count + 1)))
        default: break
        }
        let joined = Array(lines.joined(separator: "\n").utf8)
        return below(2) == 0 ? mutate(joined) : joined
    }
}

/// How many cases each fuzz test runs: `CLASSIFY_EMBED_FUZZ_CASES` (per format) for a long soak, else a
/// number that keeps the whole run under a minute in CI.
/// `CLASSIFY_EMBED_FUZZ_CLI_CASES` does the same for the subprocess cases, which cost a process start each.
func fuzzCases(default value: Int, variable: String = "CLASSIFY_EMBED_FUZZ_CASES") -> Int {
    guard let text = getenv(variable), let n = Int(String(cString: text)), n > 0 else { return value }
    return n
}
