/// The Levenshtein distance between two strings (insertions, deletions and substitutions of characters):
/// what "did you mean" suggestions rank candidates by (config keys, subcommands, options).
package func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var prev = row[0]
        row[0] = i
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[b.count]
}

/// The candidate closest to `word` by `editDistance`, when it is close enough to be a likely typo: at most
/// `maximumDistance` edits and fewer edits than half the word's length (so "ab" does not suggest "cd"). Ties go
/// to the earlier candidate; `word` itself is never suggested.
package func closestSuggestion(to word: String, among candidates: [String], maximumDistance: Int = 2) -> String? {
    var best: (candidate: String, distance: Int)?
    for c in candidates where c != word {
        let d = editDistance(c, word)
        guard d <= maximumDistance, 2 * d < max(word.count, c.count) else { continue }
        if best == nil || d < best!.distance { best = (c, d) }
    }
    return best?.candidate
}
