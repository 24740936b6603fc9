import Foundation
import TestSupport
import XCTest

/// A tiny data set and config, and one 1-epoch training run of them, made once per test process and shared
/// by the tests that need a second model (training checks, "no threshold table", "gallery of another
/// model"). The folder is removed when the test bundle finishes.
final class TinyTraining {
    let folder: TemporaryDirectory
    let config: URL
    let output: URL
    let result: ProcessResult
    var model: URL { output.appendingPathComponent("last/model.safetensors") }

    /// Rows in the training split and its batch size: 24 / 8 = 3 steps per epoch.
    static let rows = 24
    static let batchSize = 8

    private static let shared: Result<TinyTraining, Error> = Result { try TinyTraining() }

    /// The shared run; a test that needs it fails with the run's output when training failed.
    static func run() throws -> TinyTraining {
        let run = try shared.get()
        guard run.result.status == 0, !run.result.signalled,
            FileManager.default.fileExists(atPath: run.model.path)
        else { throw SubprocessError(description: "the tiny training run failed: \(run.result)") }
        return run
    }

    private init() throws {
        folder = try TemporaryDirectory(prefix: "classify-embed-tiny-training")
        config = try Self.writeDataSetAndConfig(in: folder)
        output = folder.file("run")
        // train.epochs is 5 in the config: --epochs 1 must override it.
        result = try runProcess(
            try Tool.executable(),
            ["train", "--config", config.path, "--output", output.path, "--epochs", "1"],
            currentDirectory: Tool.root, environment: ["CLASSIFY_EMBED_MODEL": nil], timeout: 120)
        TemporaryFolderJanitor.keep(folder)
    }

    /// Each sample copied twice (`<stem>_a.jpg`, `<stem>_b.jpg`, the sample's stem as identity): 24 rows,
    /// 12 identities, 3 classes. The config extends the repository's default.yaml (by absolute path) and
    /// shrinks it: 64 px input, 32-d embedding, batch 8.
    static func writeDataSetAndConfig(in folder: TemporaryDirectory) throws -> URL {
        var rows = ["path|label|identity"]
        for name in Tool.sampleNames {
            let stem = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            for copy in ["a", "b"] {
                try folder.copy(Tool.samples.appendingPathComponent(name), to: "data/images/\(stem)_\(copy).jpg")
                rows.append("images/\(stem)_\(copy).jpg|\(Tool.classOfSample(name))|\(stem)")
            }
        }
        let split = try folder.write(rows.joined(separator: "\n") + "\n", to: "data/train.csv")
        let yaml = """
            extends: \(Tool.root.appendingPathComponent("Configs/default.yaml").path)
            model:
              input_size: 64
              embedding_size: 32
              class_head_hidden: 32
            data:
              train: \(split.path)
              val: \(split.path)
            train:
              epochs: 5
              batch_size: \(batchSize)
              warmup_steps: 1
              output: \(folder.file("unused-output").path)

            """
        return try folder.write(yaml, to: "tiny.yaml")
    }
}

/// Removes folders that outlive single tests (the shared training run) when the test bundle finishes.
final class TemporaryFolderJanitor: NSObject, XCTestObservation {
    private static let lock = NSLock()
    private static var folders: [TemporaryDirectory] = []
    private static var registered = false

    static func keep(_ folder: TemporaryDirectory) {
        lock.lock()
        defer { lock.unlock() }
        folders.append(folder)
        if !registered {
            registered = true
            XCTestObservationCenter.shared.addTestObserver(TemporaryFolderJanitor())
        }
    }

    func testBundleDidFinish(_ testBundle: Bundle) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        for f in Self.folders { f.remove() }
        Self.folders.removeAll()
    }
}
