import ArgumentParser
import Datasets
import Foundation

struct MakeDatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-dataset",
        abstract:
            "Synthesise the training data set (document / screen / not_a_document captures) from fetched sources.",
        discussion: """
            Run Tools/fetch-sources first: it downloads the Debian packages listed in Data/SOURCES.md and renders \
            their PDFs. This command photographs them in software (pages tilted on desks, scans, card crops, \
            screens with sub-pixels and moiré, photos and cut-out objects, camera blur, noise and JPEG) and writes \
            OUT/{train,val,test}.csv (path|label|identity), the JPEG captures, summary.json and contact_sheet.png. \
            Identities are source pages; test identities never occur in training. Same seed, same data set.
            """)

    @Option(help: "The sources folder written by Tools/fetch-sources.") var sources =
        "/tmp/ce-work/dataset-sources/sources"
    @Option(help: "Output folder.") var out = "Data/dataset"
    @Option(help: "About this many training captures (a third per class).") var trainCaptures = 20_000
    @Option(help: "Seed of the split assignment and of every capture.") var seed: UInt64 = 0
    @Option(help: "Longer side of a capture in pixels.") var size = 256

    func validate() throws {
        guard trainCaptures >= 30 else { throw ValidationError("--train-captures must be at least 30") }
        guard (64...2048).contains(size) else { throw ValidationError("--size must be within 64…2048") }
    }

    func run() throws {
        var settings = DatasetBuildSettings(sources: URL(fileURLWithPath: sources), output: URL(fileURLWithPath: out))
        settings.trainCaptures = trainCaptures
        settings.seed = seed
        settings.longSide = size
        let summary = try DatasetBuilder(settings: settings).build { print($0) }
        for split in ["train", "val", "test"] {
            let c = summary.captures[split] ?? [:]
            let ids = summary.identities[split] ?? [:]
            let total = c.values.reduce(0, +)
            let parts = DatasetBuilder.classNames.map { name in
                let n = c[name] ?? 0
                return
                    "\(name) \(n) (\(String(format: "%.1f", 100 * Double(n) / Double(max(total, 1))))%, \(ids[name] ?? 0) identities)"
            }
            print("\(split): \(total) captures: " + parts.joined(separator: ", "))
        }
        if !summary.skipped.isEmpty {
            print(
                "skipped \(summary.skipped.count) unreadable sources:\n  "
                    + summary.skipped.prefix(20).joined(separator: "\n  "))
        }
        let sheet = URL(fileURLWithPath: out).appendingPathComponent("contact_sheet.png")
        try ContactSheet.write(split: URL(fileURLWithPath: out).appendingPathComponent("train.csv"), to: sheet)
        print(
            "wrote \(out)/{train,val,test}.csv, summary.json and \(sheet.path) in \(String(format: "%.0f", summary.seconds)) s"
        )
    }
}
