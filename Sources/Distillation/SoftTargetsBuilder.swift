import Datasets
import Engine
import Foundation
import Imaging
import Model
import Training

/// Makes the KD term's soft targets for a training config: the teacher's features of every training image
/// (the plain image at the model's input size, as validation sees it), a linear probe cross-fitted over
/// folds of identities (captures of one template never fit the probe that scores them), and each row's
/// probe logits. Cached in a safetensors file keyed by the split's content, the teacher, the input size and
/// the probe settings, so resumes and later runs on the same split reuse it.
package enum SoftTargetsBuilder {
    package static let version = 1

    /// The targets for `config`, from its cache file when that matches, else computed and cached.
    package static func make(
        config: TrainConfig, teacher: FeatureTeacher, log: (String) -> Void = { _ in }
    ) throws -> SoftTargets {
        let spec = config.model.spec
        let splitURL = URL(fileURLWithPath: config.data.train)
        let split = try Split(file: splitURL, classNames: spec.classNames, identityMode: config.data.identityMode)
        let settings = config.distillation
        let key: [String: Any] = [
            "version": version, "split_sha256": try SHA256.hex(contentsOf: splitURL), "teacher": teacher.fingerprint,
            "input_size": spec.inputSize, "folds": settings.probeFolds, "l2": Double(settings.probeL2),
            "steps": settings.probeSteps, "rows": split.rows.count,
        ]
        let keyText = String(
            decoding: try JSONSerialization.data(withJSONObject: key, options: [.sortedKeys]), as: UTF8.self)
        let cacheURL = URL(
            fileURLWithPath: settings.targets ?? (config.train.output + "/kd-targets.safetensors"))
        let classes = spec.classNames.count
        if let cached = try? SafeTensorsFile(contentsOf: cacheURL), cached.metadata["key"] == keyText,
            let (shape, logits) = try? cached.floats("logits"), shape == [split.rows.count, classes]
        {
            log("knowledge distillation: soft targets from \(cacheURL.path)")
            return SoftTargets(classes: classes, logits: logits, provenance: cached.metadata["provenance"] ?? "{}")
        }
        let started = System.now()
        log("knowledge distillation: teacher features of \(split.rows.count) training images")
        let features = try teacherFeatures(split: split, size: spec.inputSize, teacher: teacher)
        let featureSeconds = System.now() - started
        let (logits, accuracy) = crossFit(
            features: features, dimension: teacher.featureCount, split: split, classes: classes, settings: settings)
        let probeSeconds = System.now() - started - featureSeconds
        log(
            String(
                format:
                    "knowledge distillation: probe cross-fitted over %d folds, accuracy %.4f (%.0f s features, %.0f s probe)",
                settings.probeFolds, accuracy, featureSeconds, probeSeconds))
        let teacherObject = (try? JSONSerialization.jsonObject(with: Data(teacher.provenance.utf8))) ?? NSNull()
        let provenance: [String: Any] = [
            "teacher": teacherObject, "split": splitURL.standardizedFileURL.path, "split_sha256": key["split_sha256"]!,
            "rows": split.rows.count, "input_size": spec.inputSize, "crossfit_accuracy": accuracy,
            "feature_seconds": featureSeconds, "probe_seconds": probeSeconds,
        ]
        let provenanceText = String(
            decoding: try JSONSerialization.data(withJSONObject: provenance, options: [.sortedKeys]), as: UTF8.self)
        var writer = SafeTensorsWriter(metadata: ["key": keyText, "provenance": provenanceText])
        logits.withUnsafeBufferPointer { writer.add("logits", shape: [split.rows.count, classes], values: $0) }
        try writer.write(to: cacheURL)
        return SoftTargets(classes: classes, logits: logits, provenance: provenanceText)
    }

    /// `[rows, featureCount]` L2-normalised teacher features of the split's images (no augmentation).
    static func teacherFeatures(split: Split, size: Int, teacher: FeatureTeacher) throws -> [Float] {
        let cache = try ImageCache(split: split, side: size)
        var p = teacher.normalisation
        p.width = size
        p.height = size
        let augmenter = Augmenter(settings: .none, preprocessing: p)
        let d = teacher.featureCount
        var out = [Float](repeating: 0, count: split.rows.count * d)
        let block = 64
        for first in stride(from: 0, to: split.rows.count, by: block) {
            let rows = min(block, split.rows.count - first)
            let input = Tensor(shape: [rows, 3, size, size])
            let dst = SendablePointer(input.data)
            Parallel.forEach(rows) { r in
                var rng = SeededGenerator(seed: 0)
                augmenter.render(cache.image(first + r), rng: &rng, into: dst.pointer + r * 3 * size * size)
            }
            let f = l2Normalized(teacher.features(input))
            withExtendedLifetime(f) {
                out.withUnsafeMutableBufferPointer { (o: inout UnsafeMutableBufferPointer<Float>) in
                    (o.baseAddress! + first * d).update(from: f.data, count: rows * d)
                }
            }
        }
        return out
    }

    /// Each row's logits from a probe fitted on the labelled rows of the other folds; folds group rows by
    /// identity (rows without one by image). Returns the logits and the accuracy on labelled rows.
    static func crossFit(
        features: [Float], dimension: Int, split: Split, classes: Int, settings: DistillationSection
    ) -> ([Float], Double) {
        let n = split.rows.count
        let folds = settings.probeFolds
        let fold = (0..<n).map { r -> Int in
            let id = split.identityIndex[r]
            let name = id >= 0 ? split.identities[id] : split.rows[r].path.path
            return Int(fnv1a(name) % UInt64(folds))
        }
        var logits = [Float](repeating: 0, count: n * classes)
        var right = 0
        var labelled = 0
        features.withUnsafeBufferPointer { fb in
            for f in 0..<folds {
                let held = (0..<n).filter { fold[$0] == f }
                let fit = (0..<n).filter { fold[$0] != f && split.rows[$0].label != nil }
                guard !held.isEmpty, !fit.isEmpty else { continue }
                let probe = LinearProbe(
                    features: fb.baseAddress!, dimension: dimension, fit: fit,
                    labels: fit.map { split.rows[$0].label! },
                    classes: classes, l2: settings.probeL2, steps: settings.probeSteps)
                let out = probe.logits(fb.baseAddress!, rows: held)
                for (i, r) in held.enumerated() {
                    var best = 0
                    for c in 0..<classes {
                        logits[r * classes + c] = out[i * classes + c]
                        if out[i * classes + c] > out[i * classes + best] { best = c }
                    }
                    if let label = split.rows[r].label {
                        labelled += 1
                        if best == label { right += 1 }
                    }
                }
            }
        }
        return (logits, labelled > 0 ? Double(right) / Double(labelled) : 0)
    }

    /// FNV-1a of a string's UTF-8 bytes: a fold assignment that is the same on every run and machine.
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
