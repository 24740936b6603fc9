import ArgumentParser
import ClassifyEmbed
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images and embed them (the default command).",
        discussion: """
            IMAGE may be files, folders (searched recursively for PNG/JPEG), quoted glob patterns or - (one image \
            read from standard input); --split adds the images of a split CSV. Prints per image the class with \
            every class probability (or the --top-k most probable) and an embedding preview; with --gallery also \
            the best registered template, its similarity and whether it passes the threshold of the chosen FPR \
            level. A bad image is reported and the others still run; the exit status is 1 when any image failed. \
            Progress (count, img/s, ETA) goes to standard error when it is a terminal and there are more than \
            200 images.
            """)

    @Argument(help: "Images, folders, glob patterns, or - for an image on standard input.") var images: [String] = []
    @Option(help: "A split CSV (path | label [| identity], paths relative to it): predict its images.")
    var split: String?
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Gallery (SQLite) to match against.") var gallery: String?
    @OptionGroup var thresholdOptions: ThresholdOptions
    @OptionGroup var outputOptions: OutputOptions
    @Option(help: "Embedding output: full | short (first 8 values) | none.") var embedding: EmbeddingOutput = .short
    @Option(help: "Also report the K most probable classes with their probabilities.") var topK: Int?
    // `.unconditional`: `--min-confidence -1` is read as a (bad) value, not as a missing one followed by a flag.
    @Option(
        parsing: .unconditional,
        help: "Report the class `unknown` when the most probable class's probability is below P, in [0, 1].")
    var minConfidence: Double?
    @Flag(help: "Test-time augmentation: average the views of evaluate --tta (flip and blur; small crops).")
    var tta = false
    @Option(help: "Images per forward pass.") var batchSize = 32

    func validate() throws {
        guard !images.isEmpty || split != nil else {
            throw ValidationError("give at least one image, folder, glob or - (standard input), or --split")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let topK, topK < 1 { throw ValidationError("--top-k \(topK): give at least 1") }
        if let minConfidence, !(minConfidence.isFinite && (0...1).contains(minConfidence)) {
            throw ValidationError("--min-confidence \(minConfidence) is not a probability: give a value in [0, 1]")
        }
    }

    func run() throws {
        var run = PredictionRun(predictor: try modelOptions.predictor())
        let classes = run.predictor.classNames
        if let topK, topK > classes.count {
            throw ValidationError(
                "--top-k \(topK): the model has \(classes.count) classes (\(classes.joined(separator: ", ")))")
        }
        run.format = outputOptions.chosen
        run.output = outputOptions.output
        run.embedding = embedding
        run.topK = topK
        run.minimumConfidence = minConfidence.map(Float.init)
        run.testTimeAugmentation = tta
        run.batchSize = batchSize
        try Self.execute(run, images: images, split: split, gallery: gallery, thresholdOptions: thresholdOptions)
    }

    /// Runs `run` over the image arguments and the split's images, matching against `gallery`; shared with
    /// `match`.
    static func execute(
        _ run: PredictionRun, images: [String], split: String?, gallery: String?, thresholdOptions: ThresholdOptions
    ) throws {
        var run = run
        var sources = try ImageInputs.sources(images)
        if let split { sources += try PredictionRun.sources(ofSplit: split, classNames: run.predictor.classNames) }
        guard !sources.isEmpty else {
            throw ValidationError("no PNG or JPEG images found in \(images.joined(separator: " "))")
        }
        if let gallery {
            let store = try Gallery(path: gallery, predictor: run.predictor, create: false, readOnly: true)
            let cut = try thresholdOptions.decision(for: run.predictor)
            run.gallery = (store, cut.threshold, cut.fpr)
        }
        let summary = try run.run(sources)
        if summary.failed > 0 {
            FileHandle.standardError.write(Data("\(summary.failed) of \(summary.images) images failed\n".utf8))
            throw ExitCode(1)
        }
    }
}
