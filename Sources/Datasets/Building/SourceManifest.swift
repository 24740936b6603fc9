import Foundation

/// One raw source file listed by `Tools/fetch-sources`: what it is, where it lies, which package it came from.
package struct SourceItem: Equatable, Sendable {
    package enum Kind: String, CaseIterable, Sendable {
        /// A rendered document page.
        case document
        /// A screenshot (UI content).
        case screen
        /// A photograph.
        case photo
        /// A cut-out object with alpha.
        case object
        /// A texture (desk, fabric, wall).
        case surface
    }

    /// Which splits may use the item.
    package enum Pool: String, CaseIterable, Sendable {
        /// Train, validation and test.
        case train
        /// Only the shift split: packages that training never sees.
        case shift
    }

    package var kind: Kind
    package var path: URL
    package var package: String
    package var pool: Pool = .train

    /// Relative path inside the sources folder: the stable key identities and split hashes are made from.
    package var key: String
}

/// `manifest.csv` of a sources folder: `kind|relative path|package[|pool]`, one per line (pool `train` when
/// absent). A manifest naming a reserved package (`ReservedPackages`) is refused.
package struct SourceManifest: Sendable {
    package var folder: URL
    package var items: [SourceItem]

    package init(folder: URL) throws {
        self.folder = folder
        let file = folder.appendingPathComponent("manifest.csv")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw SplitError(
                problems: [
                    "\(file.path): no source manifest; run Tools/fetch-sources first (it writes sources/manifest.csv)"
                ], subject: .files)
        }
        var items: [SourceItem] = []
        var problems: [String] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard (3...4).contains(fields.count), let kind = SourceItem.Kind(rawValue: fields[0]), !fields[1].isEmpty,
                let pool = SourceItem.Pool(rawValue: fields.count == 4 ? fields[3] : "train")
            else {
                problems.append(
                    "\(file.path):\(n + 1): expected `kind|path|package[|pool]` with kind one of "
                        + SourceItem.Kind.allCases.map(\.rawValue).joined(separator: ", ") + " and pool one of "
                        + SourceItem.Pool.allCases.map(\.rawValue).joined(separator: ", ") + ", got `\(line)`")
                continue
            }
            items.append(
                SourceItem(
                    kind: kind, path: folder.appendingPathComponent(fields[1]), package: fields[2], pool: pool,
                    key: fields[1]))
        }
        if !problems.isEmpty { throw SplitError(problems: problems, subject: .sourceManifest) }
        try ReservedPackages.check(items.map(\.package), origin: file.path)
        if items.isEmpty {
            throw SplitError(problems: ["\(file.path): the manifest lists no sources"], subject: .files)
        }
        self.items = items
    }

    package func items(_ kind: SourceItem.Kind, pool: SourceItem.Pool = .train) -> [SourceItem] {
        items.filter { $0.kind == kind && $0.pool == pool }
    }
}

/// FNV-1a of a string mixed with a seed: stable across runs and platforms (Swift's `hashValue` is not).
package func stableHash(_ s: String, seed: UInt64) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ (seed &* 0x9E37_79B9_7F4A_7C15)
    for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    h ^= h >> 33
    h = h &* 0xff51_afd7_ed55_8ccd
    h ^= h >> 33
    return h
}
