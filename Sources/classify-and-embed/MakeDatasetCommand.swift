import ArgumentParser
import ClassifyEmbed
import Foundation

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

    @Option(help: "The sources folder that Tools/fetch-sources wrote (WORK_DIR/sources, with its manifest.csv).")
    var sources: String
    @Option(help: "Output folder.") var out = "Data/dataset"
    @Option(help: "About this many training captures (a third per class).") var trainCaptures = 20_000
    @Option(help: "Seed of the split assignment and of every capture.") var seed: UInt64 = 0
    @Option(help: "Shortest long side of a capture in pixels.") var minSize = 144
    @Option(help: "Longest long side of a capture in pixels.") var maxSize = 512
    @Option(help: "Captures per class of the shift split (0: none).") var shiftCaptures = 600
    @Option(
        help: ArgumentHelp(
            "Settings the shift split draws outside the training ranges: all, none, or a comma-separated list of "
                + DatasetBuildRun.allShiftFactors.joined(separator: ", ")
                + " (the shift ablation builds the same identities with fewer).", valueName: "factors"))
    var shiftFactors = "all"
    @Option(help: "Identities per resumable chunk.") var chunk = 64
    @Option(
        help: ArgumentHelp(
            "Build only the selection split of the data set in this folder into --out: its validation identities "
                + "photographed in the selection ranges, between training's and the shift's, for choosing between "
                + "models (README, \"Selection split\"). Pass the --sources, --seed and --train-captures it was "
                + "built with (checked against its progress/key.txt).", valueName: "dataset"))
    var selectionFor: String?
    @Option(help: "Only draw a contact sheet of this CSV (path|label|identity; one column per label) beside it.")
    var sheetOf: String?

    func validate() throws {
        guard trainCaptures >= 30 else { throw ValidationError("--train-captures must be at least 30") }
        guard (32...2048).contains(minSize), (minSize...2048).contains(maxSize) else {
            throw ValidationError("--min-size and --max-size must satisfy 32 ≤ min ≤ max ≤ 2048")
        }
        guard shiftCaptures >= 0, chunk >= 1 else { throw ValidationError("--shift-captures ≥ 0 and --chunk ≥ 1") }
        do { _ = try DatasetBuildRun.shiftFactorNames(shiftFactors) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        // Line-buffered even into a log file, so a long run's progress can be followed.
        setvbuf(stdout, nil, _IOLBF, 0)
        if let sheetOf {
            print(try DatasetBuildRun.contactSheet(of: sheetOf))
            return
        }
        var build = DatasetBuildRun(sources: sources, output: out)
        build.trainCaptures = trainCaptures
        build.seed = seed
        build.sizes = minSize...maxSize
        build.shiftCapturesPerClass = shiftCaptures
        build.chunkSize = chunk
        build.selectionFor = selectionFor
        build.shiftFactors = try DatasetBuildRun.shiftFactorNames(shiftFactors)
        for line in try build.run(progress: { print($0) }) { print(line) }
    }
}
