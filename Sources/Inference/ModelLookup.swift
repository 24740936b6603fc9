import Foundation

/// Where a command finds its model when none is named. In order:
/// 1. `$CLASSIFY_EMBED_MODEL` (when set, it is the answer: a missing file is an error, never a silent fallback
///    to another model);
/// 2. the copy installed beside the executable, `<bin>/../share/classify-and-embed/default.safetensors`
///    (the layout `Tools/install PREFIX` makes);
/// 3. the checkout the executable was built in: the first folder above it that holds
///    `Data/models/default.safetensors` (`.build/<triple>/release/classify-and-embed` and `swift run` sit
///    inside the checkout).
///
/// The current folder plays no part, so a command finds the same model from any folder. The executable's
/// path has its symbolic links resolved, so a link to an installed tool finds the install's model.
public enum ModelLookup {
    /// The environment variable that names the model file to use when `--model` is not given.
    public static let environmentVariable = "CLASSIFY_EMBED_MODEL"
    /// The installed model, relative to the executable's folder.
    public static let installedPath = "../share/classify-and-embed/default.safetensors"
    /// The shipped model, relative to a checkout's root.
    public static let checkoutPath = "Data/models/default.safetensors"

    /// The model file to use: `$CLASSIFY_EMBED_MODEL`, else the first of `candidates(executable:)` that exists.
    /// Throws `ModelNotFoundError` listing every path it tried.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = ModelLookup.executable
    ) throws -> String {
        if let named = environment[environmentVariable], !named.isEmpty {
            guard FileManager.default.fileExists(atPath: named) else {
                throw ModelNotFoundError(tried: [named], fromEnvironment: true)
            }
            return named
        }
        let tried = executable.map(candidates(executable:)) ?? []
        guard let found = tried.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ModelNotFoundError(tried: tried, fromEnvironment: false)
        }
        return found
    }

    /// The paths tried beside and above `executable`, in order: the installed model, then `Data/models/` in
    /// the executable's folder and in each folder above it up to the root.
    public static func candidates(executable: URL) -> [String] {
        let folder = executable.deletingLastPathComponent().standardizedFileURL
        var paths = [folder.appendingPathComponent(installedPath).standardizedFileURL.path]
        var above = folder
        while true {
            paths.append(above.appendingPathComponent(checkoutPath).path)
            if above.path == "/" || above.path.isEmpty { break }
            above.deleteLastPathComponent()
        }
        return paths
    }

    /// The running executable with symbolic links resolved (`/proc/self/exe` on Linux, since `argv[0]` is a
    /// bare name when the tool was found through `PATH`).
    public static var executable: URL? {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }
}

/// No model file was named and none was found where `ModelLookup` looks; lists what it tried and what to do.
public struct ModelNotFoundError: Error, CustomStringConvertible, Sendable {
    /// Every path tried, in order.
    public var tried: [String]
    /// True when the path came from `$CLASSIFY_EMBED_MODEL` (then it is the only one tried).
    public var fromEnvironment: Bool

    public var description: String {
        if fromEnvironment {
            return "\(tried.first ?? ""): no such model file (named by $\(ModelLookup.environmentVariable); point it "
                + "at a .safetensors model file, or unset it to use the shipped model)"
        }
        return "no model file given and the shipped model is not where it is looked for; tried:\n"
            + tried.map { "  \($0)\n" }.joined()
            + "Pass --model FILE, set $\(ModelLookup.environmentVariable) to a model file, or install the tool with "
            + "its model (Tools/install PREFIX puts it in PREFIX/share/classify-and-embed/)."
    }
}
