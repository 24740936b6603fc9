import ArgumentParser
import Datasets
import Foundation
import Imaging

struct MakeDatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-dataset",
        abstract:
            "Synthesise the training data set (document / screen / not_a_document captures) from fetched sources.",
        discussion: """
            Run Tools/fetch-sources first: it downloads the Debian packages listed in Data/SOURCES.md and renders \
            their PDFs. This command photographs them in software (pages flat, curled and folded on desks, held \
            by fingers, scans, locator crops, cards, receipts and spreads; phones, tablets, laptops, monitors, TVs \
            and e-readers from afar to close up, with moiré from none to strong; photos, signs, framed pictures \
            and objects; camera blur, motion, noise and JPEG) at varied frame sizes and shapes, and writes \
            OUT/{train,val,test,shift}.csv (path|label|identity), captures.csv (every capture's kind and \
            settings), the JPEG captures, summary.json and contact sheets. Identities are source pages; test \
            identities never occur in training; shift.csv comes from packages training never sees, with \
            settings outside the training ranges. Same seed, same data set; a killed run continues where it \
            stopped when started again with the same arguments.
            """)

    @Option(help: "The sources folder written by Tools/fetch-sources.") var sources =
        "/tmp/ce-work/dataset-sources/sources"
    @Option(help: "Output folder.") var out = "Data/dataset"
    @Option(help: "About this many training captures (a third per class).") var trainCaptures = 20_000
    @Option(help: "Seed of the split assignment and of every capture.") var seed: UInt64 = 0
    @Option(help: "Shortest long side of a capture in pixels.") var minSize = 144
    @Option(help: "Longest long side of a capture in pixels.") var maxSize = 512
    @Option(help: "Captures per class of the shift split (0: none).") var shiftCaptures = 600
    @Option(help: "Identities per resumable chunk.") var chunk = 64
    @Option(help: "Only draw a contact sheet of this CSV (path|label|identity; one column per label) beside it.")
    var sheetOf: String?

    func validate() throws {
        guard trainCaptures >= 30 else { throw ValidationError("--train-captures must be at least 30") }
        guard (32...2048).contains(minSize), (minSize...2048).contains(maxSize) else {
            throw ValidationError("--min-size and --max-size must satisfy 32 ≤ min ≤ max ≤ 2048")
        }
        guard shiftCaptures >= 0, chunk >= 1 else { throw ValidationError("--shift-captures ≥ 0 and --chunk ≥ 1") }
    }

    func run() throws {
        // Line-buffered even into a log file, so a long run's progress can be followed.
        setvbuf(stdout, nil, _IOLBF, 0)
        if let sheetOf {
            let csv = URL(fileURLWithPath: sheetOf)
            let png = csv.deletingPathExtension().appendingPathExtension("png")
            try ContactSheet.write(split: csv, to: png)
            print("wrote \(png.path)")
            return
        }
        var settings = DatasetBuildSettings(sources: URL(fileURLWithPath: sources), output: URL(fileURLWithPath: out))
        settings.trainCaptures = trainCaptures
        settings.seed = seed
        settings.sizes = FrameSizes(longSides: minSize...maxSize)
        settings.shiftCapturesPerClass = shiftCaptures
        settings.chunkSize = chunk
        let summary = try DatasetBuilder(settings: settings).build { print($0) }
        for split in DatasetBuilder.splits where summary.captures[split] != nil {
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
        let sheetStart = Date()
        let folder = URL(fileURLWithPath: out)
        try ContactSheet.write(
            split: folder.appendingPathComponent("train.csv"), to: folder.appendingPathComponent("contact_sheet.png"))
        if summary.captures["shift"] != nil {
            try ContactSheet.write(
                split: folder.appendingPathComponent("shift.csv"),
                to: folder.appendingPathComponent("contact_sheet_shift.png"))
        }
        let stages = ["plan", "backgrounds", "captures", "shift", "files"].compactMap { name in
            summary.stages[name].map { "\(name) \(String(format: "%.1f", $0)) s" }
        }
        print(
            "stages: " + stages.joined(separator: ", ") + ", contact sheets "
                + String(format: "%.1f", Date().timeIntervalSince(sheetStart)) + " s")
        print(
            "wrote \(out)/{train,val,test,shift}.csv, captures.csv, summary.json and contact sheets in "
                + "\(String(format: "%.0f", summary.seconds)) s"
                + (summary.resumedChunks > 0 ? " (resumed: \(summary.resumedChunks) chunks were done before)" : ""))
    }
}
