// swift-tools-version:6.1
import PackageDescription

// Optimisation flags (README, "Build flags"). The hot loops need a CPU target with FMA: plain x86-64 code
// generation turns SIMD `addingProduct` into a libm `fmaf` call per lane. So this checkout's builds target
// x86-64-v3 (AVX2 + FMA + BMI2: Intel Core since Haswell, AMD since Excavator; `-Xcc -march=` as the Swift frontend
// refuses `-target-cpu x86-64-v3`) and release builds add -Ounchecked (no overflow or bounds traps in the
// kernels). `CLASSIFY_EMBED_NATIVE=1` targets the building machine's CPU instead (AVX-512 where it has it:
// the binary then runs only on CPUs like it). Other architectures keep the compiler's default CPU (this manifest
// runs on the build machine: cross-compiling from x86-64 to another architecture needs CLASSIFY_EMBED_TUNED=0).
//
// These are `unsafeFlags`, which SwiftPM refuses in a package that another one depends on by version. They
// are therefore left out when this manifest is read as such a dependency: SwiftPM and Xcode check versions out
// into `…/checkouts/<name>`, a registry into `…/registry/downloads/…`. The dependent gets the same code by
// building with `-Xcc -march=x86-64-v3` (README, "Using the library from another package").
// `CLASSIFY_EMBED_TUNED=0` or `1` overrides the guess.
let directory = Context.packageDirectory
let isVersionedDependency =
    directory.split(separator: "/").dropLast().last == "checkouts" || directory.contains("/registry/downloads/")
let tuned = Context.environment["CLASSIFY_EMBED_TUNED"].map { $0 != "0" } ?? !isVersionedDependency
let cpuFlags: [String] = {
    if Context.environment["CLASSIFY_EMBED_NATIVE"] == "1" { return ["-target-cpu", "native"] }
    #if arch(x86_64)
    return ["-Xcc", "-march=x86-64-v3"]
    #else
    return []
    #endif
}()
/// A target's settings for these CPU flags: `-Ounchecked` in release builds, none when not tuned.
func tunedSettings(_ flags: [String]) -> [SwiftSetting] {
    guard tuned else { return [] }
    return [
        .unsafeFlags(["-Ounchecked"] + flags, .when(configuration: .release)),
        .unsafeFlags(flags, .when(configuration: .debug)),
    ]
}
let hot = tunedSettings(cpuFlags)
// The AVX-512 kernel set (`EngineAVX512`) is the one module compiled for x86-64-v4, whatever the rest is built
// for; `KernelSet` (Engine) runs it only where CPUID says the CPU has AVX-512 (README, "Kernel sets").
// `-DCLASSIFY_EMBED_AVX512` tells the module it was compiled so; without these flags it holds plain code that
// is never chosen.
let avx512Flags: [String] = {
    #if arch(x86_64)
    let cpu =
        Context.environment["CLASSIFY_EMBED_NATIVE"] == "1" ? ["-target-cpu", "native"] : ["-Xcc", "-march=x86-64-v4"]
    return cpu + ["-DCLASSIFY_EMBED_AVX512"]
    #else
    return []
    #endif
}()
let avx512 = tunedSettings(avx512Flags)
// The image codecs' C glue at -O2 in debug builds too (decoding stays fast in debug test runs).
let codecFlags: [CSetting] = tuned ? [.unsafeFlags(["-O2"])] : []

