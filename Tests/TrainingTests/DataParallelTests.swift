import Engine
import Foundation
import Model
import Objectives
import TestSupport
import Training
import XCTest

/// Data-parallel training (`Trainer` over a `Communicator`): ranks as threads of this process
/// (`LocalRankGroup`) against one process, and — in a build with the `MPI` trait — `mpirun -np 2` against
/// those threads, bit for bit.
final class DataParallelTests: XCTestCase {
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "dp")
    }

    override func tearDown() {
        tmp = nil
    }

    /// The synthetic set (192 training rows: 3 steps per epoch), batches of 64, every BatchNorm synchronised (the neck
    /// has BatchNorm too), dropout on: every random draw is keyed by the global row or the step.
    static func config(output: String, steps: Int = 5, in folder: TemporaryDirectory) -> TrainConfig {
        var c = TrainConfig()
        c.model.spec.inputSize = 64
        c.model.spec.embeddingSize = 32
        c.model.spec.classHeadHidden = 32
        c.model.spec.classHeadDropout = 0.1
        c.model.spec.neckNorm = .bn
        c.margin = MarginSettings(scale: 10, m1: 1, m2: 0, m3: 0.1)
        c.data.train = SyntheticData.sharedFolder.appendingPathComponent("train.csv").path
        c.data.val = SyntheticData.sharedFolder.appendingPathComponent("val.csv").path
        c.train.batchSize = 64
        c.train.steps = steps
        c.train.learningRate = 5e-3
        c.train.warmupSteps = 2
        c.train.seed = 3
        c.train.syncBN = true
        c.train.output = folder.file(output + "-\(UUID())").path
        return c
    }

    static func stepLosses(_ output: String) throws -> [[Double]] {
        try String(contentsOfFile: output + "/log.jsonl", encoding: .utf8).split(separator: "\n").compactMap {
            guard let o = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any],
                o["kind"] as? String == "step"
            else { return nil }
            return [o["loss_cls"] as! Double, o["loss_emb"] as! Double]
        }
    }

    /// Runs `config` on `ranks` threads of this process; rank 0 writes the run folder.
    static func trainOnThreads(_ config: TrainConfig, ranks: Int) throws {
        _ = try LocalRankGroup(size: ranks).run { group in
            try Trainer(config: config, group: group).run()
        }
    }

    /// Every rank's share is contiguous, in rank order, and together they are the batch.
    func testSharesCoverTheBatch() {
        for size in 1...5 {
            for count in [size * 2, 17, 64] where count >= size {
                let shares = LocalRankGroup(size: size).communicators().map { $0.share(of: count) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, count)
                for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                XCTAssertLessThanOrEqual(shares.map(\.count).max()! - shares.map(\.count).min()!, 1)
            }
        }
    }

    /// Two ranks × 32 rows with synchronised BatchNorm compute the same step as one process with the batch of
    /// 64: the first step (same weights, same batch) has the same losses to round-off, and training goes on
    /// alike. (Not bit for bit: one process sums each statistic and gradient in another order.)
    func testTwoRanksComputeWhatOneProcessDoes() throws {
        BLAS.configure()
        let one = Self.config(output: "dp-one", steps: 3, in: tmp)
        try Trainer(config: one).run()
        var two = one
        two.train.output = one.train.output + "-two"
        try Self.trainOnThreads(two, ranks: 2)
        let a = try Self.stepLosses(one.train.output)
        let b = try Self.stepLosses(two.train.output)
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(b.count, 3)
        for (x, y) in zip(a[0], b[0]) {
            XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(x)), "step 1: \(a[0]) \(b[0])")
        }
        for (x, y) in zip(a.joined(), b.joined()) { XCTAssertEqual(x, y, accuracy: 0.05 * max(1, abs(x)), "\(a) \(b)") }
    }

    /// Two thread ranks repeat bit for bit (the reference the MPI run is held to must itself be exact).
    func testThreadRanksRepeatExactly() throws {
        BLAS.configure()
        let first = Self.config(output: "dp-repeat", steps: 2, in: tmp)
        var second = first
        second.train.output += "-again"
        try Self.trainOnThreads(first, ranks: 2)
        try Self.trainOnThreads(second, ranks: 2)
        try assertSameCheckpoint(first.train.output + "/last", second.train.output + "/last")
    }

    /// Model-parallel PartialFC (`train.shard_margin`) computes the same steps as every rank holding every
    /// centre (to round-off: the softmax's sums are formed per shard), and a sharded run resumes exactly;
    /// resuming it with another number of ranks is refused.
    func testShardedMarginTrainsAndResumes() throws {
        BLAS.configure()
        let replicated = Self.config(output: "dp-replicated", steps: 6, in: tmp)
        var sharded = replicated
        sharded.train.shardMargin = true
        sharded.train.output = replicated.train.output + "-sharded"
        try Self.trainOnThreads(replicated, ranks: 2)
        try Self.trainOnThreads(sharded, ranks: 2)
        let a = try Self.stepLosses(replicated.train.output)
        let b = try Self.stepLosses(sharded.train.output)
        for (x, y) in zip(a[0], b[0]) {
            XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(x)), "step 1: \(a[0]) \(b[0])")
        }
        for (x, y) in zip(a.joined(), b.joined()) { XCTAssertEqual(x, y, accuracy: 0.05 * max(1, abs(x)), "\(a) \(b)") }
        let shards = try FileManager.default.contentsOfDirectory(atPath: sharded.train.output + "/last")
        XCTAssertEqual(
            shards.filter { $0.hasPrefix("margin.rank-") }.sorted(),
            ["margin.rank-0-of-2.safetensors", "margin.rank-1-of-2.safetensors"])
        // One epoch (3 steps), then a resume for the second.
        var halves = sharded
        halves.train.output = sharded.train.output + "-resumed"
        let first = halves
        _ = try LocalRankGroup(size: 2).run { group in try Trainer(config: first, group: group).run(untilEpoch: 1) }
        _ = try LocalRankGroup(size: 2).run { group in try Trainer(config: first, resume: true, group: group).run() }
        try assertSameCheckpoint(sharded.train.output + "/last", halves.train.output + "/last")
        XCTAssertThrowsError(try Trainer(config: first, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("split over 2 ranks"), "\(error)")
        }
    }

    /// Rows without a class or an identity are allowed: a rank whose share of a batch has none still takes
    /// part in every collective (synchronised BatchNorm's backward, the sharded margin), so the job does not
    /// hang. 64 rows, 4 with an identity (2 identities) and 16 without a class: over 6 steps of 2 × 32 rows
    /// some share has no identity.
    func testRanksWithoutLabelledRowsTakePart() throws {
        BLAS.configure()
        let folder = try TemporaryDirectory(prefix: "dp-sparse")
        let lines = try String(
            contentsOf: SyntheticData.sharedFolder.appendingPathComponent("train.csv"), encoding: .utf8
        ).split(separator: "\n").dropFirst().prefix(64)
        var csv = "path|label|identity\n"
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: "|")
            let path = SyntheticData.sharedFolder.appendingPathComponent(String(fields[0])).path
            let label = i % 4 == 3 ? "-" : String(fields[1])
            let identity = i < 4 ? "id\(i / 2)" : "-"
            csv += "\(path)|\(label)|\(identity)\n"
        }
        var c = Self.config(output: "dp-sparse", steps: 6, in: folder)
        c.data.train = try folder.write(csv, to: "train.csv").path
        c.data.val = nil
        c.train.shardMargin = true
        let config = c
        _ = try LocalRankGroup(size: 2).run { group in try Trainer(config: config, group: group).run() }
        XCTAssertEqual(try Self.stepLosses(c.train.output).count, 6)
    }

    /// A batch too small for its ranks is refused with the key and the remedy.
    func testBatchTooSmallForTheRanks() throws {
        var small = Self.config(output: "dp-small", in: tmp)
        small.train.batchSize = 4
        let c = small
        XCTAssertThrowsError(
            try LocalRankGroup(size: 3).run { group in _ = try Trainer(config: c, group: group) }
        ) { error in
            XCTAssertTrue("\(error)".contains("train.batch_size 4"), "\(error)")
        }
    }

    #if MPI
    /// `mpirun -np 2` (two ranks × 32 rows, synchronised BatchNorm, dropout) equals the two-thread reference
    /// bit for bit after 5 steps: weights, BatchNorm statistics, AdamW moments, margin centres and moments —
    /// with the centres on every rank and split over the ranks (`train.shard_margin`).
    func testMPIRunEqualsThreadRanksBitForBit() throws {
        BLAS.configure()
        let folder = try TemporaryDirectory(prefix: "dp-mpi")
        // One compute worker per rank in both runs: a few reductions split their work by worker.
        let workers = Parallel.workers
        Parallel.workers = 1
        defer { Parallel.workers = workers }
        for shardMargin in [false, true] {
            var c = Self.config(output: "dp-mpi-reference", in: folder)
            c.train.shardMargin = shardMargin
            let configFile = folder.file("config-\(shardMargin).yaml")
            try c.yaml().write(to: configFile, atomically: true, encoding: .utf8)
            try Self.trainOnThreads(c, ranks: 2)
            let result = try MPIRun.train(config: configFile, output: folder.file("mpi-\(shardMargin)"), ranks: 2)
            XCTAssertEqual(result.status, 0, "\(result)")
            try assertSameCheckpoint(c.train.output + "/last", folder.file("mpi-\(shardMargin)/last").path)
            XCTAssertTrue(result.stdout.contains("on 2 ranks"), result.stdout)
        }
    }
    #endif
}

