import Foundation

/// Finds executables that SwiftPM built next to the running tests.
public enum BuiltProducts {
    /// A built product that cannot be found, with every place that was tried.
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// The folder holding the running test binary (`.build/<triple>/<configuration>/`): on Linux the test
    /// runner is `…/<Package>PackageTests.xctest` itself; on macOS it is Xcode's `xctest`, which loads the
    /// `.xctest` bundle from that folder.
    public static var testProductsFolders: [URL] {
        var folders: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        if let exe = Bundle.main.executableURL, exe.lastPathComponent.hasSuffix(".xctest") {
            folders.append(exe.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        return folders
    }

    /// The executable `name`: `$<environmentVariable>` when set (it must exist), else the first of the test
    /// binary's folder, `.build/release/` and `.build/debug/` under the package root that holds it.
    public static func executable(named name: String, environmentVariable: String) throws -> URL {
        let fm = FileManager.default
        if let override = ProcessInfo.processInfo.environment[environmentVariable], !override.isEmpty {
            guard fm.isExecutableFile(atPath: override) else {
                throw NotFound(description: "$\(environmentVariable) = \(override): no executable file there")
            }
            return URL(fileURLWithPath: override)
        }
        let build = PackagePaths.root.appendingPathComponent(".build")
        let candidates =
            testProductsFolders.map { $0.appendingPathComponent(name) } + [
                build.appendingPathComponent("release/\(name)"), build.appendingPathComponent("debug/\(name)"),
            ]
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: $0.path) }) { return found }
        throw NotFound(
            description: """
                the built `\(name)` was not found; tried \(candidates.map(\.path).joined(separator: ", ")). \
                Build it first (`swift build -c release --build-tests`) or set $\(environmentVariable) to its path.
                """)
    }
}
