import ArgumentParser
import Benchmarks
import ClassifyEmbed
import Foundation

struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Measure training and inference speed of the backbone (build with -c release).",
        discussion: """
            Prints the training throughput (forward + backward + AdamW), batch-1 eval latency and batched eval \
            throughput, each the median of several runs, and the process's peak RSS. Compare against the PyTorch \
            and ONNX Runtime reference measured on the same machine in the same session: machines are shared \
            and noisy, so only ratios measured side by side mean much.
            """)

    @Option(help: "Batch size for the training step and the throughput run.") var batch = 64
    @Option(help: "Input height and width.") var size = 128
    @Option(help: "Timed training steps (median reported).") var steps = 7
    @Option(help: "Timed batch-1 runs (median reported).") var latencyRuns = 200
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(parsing: .upToNextOption, help: "Identity counts N for the two-head training step (0 skips it).")
    var classes: [Int] = [1000, 100_000]
    @Option(help: "Also time a PartialFC step with this many identities (e.g. 1000000), D = 256.") var partialFCClasses:
        Int?
    @Option(help: "PartialFC sample rate for --partial-fc-classes and --margin-classes.") var sampleRate: Float = 0.1
    @Option(
        help: ArgumentHelp(
            "Only time PartialFC steps on synthetic embeddings with this many identities (e.g. 2000000); under "
                + "mpirun the centres are split over the ranks.", valueName: "N"))
    var marginClasses: Int?
    @Option(help: "Only time exact verification over all pairs of this many random 256-d embeddings (e.g. 25000).")
    var pairs: Int?
    @Flag(
        help:
            "Only time inference of the full two-head model (--model, default the shipped one): batch-1 latency and batch throughput."
    )
    var inference = false
    @OptionGroup var modelOptions: ModelOptions
    @Flag(
        help:
            "Only time the EfficientNet-Lite0 teacher's pooled features at 224 and 128 (batch --batch); with --profile-eval, per step on one core at --size."
    )
    var teacher = false
    @Option(help: "Teacher weights for --teacher (default: what Tools/setup --teacher fetched).") var teacherWeights =
        TeacherBenchmark.defaultWeights
    @Flag(
        help:
            "Only time the 1×1-convolution kernels of every kernel set this CPU supports on LCNet050's shapes (one core), against the FMA peak at each set's width."
    )
    var kernels = false
    @Flag(help: "Also print per-layer forward/backward times of the training step.") var profile = false
    @Flag(
        help:
            "Print per-layer eval-mode forward times at batch 1 instead of the training profile (with --inference: per step of the folded, channel-blocked network on one core)."
    ) var profileEval = false

    func validate() throws {
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2 (BatchNorm needs batch statistics)") }
        guard size >= 32, size % 32 == 0 else { throw ValidationError("--size must be a multiple of 32, at least 32") }
        guard steps >= 1, latencyRuns >= 1 else { throw ValidationError("--steps and --latency-runs must be positive") }
        if let marginClasses, marginClasses < 1 { throw ValidationError("--margin-classes must be at least 1") }
        guard sampleRate > 0, sampleRate <= 1 else { throw ValidationError("--sample-rate must be in (0, 1]") }
    }

    func run() throws {
        if let marginClasses {
            var scaling = MarginScalingRun(classes: marginClasses)
            scaling.sampleRate = sampleRate
            scaling.batch = batch
            scaling.steps = steps
            do {
                if let report = try scaling.run() { print(report) }
            } catch {
                ProcessGroup.end(after: error)
                throw error
            }
            ProcessGroup.finish()
            return
        }
        if teacher {
            try runTeacher()
            return
        }
        if kernels {
            try runKernels()
            return
        }
        if inference && profileEval {
            print(try FoldedNetworkProfile.table(modelPath: modelOptions.model, size: size))
            return
        }
        if inference {
            var b = InferenceBenchmark(model: modelOptions.model)
            b.batch = batch
            b.latencyRuns = latencyRuns
            let r = try b.run()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(r), as: UTF8.self))
            } else {
                print(
                    """
                    two-head model \(r.model) (id \(r.modelID)), \(r.inputSize)×\(r.inputSize), \(r.threads) worker threads, \(r.kernels) kernels (CPU: \(r.cpuFeatures))
                      inference latency, batch 1:        \(fmt(r.latencyBatch1Milliseconds, 3)) ms (median of \(latencyRuns); backbone + classification head \(fmt(r.foldedNetworkMilliseconds, 3)), embedding neck \(fmt(r.embeddingNeckMilliseconds, 3)))
                      inference throughput, batch \(r.batch):  \(fmt(r.imagesPerSecond)) img/s
                      peak RSS:                          \(fmt(r.peakRSSMebibytes)) MiB
                    """)
            }
            return
        }
        if let pairs {
            let r = PairBenchmark(count: pairs).run()
            print(
                String(
                    format:
                        "all-pairs verification: %d embeddings × 256 → %d pairs, exact AUROC %.6f and TPR@FPR table in %.2f s, peak RSS %.0f MiB",
                    pairs, r.pairs, r.auc, r.seconds, r.peakRSSMebibytes))
            return
        }
        if profile || profileEval {
            var p = LayerProfile()
            p.batch = profileEval ? 1 : batch
            p.imageSize = size
            p.evalOnly = profileEval
            var totals = (0.0, 0.0)
            print("layer          output shape          forward ms  backward ms")
            for row in p.run() {
                totals.0 += row.forwardMilliseconds
                totals.1 += row.backwardMilliseconds
                print(
                    row.layer.padding(toLength: 14, withPad: " ", startingAt: 0)
                        + "\(row.outputShape)".padding(toLength: 22, withPad: " ", startingAt: 0)
                        + fmt(row.forwardMilliseconds, 2).leftPadded(10)
                        + fmt(row.backwardMilliseconds, 2).leftPadded(13))
            }
            print(
                "total" + String(repeating: " ", count: 31) + fmt(totals.0, 2).leftPadded(10)
                    + fmt(totals.1, 2).leftPadded(13))
        }
        var bench = BackboneBenchmark()
        bench.batch = batch
        bench.imageSize = size
        bench.trainSteps = steps
        bench.latencyRuns = latencyRuns
        let result = bench.run { message in if !json { FileHandle.standardError.write(Data((message + "\n").utf8)) } }
        var steps: [TrainingStepBenchmark.Result] = []
        for n in classes where n > 0 {
            if !json { FileHandle.standardError.write(Data("two-head training step, N = \(n)…\n".utf8)) }
            var t = TrainingStepBenchmark()
            t.batch = batch
            t.imageSize = size
            t.classes = n
            t.steps = steps.count == 0 ? self.steps : max(3, self.steps / 2)
            steps.append(t.run())
        }
        if let n = partialFCClasses {
            if !json {
                FileHandle.standardError.write(Data("PartialFC step, N = \(n), sample rate \(sampleRate)…\n".utf8))
            }
            var t = TrainingStepBenchmark()
            t.batch = batch
            t.imageSize = size
            t.classes = n
            t.sampleRate = sampleRate
            t.steps = 3
            t.warmup = 1
            steps.append(t.run())
        }
        if json {
            struct Report: Encodable {
                var backbone: BackboneBenchmark.Result
                var twoHeadTraining: [TrainingStepBenchmark.Result]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(Report(backbone: result, twoHeadTraining: steps)), as: UTF8.self))
            return
        }
        print(
            """
            \(result.model), \(result.imageSize)×\(result.imageSize), \(result.threads) worker threads, \(result.blas), \(result.kernels) kernels (CPU: \(result.cpuFeatures))
              training  (fwd+bwd+AdamW, batch \(result.batch)):  \(fmt(result.trainImagesPerSecond)) img/s   (\(fmt(result.trainStepMilliseconds)) ms/step)
              inference latency, batch 1:               \(fmt(result.latencyBatch1Milliseconds, 3)) ms
              inference throughput, batch \(result.batch):         \(fmt(result.inferenceImagesPerSecond)) img/s
              peak RSS:                                 \(fmt(result.peakRSSMebibytes)) MiB
            """)
        for s in steps {
            let label =
                "two-head training, N = \(s.classes)" + (s.sampleRate < 1 ? ", PartialFC \(s.sampleRate)" : "") + ":"
            print(
                "  " + label.padding(toLength: 41, withPad: " ", startingAt: 0)
                    + "\(fmt(s.imagesPerSecond)) img/s   (\(fmt(s.stepMilliseconds)) ms/step, peak RSS so far \(fmt(s.peakRSSMebibytes)) MiB)"
            )
        }
    }
}

