import Datasets
import Foundation
import Inference

/// `classify-and-embed predict` (and `match`): classifies and embeds images batch by batch, matches them
/// against a gallery, and writes each image's result as it comes — as text, JSON Lines or CSV, to standard
/// output or atomically to a file — with progress on standard error for long runs. An image that cannot be
/// read is that image's error; the others still run.
public struct PredictionRun {
    public var predictor: Predictor
    public var format: PredictionFormat = .text
    public var embedding: EmbeddingOutput = .short
    /// Also report the k most probable classes with their probabilities.
    public var topK: Int?
    /// Report the class `unknown` when the most probable class's probability is below this.
    public var minimumConfidence: Float?
    /// Score every image as the average over the views of `TTASettings.standard`.
    public var testTimeAugmentation = false
    public var batchSize = 32
    /// The gallery to match against, and the similarity cut with the FPR level it was chosen for (nil when
    /// given by hand).
    public var gallery: (store: Gallery, threshold: Float, fpr: Double?)?
    /// A file to write (atomically) instead of standard output.
    public var output: String?
    /// The command named on the progress line (`predict`, `match`).
    public var progressLabel = "predict"

    public init(predictor: Predictor) { self.predictor = predictor }

    /// How many images ran and how many of them failed.
    public struct Summary: Sendable {
        public var images: Int
        public var failed: Int
    }

    /// The images of a split CSV (`path | label [| identity]`, paths relative to the CSV), in its row order.
    /// A malformed split or a missing image stops with every bad row as `file:line: what is wrong`.
    public static func sources(ofSplit path: String, classNames: [String]) throws -> [ImageSource] {
        try Split(file: URL(fileURLWithPath: path), classNames: classNames).rows.map { .file($0.path) }
    }

    /// Runs every source and writes the results; the summary says how many failed.
    @discardableResult
    public func run(_ sources: [ImageSource]) throws -> Summary {
        let formatter = PredictionFormatter(
            format: format, classNames: predictor.classNames, modelID: predictor.modelID,
            embeddingSize: predictor.embeddingSize, embedding: embedding, topK: topK,
            minimumConfidence: minimumConfidence, hasGallery: gallery != nil)
        let destination = try OutputDestination(path: output)
        let progress = ImageProgress(label: progressLabel, total: sources.count)
        defer { progress.finish() }
        try destination.write(formatter.header ?? "")
        var failed = 0
        // A few batches at a time: output starts early and memory stays flat however many images there are.
        let step = max(1, batchSize) * 4
        for start in stride(from: 0, to: sources.count, by: step) {
            let chunk = Array(sources[start..<min(sources.count, start + step)])
            let results = predictor.predict(
                sources: chunk, batchSize: batchSize, testTimeAugmentation: testTimeAugmentation)
            let good = results.compactMap { try? $0.get() }
            var matches =
                try gallery.map { try $0.store.match(good.map(\.embedding), threshold: $0.threshold, fpr: $0.fpr) }
                ?? []
            matches.reverse()
            var text = ""
            var diagnostics: [String] = []
            for (source, result) in zip(chunk, results) {
                if case .failure = result { failed += 1 }
                let match = gallery != nil && (try? result.get()) != nil ? matches.removeLast() : nil
                let rendered = try formatter.render(source.name, result, match: match)
                text += rendered.output
                if let d = rendered.diagnostic { diagnostics.append(d) }
            }
            progress.clear()
            if !diagnostics.isEmpty {
                FileHandle.standardError.write(Data((diagnostics.joined(separator: "\n") + "\n").utf8))
            }
            try destination.write(text)
            progress.advance(by: chunk.count)
        }
        try destination.commit()
        return Summary(images: sources.count, failed: failed)
    }
}
