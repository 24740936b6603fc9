import Datasets
import Engine
import Foundation
import Imaging
import Layers
import Model
import Objectives

/// The distillation pretraining stage: the LCNet050 backbone plus a projector learns to reproduce the
/// teacher's L2-normalised pooled features on the unlabelled pool, from the teacher's cached features of
/// each view (`TeacherFeatureCache`). AdamW with warm-up and cosine/poly decay, global-norm clipping, the
/// mean cosine similarity to the teacher on held-out images after every epoch, a resumable `last/`
/// checkpoint and `backbone.safetensors` (timm names, for `model.init`) after every epoch.
package final class DistillationTrainer {
    package let config: DistillConfig
    package let output: URL
    package let student: DistillationStudent
    package let trainLoader: PoolBatchLoader
    package let valLoader: PoolBatchLoader?
    package let schedule: LearningRateSchedule
    package private(set) var state: DistillationState
    private let loss: FeatureDistillationLoss
    private let progress = ProgressReporter()
    /// The teacher, pool and cache as recorded in the backbone file's provenance (a JSON object).
    private let origin: [String: Any]
    private var gradient: Tensor?
    /// Called after every epoch with the held-out cosine similarity (tests use it).
    package var onEpoch: ((Int, Double?) -> Void)?

    /// `teacherProvenance` describes the teacher (a JSON object: path, SHA-256) for the backbone's metadata.
    package init(
        config: DistillConfig, pool: ImagePool, cache: TeacherFeatureCache, teacherProvenance: String,
        resume: Bool = false
    ) throws {
        self.config = config
        output = URL(fileURLWithPath: config.train.output)
        guard cache.isComplete else {
            throw DistillationSetupError(
                message: "the teacher cache \(cache.dataURL.path) holds \(cache.completed) of \(cache.viewCount) "
                    + "views; build it first (`classify-and-embed distill --cache-only`)")
        }
        let usable = (0..<pool.count).filter { pool.status(of: $0) == .decoded }
        let val = usable.filter { Self.isHeldOut($0, fraction: config.pool.valFraction) }
        let train = usable.filter { !Self.isHeldOut($0, fraction: config.pool.valFraction) }
        var spec = ModelSpec()
        spec.inputSize = config.views.size
        let normalisation = spec.preprocessing
        trainLoader = PoolBatchLoader(
            pool: pool, cache: cache, images: train, batchSize: config.train.batchSize, normalisation: normalisation,
            seed: config.train.seed)
        guard trainLoader.batchesPerEpoch > 0 else {
            throw TrainingError.nothingToTrain(
                "\(train.count) pool images × \(config.views.count) views make no batch of \(config.train.batchSize)")
        }
        valLoader =
            val.isEmpty
            ? nil
            : PoolBatchLoader(
                pool: pool, cache: cache, images: val, batchSize: config.train.batchSize, normalisation: normalisation,
                seed: 0, shuffle: false)
        student = DistillationStudent(
            featureCount: cache.description.features, hidden: config.student.projectorHidden, seed: config.train.seed)
        loss = FeatureDistillationLoss(kind: config.student.loss)
        let total = config.train.steps ?? trainLoader.batchesPerEpoch * config.train.epochs
        schedule = LearningRateSchedule(
            base: config.train.learningRate, minimum: config.train.minLearningRate,
            warmupSteps: config.train.warmupSteps, totalSteps: total, kind: config.train.schedule,
            power: config.train.polyPower)
        state = DistillationState(
            optimizer: AdamW(learningRate: config.train.learningRate, weightDecay: config.train.weightDecay),
            arenaCount: student.arena.count, cacheKey: cache.description.key)
        let teacher = (try? JSONSerialization.jsonObject(with: Data(teacherProvenance.utf8))) ?? teacherProvenance
        origin = [
            "teacher": teacher, "pool_fingerprint": pool.fingerprint, "pool_images": usable.count,
            "held_out_images": val.count, "folders": config.pool.folders, "cache_key": cache.description.key,
            "cache_seconds": cache.seconds,
        ]
        if resume {
            let last = output.appendingPathComponent("last")
            guard let folder = try DistillationCheckpoint.existing(last) else {
                throw TrainingError.badCheckpoint(last.path, "no checkpoint there to resume from")
            }
            state = try DistillationCheckpoint.restore(from: folder, student: student, cacheKey: state.cacheKey)
        }
    }

    /// Whether pool image `index` is held out: a function of the index alone, so resumes agree.
    static func isHeldOut(_ index: Int, fraction: Double) -> Bool {
        var rng = SeededGenerator(seed: 0x5EED_0F_7E57 ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        return Double(rng.uniform()) < fraction
    }

    private var epochs: Int {
        let perEpoch = trainLoader.batchesPerEpoch
        if let s = config.train.steps { return (s + perEpoch - 1) / perEpoch }
        return config.train.epochs
    }

    /// Trains from the current state to the configured end, or until `untilEpoch` epochs are complete.
    package func run(untilEpoch: Int? = nil) throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try AtomicFile.write(
            Data(try config.yaml().utf8), to: output.appendingPathComponent("config.yaml"))
        let log = try JSONLog(output.appendingPathComponent("log.jsonl"))
        let perEpoch = trainLoader.batchesPerEpoch
        let totalSteps = config.train.steps ?? perEpoch * epochs
        progress.line(
            "distilling into \(student.arena.count) parameters: \(trainLoader.images.count) images × "
                + "\(config.views.count) views, \(perEpoch) steps/epoch, \(valLoader?.images.count ?? 0) held out "
                + "→ \(output.path)")
        while state.epoch < min(epochs, untilEpoch ?? .max) && state.globalStep < totalSteps {
            let epoch = state.epoch
            trainLoader.start(epoch: epoch, from: 0)
            defer { trainLoader.stop() }
            let started = System.now()
            var images = 0
            var lossSum = 0.0
            var cosineSum = 0.0
            var steps = 0
            for index in 0..<perEpoch where state.globalStep < totalSteps {
                let batch = trainLoader.next()
                let (l, cosine) = try step(batch)
                images += batch.entries.count
                lossSum += Double(l)
                cosineSum += Double(cosine)
                steps += 1
                let rate = Double(images) / max(System.now() - started, 1e-9)
                log.write([
                    "kind": "step", "epoch": epoch, "step": state.globalStep, "loss": Double(l),
                    "cosine": Double(cosine), "lr": Double(state.optimizer.learningRate), "img_per_s": rate,
                ])
                if (index + 1) % 20 == 0 || index + 1 == perEpoch {
                    let eta = Double(totalSteps - state.globalStep) * Double(config.train.batchSize) / rate
                    progress.line(
                        String(
                            format: "epoch %d/%d  step %d/%d  loss %.4f  cos %.4f  lr %.2e  %.0f img/s  ETA %d:%02d",
                            epoch + 1, epochs, index + 1, perEpoch, lossSum / Double(steps),
                            cosineSum / Double(steps), state.optimizer.learningRate, rate, Int(eta) / 60,
                            Int(eta) % 60))
                }
            }
            let seconds = System.now() - started
            state.epoch += 1
            state.seconds += seconds
            let validation = valLoader.map { validate($0) }
            if let validation { state.validationCosine.append(validation) }
            try DistillationCheckpoint.save(
                to: output.appendingPathComponent("last"), student: student, state: state)
            try writeBackbone()
            var entry: [String: Any] = [
                "kind": "epoch", "epoch": epoch, "step": state.globalStep, "seconds": seconds,
                "loss": lossSum / Double(max(steps, 1)), "cosine": cosineSum / Double(max(steps, 1)),
            ]
            if let validation { entry["val_cosine"] = validation }
            log.write(entry)
            progress.line(
                "epoch \(epoch + 1)/\(epochs) done in \(Int(seconds)) s"
                    + (validation.map { String(format: ": held-out cosine %.4f", $0) } ?? ""))
            onEpoch?(epoch, validation)
        }
    }

    /// One optimizer step; returns the loss and the mean cosine similarity of the batch.
    private func step(_ batch: PoolBatch) throws -> (Float, Float) {
        student.arena.zeroGrads()
        let y = student.forward(batch.images, training: true)
        let g = Tensor.reuse(gradient, shape: y.shape)
        gradient = g
        let (l, cosine) = loss(student: y, targets: batch.targets.data, gradient: g)
        guard l.isFinite else {
            throw DistillationSetupError(
                message: "the loss became NaN/Inf at step \(state.globalStep) (epoch \(state.epoch + 1)); lower "
                    + "train.learning_rate or raise train.warmup_steps, then resume from the last checkpoint")
        }
        student.backward(g)
        student.arena.clipGradNorm(maxNorm: config.train.clipNorm)
        state.optimizer.learningRate = schedule.rate(at: state.globalStep)
        state.optimizer.update(student.arena)
        state.globalStep += 1
        return (l, cosine)
    }

    /// Mean cosine similarity to the teacher over every view of the held-out images (eval mode).
    package func validate(_ loader: PoolBatchLoader) -> Double {
        var sum = 0.0
        var rows = 0
        for index in 0..<loader.batchesPerEpoch {
            let batch = loader.batch(epoch: 0, index: index, parallel: true)
            let y = student.forward(batch.images, training: false)
            let g = Tensor(shape: y.shape)
            let (_, cosine) = FeatureDistillationLoss(kind: .cosine)(
                student: y, targets: batch.targets.data, gradient: g)
            sum += Double(cosine) * Double(batch.entries.count)
            rows += batch.entries.count
        }
        return sum / Double(max(rows, 1))
    }

    /// `backbone.safetensors` in the run folder: the backbone under timm names, with what made it.
    private func writeBackbone() throws {
        var object = origin
        object["views"] = [
            "count": config.views.count, "size": config.views.size, "clean_first": config.views.cleanFirst,
            "seed": config.views.seed,
        ]
        object["student"] = [
            "projector_hidden": config.student.projectorHidden, "loss": config.student.loss.rawValue,
        ]
        object["train"] = [
            "epochs_done": state.epoch, "steps_done": state.globalStep, "batch_size": config.train.batchSize,
            "learning_rate": Double(config.train.learningRate), "seconds": state.seconds,
        ]
        object["validation_cosine"] = state.validationCosine
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try BackboneFile.write(
            student.backboneTensors, provenance: String(decoding: json, as: UTF8.self),
            to: output.appendingPathComponent("backbone.safetensors"))
    }
}