/// Every tensor of both checkpoints' model, optimizer and margin-shard files identical, and the same trainer
/// state.
func assertSameCheckpoint(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let shards = try FileManager.default.contentsOfDirectory(atPath: a).filter { $0.hasPrefix("margin.rank-") }.sorted()
    XCTAssertEqual(
        shards, try FileManager.default.contentsOfDirectory(atPath: b).filter { $0.hasPrefix("margin.rank-") }.sorted(),
        "margin shards", file: file, line: line)
    for name in ["model.safetensors", "optimizer.safetensors"] + shards {
        let x = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: a + "/" + name))
        let y = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: b + "/" + name))
        XCTAssertEqual(x.names, y.names, name, file: file, line: line)
        var different: [String] = []
        for tensor in x.names where y.names.contains(tensor) {
            let (_, u) = try x.floats(tensor)
            let (_, v) = try y.floats(tensor)
            if u.map(\.bitPattern) != v.map(\.bitPattern) { different.append(tensor) }
        }
        XCTAssertEqual(different, [], "\(name): tensors that differ", file: file, line: line)
    }
    let s = try Data(contentsOf: URL(fileURLWithPath: a + "/trainer.json"))
    let t = try Data(contentsOf: URL(fileURLWithPath: b + "/trainer.json"))
    XCTAssertEqual(String(decoding: s, as: UTF8.self), String(decoding: t, as: UTF8.self), file: file, line: line)
}

