import Foundation
import Glibc

/// Expands command-line image arguments: files as given, folders recursively (PNG and JPEG, sorted), and
/// glob patterns (`*`, `?`, `[…]`) that the shell did not expand. Arguments that match nothing are kept, so
/// that the caller reports them as missing files.
public enum ImageInputs {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    public static func expand(_ arguments: [String]) -> [URL] {
        var out: [URL] = []
        let fm = FileManager.default
        for arg in arguments {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: arg, isDirectory: &isDir) {
                out += isDir.boolValue ? images(under: URL(fileURLWithPath: arg)) : [URL(fileURLWithPath: arg)]
            } else if arg.contains(where: { "*?[".contains($0) }) {
                let matches = glob(arg)
                out +=
                    matches.isEmpty
                    ? [URL(fileURLWithPath: arg)]
                    : matches.flatMap { m -> [URL] in
                        var d: ObjCBool = false
                        let isFolder = fm.fileExists(atPath: m, isDirectory: &d) && d.boolValue
                        return isFolder ? images(under: URL(fileURLWithPath: m)) : [URL(fileURLWithPath: m)]
                    }
            } else {
                out.append(URL(fileURLWithPath: arg))
            }
        }
        return out
    }

    /// Every PNG/JPEG below `folder`, sorted by path, spelled as the folder was (so a relative folder gives
    /// relative paths).
    public static func images(under folder: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [String] = []
        while let relative = e.nextObject() as? String {
            if extensions.contains((relative as NSString).pathExtension.lowercased()) { found.append(relative) }
        }
        let base = folder.relativePath.hasSuffix("/") ? String(folder.relativePath.dropLast()) : folder.relativePath
        return found.sorted().map { URL(fileURLWithPath: base + "/" + $0) }
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
