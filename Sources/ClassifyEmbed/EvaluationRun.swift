import Datasets
import Engine
import Evaluation
import Foundation
import Imaging
import Layers
import Training

/// `classify-and-embed evaluate`: scores each head of a model file on a split, on its own, and writes
/// `report.json` (atomically) into the output folder.
public struct EvaluationRun {
    public enum Head: String, CaseIterable, Sendable { case classification, embedding, both }

    public var model: String
    public var split: String
    public var head: Head = .both
    public var output: String
    public var batchSize = 64

    public init(model: String, split: String, head: Head = .both, output: String) {
        self.model = model; self.split = split; self.head = head; self.output = output
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the evaluation and returns the human-readable summary that the command prints.
    @discardableResult
    public func run() throws -> String {
        BLAS.configure()
        let (joint, preprocessing, _) = try ModelFile.load(URL(fileURLWithPath: model))
        let spec = joint.spec
        let data = try Split(file: URL(fileURLWithPath: split), classNames: spec.classNames)
        let cache = try ImageCache(split: data, side: preprocessing.width)
        let loader = BatchLoader(split: data, cache: cache, batchSize: batchSize,
                                 augmenter: Augmenter(settings: .none, preprocessing: preprocessing), seed: 0, shuffle: false)
        let folded = FoldedLCNet(joint.backbone)
        var logits: [[Float]] = [], truth: [Int] = [], embeddings: [Float] = [], identities: [Int] = []
        for index in 0..<loader.batchesPerEpoch {
            let batch = loader.batch(epoch: 0, index: index, parallel: true)
            let features = folded.forward(batch.images)
            let k = spec.classOutputs
            let l = joint.classifier(features, training: false)
            let e = l2Normalized(joint.neck(features, training: false))
            for i in 0..<batch.rows.count {
                if batch.labels[i] >= 0 {
                    logits.append(Array(UnsafeBufferPointer(start: l.data + i * k, count: k)))
                    truth.append(batch.labels[i])
                }
                if batch.identities[i] >= 0 {
                    identities.append(batch.identities[i])
                    embeddings.append(contentsOf: UnsafeBufferPointer(start: e.data + i * spec.embeddingSize, count: spec.embeddingSize))
                }
            }
        }
        var report = EvaluationReport(model: model, split: split, images: data.rows.count)
        var lines: [String] = ["\(model) on \(split): \(data.rows.count) images"]
        if head != .embedding {
            guard !truth.isEmpty else { throw Failure(description: "\(split): no row has a class label; nothing to score for the classification head") }
            let c = try ClassificationEvaluation(logits: logits, truth: truth, classNames: spec.classNames, binary: spec.classMode == "binary")
            report.classification = c
            lines += c.summary
        }
        if head != .classification {
            guard identities.count >= 2 else {
                throw Failure(description: "\(split): fewer than two rows have an identity; nothing to score for the embedding head")
            }
            let v = try embeddings.withUnsafeBufferPointer {
                try PairVerification(embeddings: $0.baseAddress!, count: identities.count, dimension: spec.embeddingSize, identities: identities)
            }
            report.verification = VerificationReport(v)
            lines += report.verification!.summary
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let url = URL(fileURLWithPath: output).appendingPathComponent("report.json")
        try AtomicFile.write(try encoder.encode(report), to: url)
        lines.append("report: \(url.path)")
        return lines.joined(separator: "\n")
    }
}
