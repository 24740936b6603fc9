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

    /// The name the shipped model's provenance records for its training config (`provenance.config.name`),
    /// which `compare` shows for it; nil for a file that does not record one (it is then named by its file).
    public static var shippedConfigName: String? {
        guard let data = try? Data(contentsOf: shippedModel), data.count > 8 else { return nil }
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length > 0, 8 + length <= data.count,
            let header = try? JSONSerialization.jsonObject(with: data[8..<(8 + length)]) as? [String: Any],
            let metadata = header["__metadata__"] as? [String: String],
            let provenanceText = metadata["provenance"],
            let provenance = try? JSONSerialization.jsonObject(with: Data(provenanceText.utf8)) as? [String: Any],
            let config = provenance["config"] as? [String: Any], let name = config["name"] as? String, !name.isEmpty
        else { return nil }
        return name
    }

    /// A file under `Tests/Fixtures`.
    public static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }
}
