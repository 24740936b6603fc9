import Foundation
import Yams

/// A config key whose value is a file or folder path (or, for `pool.folders`, a list of them).
struct ConfigPathKey: Sendable {
    /// The dotted key (`data.train`).
    var key: String
    /// The path is read, not written: a config from before paths were relative to their file is recognised
    /// when such a path is missing beside the file but present under the current folder (see `oldBase`).
    var isInput: Bool
    /// `model.init` was relative to its file before the others were; an old config reads it right already.
    var wasAlwaysFileRelative = false
}

/// A config with path keys: every relative path a config file holds is resolved against the folder of that
/// file (through `extends` too, each against its own file), so that a config and the files it names move
/// together and a command reads the same files from any folder. Paths a file leaves out take their defaults,
/// which are relative to the current folder like command-line paths. Once loaded, every path is absolute,
/// and so is the `config.yaml` a run saves, which therefore reads the same from anywhere (`--resume`).
protocol PathKeyedConfig {
    static var pathKeys: [ConfigPathKey] { get }
    /// Applies `absolute` to every path field (the loader makes the defaults absolute with it).
    mutating func mapPaths(_ absolute: (String) -> String)
}

package enum ConfigPaths {
    /// `path` made absolute against `folder` and standardised (`a/../b` → `b`); absolute paths are kept.
    static func absolute(_ path: String, against folder: URL) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    /// `config` as a run folder's `config.yaml` holds it: every path absolute (a config built in code may
    /// hold relative ones, read from the current folder), no `extends`. So it reads the same from anywhere.
    static func yaml<Config: PathKeyedConfig & Encodable>(_ config: Config) throws -> String {
        var absolute = config
        absolute.mapPaths(fromCommandLine)
        return try YAMLEncoder().encode(absolute)
    }

    /// A command-line path (relative to the current folder), made absolute.
    package static func fromCommandLine(_ path: String) -> String {
        absolute(path, against: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    /// A path that looks written for the current folder (see `oldBase`): an error if the merged config
    /// still uses it (a config that extends this file may replace it).
    struct Suspect {
        var key: String
        var path: String
        var error: ConfigError
    }

    /// Rewrites the relative paths under `keys` in one file's mapping (before it is merged with what it
    /// extends) against the folder of `file`; adds the paths that look written for the current folder to
    /// `suspects`.
    static func resolve(
        _ mapping: inout Node.Mapping, keys: [ConfigPathKey], file: URL, suspects: inout [Suspect]
    ) {
        let folder = file.deletingLastPathComponent()
        for entry in keys {
            let parts = entry.key.split(separator: ".").map(String.init)
            guard parts.count == 2, case .mapping(var section)? = mapping[parts[0]], let value = section[parts[1]]
            else { continue }
            func resolved(_ node: Node) -> Node {
                // `val: null` (no validation split) stays null.
                guard node.null == nil, let path = node.string, !path.isEmpty, !path.hasPrefix("/") else {
                    return node
                }
                let result = absolute(path, against: folder)
                if entry.isInput, !entry.wasAlwaysFileRelative, let hint = oldBase(path, resolved: result, folder) {
                    suspects.append(
                        Suspect(
                            key: entry.key, path: result,
                            error: ConfigError(file: file.path, message: "\(entry.key): \(hint)")))
                }
                return Node(result)
            }
            switch value {
            case .sequence(var list):
                for i in list.indices { list[i] = resolved(list[i]) }
                section[parts[1]] = .sequence(list)
            default:
                section[parts[1]] = resolved(value)
            }
            mapping[parts[0]] = .mapping(section)
        }
    }

    /// Throws the first suspect whose path the merged config `tree` still holds at its key.
    static func check(_ suspects: [Suspect], in tree: Node) throws {
        for s in suspects {
            let parts = s.key.split(separator: ".").map(String.init)
            guard let value = tree[parts[0]]?[parts[1]] else { continue }
            let paths = value.sequence.map { $0.compactMap(\.string) } ?? [value.string].compactMap { $0 }
            if paths.contains(s.path) { throw s.error }
        }
    }

    /// Configs written before paths were relative to their file named them from the current folder (the
    /// package root). When `path` is missing beside the file but exists from the current folder, the config
    /// is such an old one: say so and give the path that works from the file, instead of a bare "no such
    /// file" later (or, worse, nothing when a missing file would only be created).
    private static func oldBase(_ path: String, resolved: String, _ folder: URL) -> String? {
        let fromCurrent = URL(fileURLWithPath: path).standardizedFileURL.path
        guard !FileManager.default.fileExists(atPath: resolved), FileManager.default.fileExists(atPath: fromCurrent)
        else { return nil }
        return "\(path) is not in this config's folder (\(resolved) does not exist). Relative paths in a config are "
            + "read from the config file's folder, no longer from the current folder; for \(fromCurrent) write "
            + "'\(relative(fromCurrent, from: folder.standardizedFileURL.path))' or the absolute path"
    }

    /// `target` relative to the folder `base` (both absolute): `/a/b/c` from `/a/d` is `../b/c`.
    package static func relative(_ target: String, from base: String) -> String {
        let t = target.split(separator: "/")
        let b = base.split(separator: "/")
        var common = 0
        while common < min(t.count, b.count) && t[common] == b[common] { common += 1 }
        let ups = Array(repeating: "..", count: b.count - common)
        return (ups + t[common...].map(String.init)).joined(separator: "/")
    }
}