extension BenchmarkCommand {
    /// `--teacher`: img/s of the teacher at 224 and 128, or its per-step profile.
    func runTeacher() throws {
        var b = TeacherBenchmark(weights: URL(fileURLWithPath: teacherWeights))
        b.batch = batch
        guard FileManager.default.fileExists(atPath: b.weights.path) else {
            throw ValidationError("\(b.weights.path) is missing: run Tools/setup --teacher")
        }
        if profileEval {
            var total = 0.0
            for row in try b.profile(size: size) {
                total += row.milliseconds
                print(
                    row.step.padding(toLength: 44, withPad: " ", startingAt: 0)
                        + fmt(row.milliseconds, 3).leftPadded(10))
            }
            print(
                "total (one image, one core)".padding(toLength: 44, withPad: " ", startingAt: 0)
                    + fmt(total, 3).leftPadded(10))
            return
        }
        let results = try b.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
            return
        }
        for r in results {
            let all = r.runs.map { fmt($0) }.joined(separator: ", ")
            print(
                "EfficientNet-Lite0 teacher, \(r.size)×\(r.size), batch \(r.batch), \(r.threads) workers: "
                    + "\(fmt(r.imagesPerSecond)) img/s (median of \(all)), peak RSS \(fmt(r.peakRSSMebibytes)) MiB")
        }
    }
}

extension BenchmarkCommand {
    /// `--kernels`: each 1×1-convolution shape with every supported set, against the FMA peak.
    func runKernels() throws {
        let r = KernelBenchmark().run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
            return
        }
        let peaks = r.fmaPeakGigaflops.sorted { $0.key < $1.key }.map { "\($0.key) \(fmt($0.value)) GFLOP/s" }
        print("1×1-convolution kernels, one core, \(r.kernels) kernels chosen (CPU: \(r.cpuFeatures))")
        print("FMA peak (12 register-only chains): " + peaks.joined(separator: ", "))
        print("shape                 set       ms       GFLOP/s   % of peak   used by the network")
        for row in r.rows {
            print(
                row.shape.label.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + row.kernels.padding(toLength: 7, withPad: " ", startingAt: 0)
                    + fmt(row.milliseconds, 4).leftPadded(9) + fmt(row.gigaflops).leftPadded(11)
                    + fmt(row.percentOfPeak).leftPadded(12) + (row.usedByNetwork ? "   yes" : ""))
        }
    }
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