let package = Package(
    name: "ClassifyEmbed",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ClassifyEmbed", targets: ["ClassifyEmbed"]),
        .library(name: "ClassifyEmbedBenchmarks", targets: ["Benchmarks"]),
        .executable(name: "classify-and-embed", targets: ["classify-and-embed"]),
    ],
    // `--traits MPI`: multi-process training and evaluation over Open MPI (README, "Several processes and
    // machines (MPI)"). Off by default: the default build needs no MPI library (`Tools/setup --mpi` installs it).
    traits: [
        .trait(name: "MPI", description: "Data-parallel training and sharded evaluation under mpirun (Open MPI)")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The HTTP server (`serve`) only: its own target, so the library never depends on SwiftNIO. Hummingbird's
        // default traits pull swift-configuration in, which `serve` does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .target(
            name: "CImageCodecs", path: "Sources/CImageCodecs",
            cSettings: codecFlags,
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        // The module graph points one way (ARCHITECTURE.md): each target lists exactly what it imports.
        // CPUID and XGETBV, for the kernel-set choice (plain C: Swift has no inline assembly).
        .target(name: "CPUFeatures", path: "Sources/CPUFeatures"),
        .target(name: "EngineAVX512", swiftSettings: avx512),
        .target(name: "Engine", dependencies: ["CBLAS", "CPUFeatures", "EngineAVX512"], swiftSettings: hot),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Engine"], swiftSettings: hot),
        .target(name: "Model", dependencies: ["Engine", "Imaging"], swiftSettings: hot),
        .target(name: "Layers", dependencies: ["Engine", "Model"], swiftSettings: hot),
        .target(name: "Objectives", dependencies: ["Engine"], swiftSettings: hot),
        .target(name: "Evaluation", dependencies: ["Engine"], swiftSettings: hot),
        .target(name: "Datasets", dependencies: ["Engine", "Imaging"], swiftSettings: hot),
        .target(
            name: "Training",
            dependencies: [
                "Engine", "Model", "Layers", "Objectives", "Imaging", "Datasets", "Evaluation",
                .product(name: "Yams", package: "Yams"),
            ], swiftSettings: hot),
        // Generated by protoc-gen-swift from onnx.proto: kept apart so the library reads as the library.
        .target(
            name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(
            name: "Inference",
            dependencies: [
                "Engine", "Imaging", "Model", "ONNXProto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ], swiftSettings: hot),
        .target(
            name: "Explain", dependencies: ["Engine", "Imaging", "Model", "Layers", "Inference"], swiftSettings: hot),
        // The distillation driver runs the teacher (Inference) for the trainers (Training): the one module
        // that imports both, so that Training never depends on Inference.
        .target(
            name: "Distillation",
            dependencies: ["Engine", "Imaging", "Model", "Datasets", "Training", "Inference"], swiftSettings: hot),
        .target(
            name: "ClassifyEmbed",
            dependencies: [
                "Engine", "Imaging", "Model", "Datasets", "Evaluation", "Training", "Inference", "Explain",
                "Distillation", .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            ], swiftSettings: hot),
        // `classify-and-embed serve`: Hummingbird routes over one dynamic-batching Predictor.
        .target(
            name: "Serving",
            dependencies: [
                "ClassifyEmbed", "Inference", "Imaging", "Engine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ], swiftSettings: hot),
        .target(
            name: "Benchmarks",
            dependencies: ["Engine", "Model", "Layers", "Objectives", "Evaluation", "Inference"], swiftSettings: hot),
        .executableTarget(
            name: "classify-and-embed",
            dependencies: [
                "ClassifyEmbed", "Benchmarks", "Serving", "Engine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hot),
        // Shared by the test targets: tensor comparisons, the synthetic three-class data set, package paths,
        // temporary folders, subprocesses with a timeout.
        .target(
            name: "TestSupport", dependencies: ["Engine", "Imaging"], path: "Tests/TestSupport", swiftSettings: hot),
        .testTarget(name: "EngineTests", dependencies: ["TestSupport", "Engine"], swiftSettings: hot),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Engine", "Imaging"], swiftSettings: hot),
        .testTarget(
            name: "LayersTests", dependencies: ["TestSupport", "Layers", "Model", "Engine", "Inference"],
            swiftSettings: hot),
        .testTarget(
            name: "ObjectivesTests", dependencies: ["TestSupport", "Objectives", "Model", "Engine"], swiftSettings: hot),
        .testTarget(
            name: "InferenceTests", dependencies: ["TestSupport", "Inference", "Model", "Engine"], swiftSettings: hot),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Engine"], swiftSettings: hot),
        .testTarget(
            name: "DatasetsTests", dependencies: ["TestSupport", "Datasets", "Imaging", "Engine"], swiftSettings: hot),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "TestSupport", "Training", "Datasets", "Imaging", "Layers", "Model", "Objectives", "Engine",
            ],
            swiftSettings: hot),
        .testTarget(
            name: "ImagingTests", dependencies: ["Imaging", "Engine", "Model", "CImageCodecs"], swiftSettings: hot),
        .testTarget(
            name: "ClassifyEmbedTests",
            dependencies: [
                "TestSupport", "ClassifyEmbed", "Training", "Datasets", "Evaluation", "Layers", "Model", "Imaging",
                "Engine",
            ],
            swiftSettings: hot),
        .testTarget(
            name: "DistillationTests",
            dependencies: [
                "TestSupport", "Distillation", "Training", "Datasets", "Layers", "Model", "Imaging", "Engine",
            ],
            swiftSettings: hot),
        .testTarget(
            name: "ServingTests",
            dependencies: [
                "TestSupport", "Serving", "ClassifyEmbed", "Inference", "Imaging", "Engine",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hot),
        // End-to-end tests of the built tool, run as a subprocess. Depending on the executable target (allowed
        // for test targets since Swift 5.5) makes SwiftPM build `classify-and-embed` before the tests; the tests
        // import no project module.
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "classify-and-embed"]),
        // Seeded mutations of every input format, in process and through the built tool (see README).
        .testTarget(
            name: "FuzzTests",
            dependencies: [
                "TestSupport", "classify-and-embed", "Engine", "Imaging", "Model", "Inference", "Layers", "Datasets",
                "Training",
            ],
            swiftSettings: hot),
    ],
    swiftLanguageModes: [.v5]
)
