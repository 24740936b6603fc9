// swift-tools-version:6.1
import PackageDescription

// A package that uses ClassifyEmbed by version, as another project would (README, "Using the library from
// another package"). `Tools/check-dependent` points it at a temporary git repository of the checkout, tagged,
// through $CLASSIFY_EMBED_URL; your project names ClassifyEmbed's repository and a version instead.
let classifyEmbed = Context.environment["CLASSIFY_EMBED_URL"] ?? "https://github.com/your-org/ClassifyEmbed.git"

let package = Package(
    name: "Dependent",
    platforms: [.macOS(.v13)],
    dependencies: [.package(url: classifyEmbed, from: "1.0.0")],
    targets: [
        .executableTarget(name: "Dependent", dependencies: [.product(name: "ClassifyEmbed", package: "ClassifyEmbed")])
    ]
)