#if MPI
/// A rank that dies ends the whole job within seconds, named in the message; `--resume` then continues.
final class DataParallelFailureTests: XCTestCase {
    func testKilledRankEndsTheJobAndResumeContinues() throws {
        let folder = try TemporaryDirectory(prefix: "dp-kill")
        let c = DataParallelTests.config(output: "dp-kill-unused", steps: 400, in: folder)
        let configFile = folder.file("config.yaml")
        try c.yaml().write(to: configFile, atomically: true, encoding: .utf8)
        let output = folder.file("run")
        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
        job.arguments = try MPIRun.arguments(
            ranks: 2, ["train", "--config", configFile.path, "--output", output.path])
        let errors = Pipe()
        job.standardError = errors
        job.standardOutput = FileHandle.nullDevice
        try job.run()
        let log = output.appendingPathComponent("log.jsonl").path
        let started = Date()
        func epochs() -> Int {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "\"kind\":\"epoch\"")
                .count - 1
        }
        while epochs() < 3 && Date().timeIntervalSince(started) < 120 && job.isRunning { usleep(100_000) }
        let rank1 = try XCTUnwrap(Self.rankProcess(1, commandContaining: output.path), "rank 1's process")
        kill(rank1, SIGKILL)
        let killed = Date()
        while job.isRunning && Date().timeIntervalSince(killed) < 30 { usleep(50_000) }
        let ended = Date().timeIntervalSince(killed)
        if job.isRunning { job.terminate() }
        job.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertLessThan(ended, 30, "the job outlived its killed rank")
        XCTAssertNotEqual(job.terminationStatus, 0)
        XCTAssertTrue(message.contains("rank 1"), message)
        // The last checkpoint (an epoch of one step each) and three steps more from it.
        func savedStep() throws -> Int {
            let state = try JSONSerialization.jsonObject(
                with: Data(contentsOf: output.appendingPathComponent("last/trainer.json")))
            return try XCTUnwrap((state as? [String: Any])?["globalStep"] as? Int)
        }
        let saved = try savedStep()
        let resumed = try MPIRun.train(
            config: configFile, output: output, ranks: 2, extra: ["--resume", "--steps", "\(saved + 3)"])
        XCTAssertEqual(resumed.status, 0, "\(resumed)")
        XCTAssertEqual(try savedStep(), saved + 3)
    }

    /// The process of `rank` (Open MPI tells each its rank in `OMPI_COMM_WORLD_RANK`) whose command line holds
    /// `text`.
    static func rankProcess(_ rank: Int, commandContaining text: String) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")),
                String(decoding: command, as: UTF8.self).contains(text),
                !String(decoding: command, as: UTF8.self).hasPrefix("/usr/bin/mpirun"),
                let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/environ"))
            else { continue }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }
}
#endif
