import ArgumentParser
import ClassifyEmbed

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

    @Option(help: "The sources folder written by Tools/fetch-sources (its default: $CE_DATA_WORK/sources).")
    var sources: String
    @Option(help: "Output folder.") var out = "Data/dataset"
    @Option(help: "About this many training captures (a third per class).") var trainCaptures = 20_000
    @Option(help: "Seed of the split assignment and of every capture.") var seed: UInt64 = 0
    @Option(help: "Longer side of a capture in pixels.") var size = 256

    func validate() throws {
        guard trainCaptures >= 30 else { throw ValidationError("--train-captures must be at least 30") }
        guard (64...2048).contains(size) else { throw ValidationError("--size must be within 64…2048") }
    }

    func run() throws {
        var build = DatasetBuildRun(sources: sources, output: out)
        build.trainCaptures = trainCaptures
        build.seed = seed
        build.longSide = size
        for line in try build.run(progress: { print($0) }) { print(line) }
    }
}
