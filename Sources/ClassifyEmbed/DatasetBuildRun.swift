import Datasets
import Foundation
import Imaging

/// `classify-and-embed make-dataset`: synthesises the data set (train / val / test and the shift split) from
/// the sources that `Tools/fetch-sources` fetched, then draws its contact sheets. Resumable: started again with
/// the same arguments, it continues where a killed run stopped.
public struct DatasetBuildRun {
    /// The sources folder written by `Tools/fetch-sources`.
    public var sources: String
    public var output: String
    /// About this many training captures (a third per class).
    public var trainCaptures = 20_000
    public var seed: UInt64 = 0
    /// The long side of each capture is drawn from this range (pixels).
    public var sizes = 144...512
    /// Captures per class of the shift split (0: none).
    public var shiftCapturesPerClass = 600
    /// The shift's held-out setting groups by name (`ShiftFactor`): all of them for the shift split; fewer for
    /// the shift ablation. Names are checked where they are read (`shiftFactorNames`).
    public var shiftFactors = Self.allShiftFactors
    /// Every held-out setting group, in the order the help lists them.
    public static let allShiftFactors = ShiftFactor.allCases.map(\.rawValue)
    /// Identities per resumable chunk.
    public var chunkSize = 64
    /// Build only the selection split of the data set in this folder (its validation identities in the
    /// selection ranges) into `output`.
    public var selectionFor: String?
    var selectionSplit: Bool { selectionFor != nil }

    /// The factor names of a `--shift-factors` value: `all`, `none`, or a comma-separated list of
    /// `allShiftFactors`; throws a message naming the unknown name.
    public static func shiftFactorNames(_ text: String) throws -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "all" { return allShiftFactors }
        if trimmed == "none" { return [] }
        let names = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where ShiftFactor(rawValue: name) == nil {
            throw DatasetBuildError(
                "--shift-factors: unknown factor '\(name)'; use all, none or a comma-separated list of "
                    + allShiftFactors.joined(separator: ", "))
        }
        return names
    }

    public init(sources: String, output: String) {
        self.sources = sources
        self.output = output
    }

    /// Draws a contact sheet of a split CSV beside it (`x.csv` → `x.png`); returns what it wrote.
    public static func contactSheet(of csv: String) throws -> String {
        let url = URL(fileURLWithPath: csv)
        let png = url.deletingPathExtension().appendingPathExtension("png")
        try ContactSheet.write(split: url, to: png)
        return "wrote \(png.path)"
    }

    /// Builds the data set, reporting progress lines to `progress`; returns the summary lines.
    public func run(progress: (String) -> Void) throws -> [String] {
        var settings = DatasetBuildSettings(
            sources: URL(fileURLWithPath: sources), output: URL(fileURLWithPath: output))
        settings.trainCaptures = trainCaptures
        settings.seed = seed
        settings.sizes = FrameSizes(longSides: sizes)
        settings.shiftCapturesPerClass = shiftCapturesPerClass
        let factorNames = try Self.shiftFactorNames(shiftFactors.isEmpty ? "none" : shiftFactors.joined(separator: ","))
        settings.shiftFactors = Set(factorNames.compactMap(ShiftFactor.init(rawValue:)))
        settings.chunkSize = chunkSize
        settings.selectionFor = selectionFor.map { URL(fileURLWithPath: $0) }
        let summary = try DatasetBuilder(settings: settings).build(progress: progress)
        var lines: [String] = []
        for split in DatasetBuilder.splits + ["selection"] where summary.captures[split] != nil {
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
        let sheetStart = Date()
        let folder = URL(fileURLWithPath: output)
        let main = selectionSplit ? "selection" : "train"
        try ContactSheet.write(
            split: folder.appendingPathComponent("\(main).csv"), to: folder.appendingPathComponent("contact_sheet.png"))
        if summary.captures["shift"] != nil {
            try ContactSheet.write(
                split: folder.appendingPathComponent("shift.csv"),
                to: folder.appendingPathComponent("contact_sheet_shift.png"))
        }
        let stages = ["plan", "backgrounds", "captures", "shift", "files"].compactMap { name in
            summary.stages[name].map { "\(name) \(String(format: "%.1f", $0)) s" }
        }
        lines.append(
            "stages: " + stages.joined(separator: ", ") + ", contact sheets "
                + String(format: "%.1f", Date().timeIntervalSince(sheetStart)) + " s")
        lines.append(
            "wrote \(output)/" + (selectionSplit ? "selection.csv" : "{train,val,test,shift}.csv")
                + ", captures.csv, summary.json and contact sheets in "
                + String(format: "%.0f", summary.seconds) + " s"
                + (summary.resumedChunks > 0 ? " (resumed: \(summary.resumedChunks) chunks were done before)" : ""))
        return lines
    }
}

/// A `make-dataset` setting that cannot be used, with what to use instead.
public struct DatasetBuildError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
