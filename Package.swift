// swift-tools-version:6.1
import PackageDescription

// Hot loops need a real CPU target: baseline x86-64 codegen has no FMA, so SIMD `addingProduct` turns into
// libm calls (200x slower). Release builds add -Ounchecked (no overflow/bounds traps in kernels) and
// `-target-cpu native`: CI builds and runs on the same machine, so the binary never moves to another CPU.
let hot: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "native"], .when(configuration: .release)),
    .unsafeFlags(["-target-cpu", "native"], .when(configuration: .debug)),
]

let package = Package(
    name: "ClassifyEmbed",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ClassifyEmbed", targets: ["ClassifyEmbed"]),
        .executable(name: "classify-and-embed", targets: ["classify-and-embed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "CImageCodecs", path: "Sources/CImageCodecs",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        .target(name: "Engine", dependencies: ["CBLAS"], swiftSettings: hot),
        .target(name: "Layers", dependencies: ["Engine", "CBLAS"], swiftSettings: hot),
        .target(name: "Model", dependencies: ["Engine"], swiftSettings: hot),
        .target(name: "Inference", dependencies: ["Engine", "Model"], swiftSettings: hot),
        .target(name: "Objectives", dependencies: ["Engine"], swiftSettings: hot),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Engine"], swiftSettings: hot),
        .target(name: "Evaluation", dependencies: ["Engine"], swiftSettings: hot),
        .target(name: "Datasets", dependencies: ["Engine", "Imaging", "CImageCodecs"], swiftSettings: hot),
        .target(
            name: "Training",
            dependencies: [
                "Engine", "Layers", "Objectives", "Imaging", "Datasets", "Evaluation",
                .product(name: "Yams", package: "Yams"),
            ], swiftSettings: hot),
        .target(
            name: "ClassifyEmbed",
            dependencies: [
                "Engine", "Layers", "Objectives", "Imaging", "Datasets", "Evaluation", "Training",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: hot),
        .executableTarget(
            name: "classify-and-embed",
            dependencies: [
                "ClassifyEmbed", "Engine", "Layers", "Imaging", "Datasets", "Inference",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: hot),
        .testTarget(name: "EngineTests", dependencies: ["Engine"], swiftSettings: hot),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Engine"], swiftSettings: hot),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Engine"], swiftSettings: hot),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Model", "Engine"], swiftSettings: hot),
        .testTarget(name: "ObjectivesTests", dependencies: ["Objectives", "Engine"], swiftSettings: hot),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"], swiftSettings: hot),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Imaging", "Engine"], swiftSettings: hot),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "Datasets", "Imaging", "Layers", "Objectives", "Engine",
                "Evaluation", "ClassifyEmbed",
            ],
            swiftSettings: hot),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Engine", "CImageCodecs"], swiftSettings: hot),
        .testTarget(
            name: "ClassifyEmbedTests",
            dependencies: ["ClassifyEmbed", "Training", "Evaluation", "Layers", "Imaging", "Engine"], swiftSettings: hot
        ),
    ],
    swiftLanguageModes: [.v5]
)
