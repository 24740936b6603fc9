import Foundation

/// Folders of the package checkout, found from this source file's path (`Tests/TestSupport/…`), so they do
/// not depend on the folder `swift test` was started from.
public enum PackagePaths {
    /// The package root (the folder holding `Package.swift`).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// `Tests/Fixtures`: the committed reference data.
    public static var fixtures: URL { root.appendingPathComponent("Tests/Fixtures") }

    /// `Data/samples`: the twelve sample images (`document_*`, `screen_*`, `not_a_document_*`).
    public static var samples: URL { root.appendingPathComponent("Data/samples") }

    /// `Data/models/default.safetensors`: the shipped model.
    public static var shippedModel: URL { root.appendingPathComponent("Data/models/default.safetensors") }

    /// A file under `Tests/Fixtures`.
    public static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }
}
