import Datasets
import Engine
import Evaluation
import Foundation
import Imaging
import Inference
import Model

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
    /// Score this many random pairs (seeded) instead of all pairs.
    public var sampledPairs: Int?
    /// A pairs file: `pathA | pathB [| same]` per line (paths relative to the file; `same` 1/0, else from identities).
    public var pairsFile: String?
    /// Store the verification TPR@FPR table in the model file's metadata (`thresholds`), rewriting it atomically.
    public var writeThresholds = false
    /// Also score with test-time augmentation (`TTASettings.standard`), side by side in the report.
    public var tta = false
    /// A per-image attribute table (`path` plus other columns, e.g. `make-dataset`'s `captures.csv`): the
    /// classification accuracy is also reported per value of each of `breakdownColumns`.
    public var breakdownFile: String?
    public var breakdownColumns = ["kind"]

    public init(model: String, split: String, head: Head = .both, output: String) {
        self.model = model
        self.split = split
        self.head = head
        self.output = output
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Scores of sampled pairs or of the pairs file's pairs, with their positivity.
    private func chosenPairs(
        _ e: [Float], identities: [Int], rows: [Int], split: Split, dimension d: Int
    ) throws -> ([Double], [Bool]) {
        func cosine(_ a: Int, _ b: Int) -> Double {
            var s: Float = 0
            for k in 0..<d { s += e[a * d + k] * e[b * d + k] }
            return Double(s)
        }
        var scores: [Double] = []
        var positive: [Bool] = []
        if let count = sampledPairs {
            let n = identities.count
            var rng = SeededGenerator(seed: 1)
            for _ in 0..<count {
                let a = Int(rng.next() % UInt64(n))
                var b = Int(rng.next() % UInt64(n - 1))
                if b >= a { b += 1 }
                scores.append(cosine(a, b))
                positive.append(identities[a] == identities[b])
            }
            return (scores, positive)
        }
        let url = URL(fileURLWithPath: pairsFile!)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw Failure(description: "\(url.path): cannot read the pairs file")
        }
        var index: [String: Int] = [:]
        for (embedding, row) in rows.enumerated() { index[split.rows[row].path.standardizedFileURL.path] = embedding }
        var problems: [String] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty || t.hasPrefix("#") { continue }
            let f = t.split(separator: t.contains("|") ? "|" : ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let resolve = { (p: String) in
                url.deletingLastPathComponent().appendingPathComponent(p).standardizedFileURL.path
            }
            guard f.count == 2 || f.count == 3, let a = index[resolve(f[0])], let b = index[resolve(f[1])] else {
                problems.append("\(url.path):\(n + 1): expected `pathA | pathB [| same]` with both images in the split")
                continue
            }
            let same: Bool
            if f.count == 3 {
                guard f[2] == "0" || f[2] == "1" else {
                    problems.append("\(url.path):\(n + 1): `same` must be 0 or 1")
                    continue
                }
                same = f[2] == "1"
            } else {
                guard identities[a] >= 0 && identities[b] >= 0 else {
                    problems.append("\(url.path):\(n + 1): no `same` column and an image without identity")
                    continue
                }
                same = identities[a] == identities[b]
            }
            scores.append(cosine(a, b))
            positive.append(same)
        }
        guard problems.isEmpty else { throw SplitError(problems: problems, subject: .pairsFile) }
        return (scores, positive)
    }

    /// What the model produced for a split: logits of labelled rows, embeddings of rows with an identity.
    struct Outputs {
        var logits: [[Float]] = [], truth: [Int] = [], embeddings: [Float] = [], identities: [Int] = [],
            rowOfEmbedding: [Int] = [], rowOfLogits: [Int] = []
    }

    /// Runs every row through the Predictor (decode, Pillow-exact resize, the folded network), with or without TTA.
    /// Every row that cannot be scored (unreadable image, non-finite output) is listed, and then the run stops:
    /// metrics over a silently shortened split would not be the split's. Under `mpirun` each rank runs its
    /// share of the rows and every rank gets all outputs.
    func collect(_ predictor: Predictor, _ data: Split, tta: TTASettings?, group: Communicator) throws -> Outputs {
        var o = Outputs()
        var problems: [String] = []
        let share = group.share(of: data.rows.count)
        let progress = ImageProgress(
            label: tta == nil ? "evaluate" : "evaluate (TTA)", total: share.count,
            mode: group.isLeader ? .fromEnvironment : .never)
        defer { progress.finish() }
        for start in stride(from: share.lowerBound, to: share.upperBound, by: batchSize) {
            defer { progress.advance(by: min(batchSize, share.upperBound - start)) }
            var rows: [Int] = []
            var images: [RGBImage] = []
            for row in start..<min(share.upperBound, start + batchSize) {
                do {
                    images.append(try predictor.decode(data.rows[row].path))
                    rows.append(row)
                } catch {
                    problems.append("\(data.file.path):\(data.rows[row].line): \(error)")
                }
            }
            guard problems.isEmpty else { continue }
            let predictions = tta.map { predictor.predict(images, tta: $0) } ?? predictor.predict(images)
            for (row, p) in zip(rows, predictions) {
                guard p.probabilities.allSatisfy(\.isFinite), p.embedding.allSatisfy(\.isFinite) else {
                    problems.append("\(data.file.path):\(data.rows[row].line): non-finite output (NaN or Inf)")
                    continue
                }
                if let label = data.rows[row].label {
                    o.logits.append(p.logits)
                    o.truth.append(label)
                    o.rowOfLogits.append(row)
                }
                let identity = data.identityIndex[row]
                if identity >= 0 || pairsFile != nil {
                    o.identities.append(identity)
                    o.rowOfEmbedding.append(row)
                    o.embeddings += p.embedding
                }
            }
        }
        (o, problems) = o.joined(over: group, problems: problems)
        guard problems.isEmpty else {
            throw Failure(
                description: "\(problems.count) row\(problems.count == 1 ? "" : "s") of the split cannot be scored "
                    + "(fix or remove them):\n" + problems.prefix(50).joined(separator: "\n")
                    + (problems.count > 50 ? "\n… and \(problems.count - 50) more" : ""))
        }
        return o
    }

    /// Scores both heads' outputs; `lines` gets the printed summary.
    /// Only rank 0's report is complete: the others take part in the sharded pair verification and return nil.
    func score(
        _ o: Outputs, _ data: Split, spec: ModelSpec, lines: inout [String], primary: Bool, group: Communicator
    ) throws -> EvaluationReport? {
        if !group.isLeader {
            guard head != .classification, o.identities.count >= 2, sampledPairs == nil, pairsFile == nil else {
                return nil
            }
            _ = try o.embeddings.withUnsafeBufferPointer {
                try PairVerification.sharded(
                    embeddings: $0.baseAddress!, count: o.identities.count, dimension: spec.embeddingSize,
                    identities: o.identities, group: group)
            }
            return nil
        }
        var report = EvaluationReport(model: model, split: split, images: data.rows.count)
        if head != .embedding {
            guard !o.truth.isEmpty else {
                throw Failure(
                    description: "\(split): no row has a class label; nothing to score for the classification head")
            }
            let c = try ClassificationEvaluation(
                logits: o.logits, truth: o.truth, classNames: spec.classNames, binary: spec.classMode == .binary)
            report.classification = c
            lines += c.summary
            if primary, let breakdownFile {
                let table = try BreakdownFile(file: URL(fileURLWithPath: breakdownFile), columns: breakdownColumns)
                let predicted = ClassificationEvaluation.predictedClasses(
                    ClassificationEvaluation.probabilities(o.logits, binary: spec.classMode == .binary))
                let paths = o.rowOfLogits.map { data.rows[$0].path.standardizedFileURL.path }
                report.breakdowns = table.columns.indices.map { column in
                    AccuracyBreakdown(
                        attribute: table.columns[column], values: paths.map { table.values[$0]?[column] },
                        truth: o.truth, predicted: predicted, classNames: spec.classNames)
                }
                lines += report.breakdowns!.flatMap(\.summary)
            }
        }
        if head != .classification {
            guard o.identities.count >= 2 else {
                throw Failure(
                    description:
                        "\(split): fewer than two rows have an identity; nothing to score for the embedding head")
            }
            if sampledPairs != nil || pairsFile != nil {
                let (scores, positive) = try chosenPairs(
                    o.embeddings, identities: o.identities, rows: o.rowOfEmbedding, split: data,
                    dimension: spec.embeddingSize)
                report.verification = VerificationReport(
                    try ROC(scores: scores, positive: positive), selection: sampledPairs != nil ? .sampled : .listed)
            } else {
                let v = try o.embeddings.withUnsafeBufferPointer {
                    try PairVerification.sharded(
                        embeddings: $0.baseAddress!, count: o.identities.count, dimension: spec.embeddingSize,
                        identities: o.identities, group: group)
                }
                report.verification = v.map(VerificationReport.init)
            }
            lines += report.verification!.summary
            if primary, let trainSplit {
                let train = try Split(
                    file: URL(fileURLWithPath: trainSplit), classNames: spec.classNames, checkFiles: false)
                let seen = Set(train.identities)
                let shared = Set(data.identities).intersection(seen).sorted()
                report.zeroShot = ZeroShotCheck(trainSplit: trainSplit, sharedIdentities: shared)
                lines.append(
                    shared.isEmpty
                        ? "zero-shot: no test identity occurs in \(trainSplit)"
                        : "zero-shot VIOLATED: \(shared.count) test identities also occur in \(trainSplit): "
                            + shared.prefix(10).joined(separator: ", ") + (shared.count > 10 ? ", …" : ""))
            }

        }
        return report
    }

    /// Runs the evaluation, writes `report.json` and `report.html` (and `report.tta.json` with --tta), and
    /// returns the human-readable summary that the command prints.
    @discardableResult
    public func run() throws -> String {
        let group = try ProcessGroup.communicator()
        let predictor = try Predictor(modelPath: model)
        let spec = predictor.spec
        let data = try Split(file: URL(fileURLWithPath: split), classNames: spec.classNames)
        guard !data.rows.isEmpty else {
            throw Failure(description: "\(split): the split has no rows; nothing to evaluate")
        }
        var lines: [String] = ["\(model) on \(split): \(data.rows.count) images"]
        let outputs = try collect(predictor, data, tta: nil, group: group)
        let scored = try score(outputs, data, spec: spec, lines: &lines, primary: true, group: group)
        guard let report = scored else {
            // Another rank than 0: its part of the TTA pass too, then nothing to write.
            if tta {
                _ = try score(
                    try collect(predictor, data, tta: .standard, group: group), data, spec: spec, lines: &lines,
                    primary: false, group: group)
            }
            return ""
        }
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(
            try EvaluationReport.encoder.encode(report), to: folder.appendingPathComponent("report.json"))
        var ttaReport: EvaluationReport?
        if tta {
            lines.append("with test-time augmentation (\(TTASettings.standard)):")
            var r = try score(
                try collect(predictor, data, tta: .standard, group: group), data, spec: spec, lines: &lines,
                primary: false, group: group)!
            r.tta = TTASettings.standard.description
            try AtomicFile.write(
                try EvaluationReport.encoder.encode(r), to: folder.appendingPathComponent("report.tta.json"))
            ttaReport = r
        }
        var sample: EmbeddingSample?
        if head != .classification && !outputs.identities.isEmpty {
            // A seeded subsample of at most 600 embedded images for the PCA and t-SNE plots.
            var rng = SeededGenerator(seed: 3)
            var chosen = Array(0..<outputs.identities.count)
            for i in stride(from: chosen.count - 1, to: 0, by: -1) { chosen.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            chosen = Array(chosen.prefix(600)).sorted()
            let d = spec.embeddingSize
            sample = EmbeddingSample(
                vectors: chosen.flatMap { outputs.embeddings[($0 * d)..<($0 * d + d)] }, dimension: d,
                classes: chosen.map { data.rows[outputs.rowOfEmbedding[$0]].label.map { spec.classNames[$0] } ?? "-" },
                identities: chosen.map { outputs.identities[$0] >= 0 ? data.identities[outputs.identities[$0]] : "-" })
        }
        let html = HTMLReport.render(report, tta: ttaReport, sample: sample)
        try AtomicFile.write(Data(html.utf8), to: folder.appendingPathComponent("report.html"))
        lines.append(
            "report: \(folder.appendingPathComponent("report.json").path) and report.html"
                + (tta ? " (and report.tta.json)" : ""))
        // Last, after the reports are safe on disk: a model that cannot be rewritten costs no finished report.
        if writeThresholds, let verification = report.verification {
            let target = URL(fileURLWithPath: model).resolvingSymlinksInPath()
            let levels = ThresholdLevels(verification)
            guard !levels.stored.isEmpty else {
                throw Failure(
                    description: lines.joined(separator: "\n")
                        + "\nthe reports are written, but no threshold was stored in \(target.path) (it is unchanged): "
                        + "even FPR 1 needs \(ThresholdLevels.negativesNeeded(1)) negative pairs and this evaluation "
                        + "has \(levels.negatives); evaluate on a split with more identities")
            }
            do {
                try ModelFile.storeThresholds(levels.table, in: target)
            } catch {
                throw Failure(
                    description: lines.joined(separator: "\n")
                        + "\nthe reports are written, but the thresholds could not be stored in \(target.path): \(error)"
                )
            }
            if let warning = levels.warning { lines.append(warning) }
            lines.append(
                "thresholds for FPR \(levels.storedLevels) stored in \(target.path)"
                    + "\(target.path == model ? "" : " (the file \(model) links to)") (metadata 'thresholds')")
        }
        return lines.joined(separator: "\n")
    }
}
