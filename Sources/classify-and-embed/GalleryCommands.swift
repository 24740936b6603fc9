import ArgumentParser
import ClassifyEmbed
import Foundation

struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register template images into a gallery (SQLite).",
        discussion: """
            Every PNG/JPEG under DIR becomes a template labelled by its sub-path and file stem (a/b/form.png → \
            a/b/form). Registering a label again replaces it. Templates that (nearly) duplicate one already in the \
            gallery, or one earlier in the same run, are flagged: similarity ≥ 0.995 as duplicates, ≥ the threshold \
            of --near-fpr (default 1e-4) as near-duplicates.
            """)

    @Argument(help: "Folder of template images.") var directory: String
    @Option(help: "Gallery file (created when missing).") var gallery: String
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "FPR level whose stored threshold flags near-duplicates.") var nearFpr: Double = 1e-4
    @Option(help: "Near-duplicate similarity (overrides --near-fpr).") var nearThreshold: Float?

    func run() throws {
        let predictor = try modelOptions.predictor()
        let root = URL(fileURLWithPath: directory)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("\(directory): not a folder")
        }
        let urls = ImageInputs.images(under: root)
        guard !urls.isEmpty else { throw ValidationError("\(directory): no PNG or JPEG images inside") }
        let near =
            try nearThreshold
            ?? (predictor.thresholds.isEmpty ? 0.9 : Float(predictor.threshold(atFPR: nearFpr).threshold))
        let store = try Gallery(path: gallery, predictor: predictor, create: true)
        var items: [(label: String, file: String, prediction: Prediction)] = []
        var failed = 0
        let rootPath = root.standardizedFileURL.path
        for (url, result) in zip(urls, predictor.predict(files: urls)) {
            switch result {
            case .failure(let e):
                failed += 1
                FileHandle.standardError.write(Data("\(url.path): error: \(e)\n".utf8))
            case .success(let p):
                var rel = String(url.standardizedFileURL.deletingPathExtension().path.dropFirst(rootPath.count))
                while rel.hasPrefix("/") { rel.removeFirst() }
                items.append((rel, url.path, p))
            }
        }
        for r in try store.register(items, nearDuplicate: near) {
            var line = "registered \(r.label)"
            if let d = r.duplicateOf, let s = r.similarity {
                line += String(
                    format: r.exactDuplicate
                        ? "  DUPLICATE of %@ (similarity %.4f)" : "  near-duplicate of %@ (similarity %.4f)", d, s)
            }
            print(line)
        }
        print("\(items.count) templates registered; the gallery \(gallery) holds \(try store.count())")
        if failed > 0 { throw ExitCode(1) }
    }
}

struct MatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Find the best registered template for images (predict --gallery G --embedding none).",
        discussion: """
            Prints per image what `predict --gallery G --embedding none` prints: the class line, `PATH: CLASS \
            (NAME P, …)`, then `  match: LABEL  similarity S ≥ threshold T (FPR F)`, or `  no match (best LABEL, \
            similarity S < threshold T (FPR F))`, or `  no match (the gallery is empty)`; the (FPR F) part is absent \
            with --threshold. --format jsonl prints \
            predict's JSON object (class, probabilities, embedding_size, model_id) with a `match` object (label, \
            similarity, threshold, fpr, matched), absent when the gallery is empty; --format csv adds the match_* \
            columns. The threshold is the model's stored one for --fpr (default 1e-2), or --threshold. The exit \
            status is 1 when any image failed.
            """)

    @Argument(help: "Images, folders, glob patterns, or - for an image on standard input.") var images: [String]
    @Option(help: "Gallery file.") var gallery: String
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var thresholdOptions: ThresholdOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() throws {
        var run = PredictionRun(predictor: try modelOptions.predictor())
        run.format = outputOptions.chosen
        run.output = outputOptions.output
        run.embedding = .none
        run.progressLabel = "match"
        try PredictCommand.execute(
            run, images: images, split: nil, gallery: gallery, thresholdOptions: thresholdOptions)
    }
}

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove templates from a gallery by label.")

    @Argument(help: "Labels to remove.") var labels: [String]
    @Option(help: "Gallery file.") var gallery: String
    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        let store = try Gallery(path: gallery, predictor: try modelOptions.predictor(), create: false)
        let missing = try store.remove(labels)
        print("removed \(labels.count - missing.count); the gallery \(gallery) holds \(try store.count())")
        if !missing.isEmpty {
            FileHandle.standardError.write(Data("not in the gallery: \(missing.joined(separator: ", "))\n".utf8))
            throw ExitCode(1)
        }
    }
}
