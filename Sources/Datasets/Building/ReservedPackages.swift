import Foundation

/// Debian packages kept out of every split this project builds (training, validation, test and shift) so that
/// an independent holdout made from them stays unseen. Names may be shell-style globs (`lomiri-wallpapers-*`).
/// `Data/reserved-packages.txt` holds the same list for `Tools/fetch-sources`.
package enum ReservedPackages {
    package static let patterns = [
        "texlive-lang-chinese", "texlive-lang-korean", "texlive-lang-cyrillic", "texlive-humanities-doc",
        "texlive-games", "texlive-latex-recommended-doc", "auto-multiple-choice-doc-pdf", "python-reportlab-doc",
        "r-doc-pdf", "lilypond-doc-pdf", "debian-handbook", "tuxpaint-stamps-default", "lomiri-wallpapers-*",
        "ukui-wallpapers", "opencv-doc", "scribus-template", "mypaint-data-extras",
    ]

    /// The reserved pattern that `package` matches, or nil when it may be used.
    package static func pattern(matching package: String) -> String? {
        let name = package.trimmingCharacters(in: .whitespaces).lowercased()
        return patterns.first { globMatches($0, name) }
    }

    /// Throws one error naming every reserved package among `packages` and the pattern it matches.
    package static func check(_ packages: some Sequence<String>, origin: String) throws {
        var refused: [String] = []
        for package in Set(packages).sorted() {
            if let pattern = pattern(matching: package) {
                let via = pattern == package ? "" : " (matches `\(pattern)`)"
                refused.append(
                    "\(origin): package `\(package)`\(via) is reserved for independent evaluation (issue 12) and "
                        + "must not be used for training, validation, test or shift data; remove its rows")
            }
        }
        if !refused.isEmpty { throw SplitError(problems: refused, subject: .files) }
    }

    /// Shell-style match of a whole name: `*` any run of characters, `?` one character.
    static func globMatches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern)
        let s = Array(name)
        var pi = 0
        var si = 0
        // Position of the last `*` and the name position it was tried at: on a mismatch the star takes one
        // more character (the usual linear-time wildcard match).
        var star: Int?
        var starAt = 0
        while si < s.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == s[si]) {
                pi += 1
                si += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                starAt = si
                pi += 1
            } else if let st = star {
                pi = st + 1
                starAt += 1
                si = starAt
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
