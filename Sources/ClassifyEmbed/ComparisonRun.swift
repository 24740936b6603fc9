import Datasets
import Engine
import Evaluation
import Foundation
import Imaging
import Inference
import Model

/// `classify-and-embed compare`: scores several model files on one split with `evaluate`'s evaluator, times
/// them, and writes `report.json` and `report.html` (one row per model, every model's curves overlaid) into
/// the output folder, atomically.
public struct ComparisonRun {
    public var models: [String]
    public var split: String
    public var head: EvaluationRun.Head = .both
    public var output: String
    /// Training split: test identities that also occur there are reported (the zero-shot protocol).
    public var trainSplit: String?
    /// Rounds of the latency measurement (every model each round).
    public var latencyRounds = 5
    /// Images of the split the latency is measured on.
    public var latencyImages = 32
    /// Called before each model is scored, and before the timing (the command prints it on standard error).
    public var progress: (String) -> Void = { _ in }

    public init(models: [String], split: String, head: EvaluationRun.Head = .both, output: String) {
        self.models = models
        self.split = split
        self.head = head
        self.output = output
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What the run wrote and the table to show.
    public struct Outcome: Sendable {
        /// The table as aligned text, the notes and where the reports are.
        public var summary: String
        /// The table as Markdown, as DocClassifier's README tables look (`| Name | TPR@FPR=1e-4 | ROC | … |`).
        public var markdown: String
        public var reportJSON: String
        public var reportHTML: String
    }

    /// A model file, read and validated, with the predictor that runs it.
    private struct Loaded {
        var path: String
        var file: ModelFile
        var predictor: Predictor
    }

    private func load(_ path: String) throws -> Loaded {
        do {
            guard FileManager.default.fileExists(atPath: path) else {
                throw Failure(description: "no such model file (give the path of a .safetensors model file)")
            }
            let file = try ModelFile(contentsOf: URL(fileURLWithPath: path))
            return Loaded(path: path, file: file, predictor: try Predictor(modelFile: file))
        } catch {
            let text = "\(error)"
            throw Failure(description: text.contains(path) ? text : "\(path): \(text)")
        }
    }

    @discardableResult
    public func run() throws -> Outcome {
        guard !models.isEmpty else { throw Failure(description: "compare: give at least one model file") }
        let loaded = try models.map(load)
        let names = ModelNames.names(paths: models, configNames: loaded.map(\.file.configName))
        var notes: [String] = []
        // The classification heads are comparable only over the same classes in the same order.
        let classSets = loaded.map { [$0.file.spec.classMode.rawValue] + $0.file.spec.classNames }
        let shared = Set(classSets).count == 1 ? loaded[0].file.spec.classNames : nil
        var scored = head
        if shared == nil {
            let listing = zip(names, loaded).map { "\($0): \($1.file.spec.classNames.joined(separator: ", "))" }
                .joined(separator: "; ")
            guard head != .classification else {
                throw Failure(
                    description: "the models' classes differ (\(listing)): their classification heads cannot be "
                        + "scored against one split's labels; compare them with --head embedding")
            }
            if head == .both {
                scored = .embedding
                notes.append(
                    "the models' classes differ (\(listing)): only the embedding heads are compared, "
                        + "the classification columns are left out")
            }
        }
        let sizes = Set(loaded.map(\.file.spec.inputSize))
        if sizes.count > 1 {
            notes.append(
                "input sizes differ ("
                    + zip(names, loaded).map { "\($0) \($1.file.spec.inputSize) px" }
                    .joined(separator: ", ") + "): each model sees the split at its own size, so latencies are "
                    + "not like for like")
        }
        // Labels are read against the shared classes; with differing classes only identities matter, and the
        // labels are read against every model's names so that no model's label is refused.
        var union: [String] = []
        for names in loaded.map(\.file.spec.classNames) { for n in names where !union.contains(n) { union.append(n) } }
        let data = try Split(file: URL(fileURLWithPath: split), classNames: shared ?? union)
        guard !data.rows.isEmpty else {
            throw Failure(description: "\(split): the split has no rows; nothing to compare")
        }
        var evaluations: [EvaluationReport] = []
        for (i, model) in loaded.enumerated() {
            progress("[\(i + 1)/\(loaded.count)] \(names[i]): scoring \(model.path) on \(split)")
            var evaluation = EvaluationRun(model: model.path, split: split, head: scored, output: output)
            evaluation.trainSplit = trainSplit
            var lines: [String] = []
            do {
                // `compare` runs in one process (each model's evaluation is small next to `evaluate`'s all pairs).
                let alone = SingleProcessCommunicator()
                let outputs = try evaluation.collect(model.predictor, data, tta: nil, group: alone)
                let scored = try evaluation.score(
                    outputs, data, spec: model.file.spec, lines: &lines, primary: i == 0, group: alone)
                evaluations.append(scored!)
            } catch {
                throw Failure(description: "\(model.path): \(error)")
            }
        }
        progress("timing \(loaded.count) model\(loaded.count == 1 ? "" : "s")")
        let images = try data.rows.prefix(latencyImages).map { try loaded[0].predictor.decode($0.path) }
        let latencies = LatencyProbe.measure(loaded.map(\.predictor), images: images, rounds: latencyRounds)
        var rows: [ComparisonRow] = []
        for (i, model) in loaded.enumerated() {
            let bytes = (try? FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int) ?? 0
            rows.append(
                ComparisonRow(
                    name: names[i], model: model.path, modelID: model.predictor.modelID,
                    inputSize: model.file.spec.inputSize, embeddingSize: model.file.spec.embeddingSize,
                    classNames: model.file.spec.classNames, sizeMiB: Double(bytes) / 1_048_576,
                    latency: latencies[i], evaluation: evaluations[i], classificationColumns: shared != nil))
        }
        notes += EvaluationReport.notes(of: evaluations)
        let report = ComparisonReport(
            split: split, images: data.rows.count, trainSplit: trainSplit, classNames: shared, notes: notes,
            latencyMethod: LatencyProbe.method(images: images.count, rounds: latencyRounds), rows: rows)
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let json = folder.appendingPathComponent("report.json")
        let html = folder.appendingPathComponent("report.html")
        try AtomicFile.write(try EvaluationReport.encoder.encode(report), to: json)
        try AtomicFile.write(Data(ComparisonHTMLReport.render(report).utf8), to: html)
        let columns = ComparisonTable.headline(report)
        let summary =
            "\(rows.count) model\(rows.count == 1 ? "" : "s") on \(split): \(data.rows.count) images\n"
            + ComparisonTable.text(report, columns: columns) + "\n" + notes.map { "note: \($0)\n" }.joined()
            + "report: \(json.path) and report.html"
        return Outcome(
            summary: summary, markdown: ComparisonTable.markdown(report, columns: columns), reportJSON: json.path,
            reportHTML: html.path)
    }
}
