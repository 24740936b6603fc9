import Datasets
import Foundation

/// `classify-and-embed make-dataset`: synthesises the training data set from the sources that
/// `Tools/fetch-sources` fetched, then writes its contact sheet.
public struct DatasetBuildRun {
    /// The sources folder written by `Tools/fetch-sources`.
    public var sources: String
    public var output: String
    /// About this many training captures (a third per class).
    public var trainCaptures = 20_000
    public var seed: UInt64 = 0
    /// Longer side of a capture in pixels.
    public var longSide = 256

    public init(sources: String, output: String) {
        self.sources = sources
        self.output = output
    }

    /// Builds the data set, reporting progress lines to `progress`; returns the summary lines.
    public func run(progress: (String) -> Void) throws -> [String] {
        var settings = DatasetBuildSettings(
            sources: URL(fileURLWithPath: sources), output: URL(fileURLWithPath: output))
        settings.trainCaptures = trainCaptures
        settings.seed = seed
        settings.longSide = longSide
        let summary = try DatasetBuilder(settings: settings).build(progress: progress)
        var lines: [String] = []
        for split in ["train", "val", "test"] {
            let c = summary.captures[split] ?? [:]
            let ids = summary.identities[split] ?? [:]
            let total = c.values.reduce(0, +)
            let parts = DatasetBuilder.classNames.map { name in
                let n = c[name] ?? 0
                let share = String(format: "%.1f", 100 * Double(n) / Double(max(total, 1)))
                return "\(name) \(n) (\(share)%, \(ids[name] ?? 0) identities)"
            }
            lines.append("\(split): \(total) captures: " + parts.joined(separator: ", "))
        }
        if !summary.skipped.isEmpty {
            lines.append(
                "skipped \(summary.skipped.count) unreadable sources:\n  "
                    + summary.skipped.prefix(20).joined(separator: "\n  "))
        }
        let sheet = URL(fileURLWithPath: output).appendingPathComponent("contact_sheet.png")
        try ContactSheet.write(split: URL(fileURLWithPath: output).appendingPathComponent("train.csv"), to: sheet)
        lines.append(
            "wrote \(output)/{train,val,test}.csv, summary.json and \(sheet.path) in "
                + String(format: "%.0f", summary.seconds) + " s")
        return lines
    }
}
