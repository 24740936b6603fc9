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
    /// Training split: test identities that also occur there are reported (the zero-shot protocol).
    public var trainSplit: String?
    /// Store the verification TPR@FPR table in the model file's metadata (`thresholds`), rewriting it atomically.
    public var writeThresholds = false

    public init(model: String, split: String, head: Head = .both, output: String) {
        self.model = model; self.split = split; self.head = head; self.output = output
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Rewrites the model file (temp file + rename) with the TPR@FPR table in its metadata.
    static func storeThresholds(_ v: VerificationReport, in url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        var writer = SafeTensorsWriter(metadata: file.metadata)
        for name in file.names {
            if file.entries[name]!.dtype == .i64 && file.entries[name]!.shape.isEmpty {
                writer.add(name, int64: Int64(try file.floats(name).values[0]))
            } else {
                writer.add(name, try file.tensor(name))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        writer.metadata["thresholds"] = String(decoding: try encoder.encode(v.tprAtFPR), as: UTF8.self)
        try writer.write(to: url)
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
            if let trainSplit {
                let train = try Split(file: URL(fileURLWithPath: trainSplit), classNames: spec.classNames, checkFiles: false)
                let seen = Set(train.identities)
                let shared = Set(data.identities).intersection(seen).sorted()
                report.zeroShot = ZeroShotCheck(trainSplit: trainSplit, sharedIdentities: shared)
                lines.append(shared.isEmpty ? "zero-shot: no test identity occurs in \(trainSplit)"
                             : "zero-shot VIOLATED: \(shared.count) test identities also occur in \(trainSplit): "
                               + shared.prefix(10).joined(separator: ", ") + (shared.count > 10 ? ", …" : ""))
            }
            if writeThresholds {
                try Self.storeThresholds(report.verification!, in: URL(fileURLWithPath: model))
                lines.append("thresholds stored in \(model) (metadata 'thresholds')")
            }
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
