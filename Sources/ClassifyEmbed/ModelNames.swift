import Foundation

/// The names of a comparison's rows: each model's config name (recorded by the trainer), else its file name
/// without the extension; names that collide get the folders that tell their files apart
/// (`default (runs/a/last)`, `default (runs/b/last)`), and a file listed twice a running number.
enum ModelNames {
    static func names(paths: [String], configNames: [String?]) -> [String] {
        let base = zip(paths, configNames).map { path, config in
            config ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        }
        var names = base
        for name in Set(base) {
            let group = base.indices.filter { base[$0] == name }
            guard group.count > 1 else { continue }
            let folders = group.map {
                URL(fileURLWithPath: paths[$0]).standardizedFileURL.deletingLastPathComponent().pathComponents
            }
            // The fewest trailing folders that make the group's names distinct (all of them at most).
            let longest = folders.map(\.count).max() ?? 0
            var depth = 1
            while depth < longest && Set(folders.map { $0.suffix(depth) }).count < group.count { depth += 1 }
            for (i, row) in group.enumerated() {
                let tail = folders[i].suffix(depth).filter { $0 != "/" }.joined(separator: "/")
                names[row] = tail.isEmpty ? name : "\(name) (\(tail))"
            }
        }
        // The same file twice (or paths that differ only by links) still collide: number them.
        var seen: [String: Int] = [:]
        for i in names.indices {
            seen[names[i], default: 0] += 1
            if seen[names[i]]! > 1 { names[i] += " #\(seen[names[i]]!)" }
        }
        return names
    }
}
