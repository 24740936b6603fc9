import Datasets
import Engine
import Foundation
import Imaging
import Layers
import Model
import Objectives

/// The joint trainer: `loss = w_cls · CE(classification) + w_emb · margin(embedding)` over CSV splits, AdamW
/// with warm-up + cosine/poly decay, global-norm clipping of the model's gradients (the margin centres are
/// not clipped, as in insightface), gradient accumulation, validation every epoch, `best` and `last`
/// checkpoints, exact resume, a NaN guard, `log.jsonl` and the resolved config next to the outputs.
///
/// **Data-parallel** over a `Communicator`'s ranks (README, "Several processes and machines (MPI)"): every
/// rank holds the whole model and margin, renders its contiguous share of each global batch (the same
/// batch as one process: sample i of epoch e from (seed, e, i)), takes every loss's mean over the whole
/// batch, and sums the gradients with one all-reduce of the parameter arena (and one of the sampled centres')
/// before clipping and AdamW, so the ranks stay identical without being compared. Rank 0 alone validates,
/// logs and writes checkpoints.
package final class Trainer {
    package let config: TrainConfig
    package let output: URL
    package let model: JointModel
    package let margin: MarginClassifier?
    package let trainLoader: BatchLoader
    package let valLoader: BatchLoader?
    package let preprocessing: Preprocessing
    package private(set) var state: TrainerState
    package let schedule: LearningRateSchedule
    /// The ranks of this job (one process: a single rank).
    package let group: Communicator
    private let crossEntropy: CrossEntropy
    private let progress = ProgressReporter()
    /// Held from `init` to the end of `run`: no other process writes this run meanwhile.
    private var lock: RunLock?
    /// Set by SIGINT/SIGTERM (or a caller): the run stops at the next step boundary.
    package let stopRequest = StopRequest()
    /// The KD term and its per-row targets (nil when `loss.distillation_weight` is 0); see
    /// `Trainer+Distillation.swift`.
    let distillation: SoftTargetKL?
    let softTargets: SoftTargets?
    /// The `provenance` metadata of every model file this run writes.
    package private(set) var provenance: String
    /// Seconds the last step spent summing gradients and losses over the ranks (0 in one process).
    package private(set) var lastReductionSeconds = 0.0
    /// Called after every epoch with its validation (tests use it).
    package var onEpoch: ((Int, ValidationResult) -> Void)?

    /// `softTargets` are the KD term's targets for the training split's rows, needed when
    /// `loss.distillation_weight` > 0 (`SoftTargetsBuilder.make` in the Distillation module makes them).
    package init(
        config: TrainConfig, resume: Bool = false, softTargets: SoftTargets? = nil,
        group: Communicator = SingleProcessCommunicator()
    ) throws {
        self.config = config
        self.group = group
        output = URL(fileURLWithPath: config.train.output)
        let spec = config.model.spec
        let pre = spec.preprocessing
        preprocessing = pre
        let classNames = spec.classNames
        let train = try Split(
            file: URL(fileURLWithPath: config.data.train), classNames: classNames,
            identityMode: config.data.identityMode)
        let side = Int((Double(spec.inputSize) * config.data.cacheScale).rounded())
        let trainCache = try ImageCache(split: train, side: side)
        trainLoader = BatchLoader(
            split: train, cache: trainCache, batchSize: config.train.batchSize,
            augmenter: Augmenter(settings: config.data.augmentation, preprocessing: pre),
            seed: config.train.seed, shuffle: true, variants: config.data.variants)
        if group.size > 1 {
            // Every rank must form its sums the same way (a few reductions split their work by worker), or the
            // replicas would drift apart silently.
            let workers = Double(Parallel.workers)
            let range = group.maximum([workers, -workers])
            guard range[0] == -range[1] else {
                throw TrainingError.nothingToTrain(
                    "the ranks run with different numbers of worker threads (\(Int(-range[1]))…\(Int(range[0]))); "
                        + "give every rank the same, e.g. mpirun -x CLASSIFY_EMBED_THREADS=1")
            }
            guard config.train.batchSize >= 2 * group.size else {
                throw TrainingError.nothingToTrain(
                    "train.batch_size \(config.train.batchSize) is split over \(group.size) ranks; BatchNorm needs at "
                        + "least 2 rows on each: use a batch of at least \(2 * group.size) or fewer ranks")
            }
            trainLoader.share = { [group] in group.share(of: $0) }
        }
        guard trainLoader.batchesPerEpoch > 0 else {
            throw TrainingError.nothingToTrain(
                "\(config.data.train) has \(train.rows.count) rows, fewer than one batch of \(config.train.batchSize)")
        }
        // Rank 0 alone validates: the other ranks neither read nor cache the validation split.
        if let v = config.data.val, group.isLeader {
            let val = try Split(
                file: URL(fileURLWithPath: v), classNames: classNames, identityMode: config.data.identityMode)
            valLoader = BatchLoader(
                split: val, cache: try ImageCache(split: val, side: spec.inputSize), batchSize: config.train.batchSize,
                augmenter: Augmenter(settings: .none, preprocessing: pre), seed: 0, shuffle: false)
        } else {
            valLoader = nil
        }
        model = JointModel(spec: spec, seed: config.train.seed)
        let model = self.model
        if config.train.syncBN && group.size > 1 { model.synchronizeBatchNorm(over: group) }
        // A resumed run takes its weights from the checkpoint: the init file need not exist any more.
        let initRecord =
            resume ? nil : try config.model.initPath.map { try ModelInit.apply(URL(fileURLWithPath: $0), to: model) }
        (distillation, self.softTargets) = try Self.makeDistillationTerm(config, rows: train.rows.count, softTargets)
        provenance = Self.provenanceJSON(init: initRecord, config: config, softTargets: self.softTargets)
        let identities = trainLoader.identityCount
        margin =
            identities > 0 && config.loss.embeddingWeight > 0
            ? MarginClassifier(
                classes: identities, dimension: spec.embeddingSize, settings: config.margin, seed: config.train.seed,
                shardOver: config.train.shardMargin ? group : nil)
            : nil
        switch config.loss.classWeights {
        case .none: crossEntropy = CrossEntropy(mode: spec.classMode == .binary ? .binary : .multiclass)
        case .explicit(let w):
            crossEntropy = CrossEntropy(mode: spec.classMode == .binary ? .binary : .multiclass, classWeights: w)
        case .balanced:
            let counts = train.classCounts
            let total = counts.reduce(0, +)
            let w = counts.map { $0 == 0 ? Float(0) : Float(total) / Float(counts.count * $0) }
            crossEntropy = CrossEntropy(mode: spec.classMode == .binary ? .binary : .multiclass, classWeights: w)
        }
        let stepsPerEpoch = trainLoader.batchesPerEpoch / config.train.accumulation
        let total = config.train.steps ?? stepsPerEpoch * config.train.epochs
        schedule = LearningRateSchedule(
            base: config.train.learningRate, minimum: config.train.minLearningRate,
            warmupSteps: config.train.warmupSteps, totalSteps: total,
            kind: config.train.schedule, power: config.train.polyPower)
        state = TrainerState(
            metricName: config.train.validationMetric.rawValue,
            optimizer: AdamW(learningRate: config.train.learningRate, weightDecay: config.train.weightDecay),
            marginGenerator: margin?.generator, dropoutGenerator: model.classifier.dropout.generator,
            arenaCount: model.arena.count)
        let last = output.appendingPathComponent("last")
        let best = output.appendingPathComponent("best")
        // Rank 0 owns the run folder: it locks it and finishes an interrupted save before any rank reads it.
        if group.isLeader {
            lock = try RunLock(folder: output)
            for note in [try CheckpointSwap.recover(last), try CheckpointSwap.recover(best)].compactMap({ $0 }) {
                progress.line(note)
            }
        }
        group.barrier()
        if resume {
            guard CheckpointSwap.isComplete(last) else {
                throw TrainingError.badCheckpoint(last.path, "no checkpoint there to resume from")
            }
            state = try Checkpoint.restore(from: last, model: model, margin: margin)
            // The run's provenance is what its first start recorded (the init file may have changed since).
            if let recorded = try ModelFile(contentsOf: last.appendingPathComponent("model.safetensors")).provenance {
                provenance = recorded
            }
            // With a sharded margin every rank takes part in the repair's save.
            if group.isLeader || margin?.shardGroup != nil { try repairBest() }
            if group.isLeader {
                try JSONLog.truncate(
                    output.appendingPathComponent("log.jsonl"), toStep: state.globalStep, epoch: state.epoch)
            }
        } else if CheckpointSwap.isComplete(last) {
            throw TrainingError.runInUse(
                output.path,
                "already holds a checkpoint (last/); continue it with --resume, or train into another --output "
                    + "(nothing there was changed)")
        } else if group.isLeader {
            // A new run: an old log without a checkpoint belongs to nothing.
            try? FileManager.default.removeItem(at: output.appendingPathComponent("log.jsonl"))
        }
    }

    /// The complete `last/` checkpoint, for messages.
    private var lastCheckpointPath: String? {
        let last = output.appendingPathComponent("last")
        return CheckpointSwap.isComplete(last) ? last.path : nil
    }

    /// `last/` is saved before `best/`: a kill between the two leaves `best/` one improvement behind what
    /// `last/trainer.json` records. Then `last/` is that best model, and is copied to `best/`.
    private func repairBest() throws {
        guard let bestEpoch = state.bestEpoch, bestEpoch == state.epoch - 1 else { return }
        let best = output.appendingPathComponent("best")
        guard Checkpoint.state(in: best)?.epoch != state.epoch else { return }
        try save(to: best)
        guard group.isLeader else { return }
        progress.line("\(best.path): brought up to epoch \(state.epoch) (a save had been interrupted)")
    }

    private func save(to folder: URL) throws {
        try Checkpoint.save(
            to: folder, model: model, preprocessing: preprocessing, margin: margin, state: state,
            provenance: ["provenance": provenance], group: group)
    }

    private var stepsPerEpoch: Int { trainLoader.batchesPerEpoch / config.train.accumulation }
    private var epochs: Int {
        if let s = config.train.steps { return (s + stepsPerEpoch - 1) / stepsPerEpoch }
        return config.train.epochs
    }

    /// Trains from the current state to the configured end, or until `untilEpoch` epochs are complete
    /// (the schedule still spans the whole configured run, so stopping and resuming changes nothing).
    package func run(untilEpoch: Int? = nil) throws {
        defer { lock = nil }
        stopRequest.install()
        defer { stopRequest.uninstall() }
        let leader = group.isLeader
        if leader {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            try AtomicFile.write(
                Data(try config.yaml().utf8), to: output.appendingPathComponent("config.yaml"))
        }
        let log = leader ? try JSONLog(output.appendingPathComponent("log.jsonl")) : nil
        let accumulation = config.train.accumulation
        let totalSteps = config.train.steps ?? stepsPerEpoch * epochs
        if state.epoch >= epochs || state.globalStep >= totalSteps {
            guard leader else { return }
            progress.line(
                "nothing to do: \(output.path) finished at epoch \(state.epoch) of \(epochs) (step \(state.globalStep)); "
                    + "pass a larger --epochs to continue it")
            return
        }
        if leader {
            progress.line(
                "training \(trainLoader.split.rows.count) images, \(trainLoader.identityCount) identities, "
                    + "\(model.arena.count) parameters\(margin.map { " + \($0.rows * $0.dimension) margin" } ?? ""), "
                    + "\(stepsPerEpoch) steps/epoch\(group.size > 1 ? " on \(group.size) ranks" : "") → \(output.path)")
        }
        while state.epoch < min(epochs, untilEpoch ?? .max) && state.globalStep < totalSteps {
            let epoch = state.epoch
            trainLoader.start(epoch: epoch, from: 0)
            defer { trainLoader.stop() }
            let started = System.now()
            var images = 0
            for stepInEpoch in 0..<stepsPerEpoch where state.globalStep < totalSteps {
                if stopRequested() {
                    throw TrainingError.interrupted(step: state.globalStep, lastCheckpoint: lastCheckpointPath)
                }
                let micro = (0..<accumulation).map { _ in trainLoader.next().batch }
                let (cls, emb, kd) = try step(micro)
                images += micro.reduce(0) { $0 + $1.batchLabels.count }
                let elapsed = System.now() - started
                let rate = Double(images) / max(elapsed, 1e-9)
                let remaining =
                    Double(totalSteps - state.globalStep) * Double(config.train.batchSize * accumulation) / rate
                guard leader, let log else { continue }
                progress.step(
                    epoch: epoch, epochs: epochs, batch: stepInEpoch, batches: stepsPerEpoch, classificationLoss: cls,
                    embeddingLoss: emb, distillationLoss: kd, learningRate: state.optimizer.learningRate,
                    imagesPerSecond: rate, etaSeconds: remaining)
                var entry: [String: Any] = [
                    "kind": "step", "epoch": epoch, "step": state.globalStep, "loss_cls": Double(cls),
                    "loss_emb": Double(emb),
                    "lr": Double(state.optimizer.learningRate), "img_per_s": rate,
                ]
                if let kd { entry["loss_kd"] = Double(kd) }
                if group.size > 1 { entry["allreduce_ms"] = lastReductionSeconds * 1000 }
                log.write(entry)
            }
            state.epoch += 1
            // The other ranks take part in the saves only when each holds a share of the margin centres.
            guard leader, let log else {
                if margin?.shardGroup != nil {
                    let improved = group.maximum([0])[0] > 0
                    try save(to: output.appendingPathComponent("last"))
                    if improved { try save(to: output.appendingPathComponent("best")) }
                }
                continue
            }
            let validation = valLoader.map { Validation.run(model, loader: $0) } ?? ValidationResult()
            let metric = validation.metric(config.train.validationMetric)
            var improved = false
            if let metric, metric > (state.bestMetric ?? -.infinity) {
                state.bestMetric = metric
                state.bestEpoch = epoch
                improved = true
            } else if metric == nil && valLoader == nil {
                improved = true  // no validation split: the newest model is the best we know
                state.bestEpoch = epoch
            }
            saveState()
            var entry: [String: Any] = [
                "kind": "epoch", "epoch": epoch, "step": state.globalStep, "seconds": System.now() - started,
            ]
            if let m = validation.macroF1 { entry["val_macro_f1"] = m }
            if let a = validation.accuracy { entry["val_accuracy"] = a }
            if let t = validation.tprAtFPR1e4 { entry["val_tpr_at_fpr_1e-4"] = t }
            if let a = validation.auroc { entry["val_auroc"] = a }
            // The epoch's line goes to the disk before its checkpoint: a resume from that checkpoint keeps it,
            // a resume from the one before drops it (and the epoch runs, and is logged, again).
            log.write(entry)
            log.sync()
            if margin?.shardGroup != nil { _ = group.maximum([improved ? 1 : 0]) }
            try save(to: output.appendingPathComponent("last"))
            if improved { try save(to: output.appendingPathComponent("best")) }
            let shown = [
                validation.macroF1.map { String(format: "macro-F1 %.4f", $0) },
                validation.accuracy.map { String(format: "accuracy %.4f", $0) },
                validation.tprAtFPR1e4.map { String(format: "TPR@FPR=1e-4 %.4f", $0) },
                validation.auroc.map { String(format: "AUROC %.4f", $0) },
            ]
            .compactMap { $0 }.joined(separator: "  ")
            progress.line(
                "epoch \(epoch + 1)/\(epochs) done\(shown.isEmpty ? "" : ": " + shown)\(improved ? "  (best so far)" : "")"
            )
            onEpoch?(epoch, validation)
        }
    }

    /// Whether to stop before the next step: asked here by a signal, or on any rank (all ranks must stop at
    /// the same step, or the others would wait in a collective for ever).
    private func stopRequested() -> Bool {
        let here = stopRequest.isRequested
        guard group.size > 1 else { return here }
        return group.maximum([here ? 1 : 0])[0] > 0
    }

    private func saveState() {
        state.marginGenerator = margin?.generator
        state.dropoutGenerator = model.classifier.dropout.generator
    }

    /// One optimizer step over `micro` micro-batches; returns the (weighted) losses per head and the KD
    /// term's (nil when it is off).
    private func step(_ micro: [Batch]) throws -> (Float, Float, Float?) {
        let k = Float(micro.count)
        model.arena.zeroGrads()
        // The whole batch's identities: every rank samples the same PartialFC classes.
        margin?.beginStep(labels: micro.flatMap(\.batchIdentities))
        var clsTotal: Float = 0
        var embTotal: Float = 0
        var kdTotal: Float?
        let distributed = group.size > 1
        for batch in micro {
            model.classifier.dropout.firstRow = batch.firstRow
            let (embedding, logits) = model.forward(batch.images, training: true)
            let dLogits = Tensor(shape: logits.shape)
            let cls = crossEntropy(
                logits: logits, labels: batch.labels, gradient: dLogits, scale: config.loss.classificationWeight / k,
                batchLabels: distributed ? batch.batchLabels : nil)
            var dEmbedding: Tensor?
            var emb: Float = 0
            // Under mpirun every rank takes the same branches (the whole batch's labels decide): the sharded
            // margin and synchronised BatchNorm's backward hold collectives, and a rank whose rows happen to
            // have no label still computes (zero) gradients.
            let identities = distributed ? batch.batchIdentities : batch.identities
            let labels = distributed ? batch.batchLabels : batch.labels
            if let margin, identities.contains(where: { $0 >= 0 }) {
                let g = Tensor(shape: embedding.shape)
                emb = margin.forwardBackward(
                    embeddings: embedding, labels: batch.identities,
                    lossWeight: config.loss.embeddingWeight / k, gradient: g,
                    batchLabels: distributed ? batch.batchIdentities : nil)
                dEmbedding = g
            }
            let kd = distillationTerm(logits: logits, batch: batch, gradient: dLogits, scale: 1 / k)
            clsTotal += cls
            embTotal += emb
            if let kd { kdTotal = (kdTotal ?? 0) + kd }
            model.backward(
                embeddingGradient: dEmbedding,
                logitGradient: labels.contains { $0 >= 0 } || kd != nil ? dLogits : nil)
        }
        if distributed {
            // The whole batch's losses (each rank's are its share of the means) and gradients.
            let reductionStarted = System.now()
            defer { lastReductionSeconds = System.now() - reductionStarted }
            let sums = group.sum([Double(clsTotal), Double(embTotal), Double(kdTotal ?? 0)])
            clsTotal = Float(sums[0])
            embTotal = Float(sums[1])
            if kdTotal != nil { kdTotal = Float(sums[2]) }
            group.allReduceSum(model.arena.gradsPointer, count: model.arena.count)
            margin?.reduceGradients(over: group)
        }
        guard clsTotal.isFinite && embTotal.isFinite && (kdTotal ?? 0).isFinite else {
            let last = lastCheckpointPath
            throw TrainingError.nonFiniteLoss(
                step: state.globalStep, epoch: state.epoch, classification: clsTotal, embedding: embTotal,
                lastCheckpoint: last)
        }
        let norm = model.arena.clipGradNorm(maxNorm: config.train.clipNorm)
        guard norm.isFinite else {
            let last = lastCheckpointPath
            throw TrainingError.nonFiniteLoss(
                step: state.globalStep, epoch: state.epoch, classification: .nan, embedding: .nan, lastCheckpoint: last)
        }
        state.optimizer.learningRate = schedule.rate(at: state.globalStep)
        state.optimizer.update(model.arena)
        margin?.update(with: state.optimizer)
        state.globalStep += 1
        return (clsTotal, embTotal, kdTotal)
    }
}
