import ArgumentParser
import ClassifyEmbed
import Foundation

/// How much of the embedding to print.
enum EmbeddingOutput: String, ExpressibleByArgument, CaseIterable { case full, short, none }

/// One line of `--json` output (schema in the README).
struct PredictionRecord: Encodable {
    var file: String
    var ok: Bool
    var error: String?
    var `class`: String?
    var probabilities: [String: Float]?
    var embedding: [Float]?
    var embeddingSize: Int?
    var match: GalleryMatch?
    var modelID: String

    enum CodingKeys: String, CodingKey {
        case file, ok, error, `class`, probabilities, embedding, match
        case embeddingSize = "embedding_size", modelID = "model_id"
    }
}

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images and embed them (the default command).",
        discussion: """
            IMAGE may be files, folders (searched recursively for PNG/JPEG) or quoted glob patterns. Prints per \
            image the class with every class probability and an embedding preview; with --gallery also the best \
            registered template, its similarity and whether it passes the threshold of the chosen FPR level. \
            A bad image is reported and the others still run; the exit status is 1 when any image failed.
            """)

    @Argument(help: "Images, folders or glob patterns.") var images: [String]
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Gallery (SQLite) to match against.") var gallery: String?
    @OptionGroup var thresholdOptions: ThresholdOptions
    @Flag(help: "One JSON object per image and line (see the README for the schema).") var json = false
    @Option(help: "Embedding output: full | short (first 8 values) | none.") var embedding: EmbeddingOutput = .short
    @Option(help: "Images per forward pass.") var batchSize = 32

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image, folder or glob") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        try Self.execute(
            images: images, predictor: try modelOptions.predictor(), gallery: gallery,
            thresholdOptions: thresholdOptions,
            json: json, embedding: embedding, batchSize: batchSize)
    }

    /// The command's work, shared with `match`.
    static func execute(
        images: [String], predictor: Predictor, gallery: String?, thresholdOptions: ThresholdOptions, json: Bool,
        embedding: EmbeddingOutput, batchSize: Int
    ) throws {
        let urls = ImageInputs.expand(images)
        guard !urls.isEmpty else {
            throw ValidationError("no PNG or JPEG images found in \(images.joined(separator: " "))")
        }
        var store: Gallery?
        var cut = ThresholdOptions.Decision(threshold: 0, fpr: nil, tpr: nil)
        if let gallery {
            store = try Gallery(path: gallery, predictor: predictor, create: false, readOnly: true)
            cut = try thresholdOptions.decision(for: predictor)
        }
        let encoder = JSONLines.encoder
        var failed = 0
        let results = predictor.predict(files: urls, batchSize: batchSize)
        let good = results.compactMap { try? $0.get() }
        var matches = try store?.match(good.map(\.embedding), threshold: cut.threshold, fpr: cut.fpr) ?? []
        matches.reverse()
        for (url, result) in zip(urls, results) {
            var record = PredictionRecord(file: url.relativePath, ok: true, modelID: predictor.modelID)
            switch result {
            case .failure(let e):
                failed += 1
                record.ok = false
                record.error = "\(e)"
                if json {
                    print(String(decoding: try encoder.encode(record), as: UTF8.self))
                } else {
                    FileHandle.standardError.write(Data("\(url.relativePath): error: \(e)\n".utf8))
                }
                continue
            case .success(let p):
                let match = store == nil ? nil : matches.removeLast()
                if json {
                    record.class = p.label
                    record.probabilities = Dictionary(uniqueKeysWithValues: zip(predictor.classNames, p.probabilities))
                    record.embeddingSize = p.embedding.count
                    record.embedding =
                        embedding == .full ? p.embedding : (embedding == .short ? Array(p.embedding.prefix(8)) : nil)
                    record.match = match
                    print(String(decoding: try encoder.encode(record), as: UTF8.self))
                } else {
                    print(text(url, p, predictor.classNames, match, hasGallery: store != nil, embedding: embedding))
                }
            }
        }
        if failed > 0 {
            FileHandle.standardError.write(Data("\(failed) of \(urls.count) images failed\n".utf8))
            throw ExitCode(1)
        }
    }

    static func text(
        _ url: URL, _ p: Prediction, _ names: [String], _ match: GalleryMatch?, hasGallery: Bool,
        embedding: EmbeddingOutput
    ) -> String {
        let probs = zip(names, p.probabilities).map { String(format: "%@ %.3f", $0.0, $0.1) }.joined(separator: ", ")
        var lines = ["\(url.relativePath): \(p.label) (\(probs))"]
        if embedding != .none {
            let shown = embedding == .full ? p.embedding : Array(p.embedding.prefix(8))
            let values = shown.map { String(format: "%+.4f", $0) }.joined(separator: " ")
            lines.append("  embedding[\(p.embedding.count)]: \(values)\(embedding == .short ? " …" : "")")
        }
        if hasGallery {
            if let m = match {
                let level = m.fpr.map { String(format: " (FPR %g)", $0) } ?? ""
                lines.append(
                    m.matched
                        ? String(
                            format: "  match: %@  similarity %.4f ≥ threshold %.4f%@", m.label, m.similarity,
                            m.threshold, level)
                        : String(
                            format: "  no match (best %@, similarity %.4f < threshold %.4f%@)", m.label, m.similarity,
                            m.threshold, level))
            } else {
                lines.append("  no match (the gallery is empty)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
