import Datasets
import Distillation
import Engine
import Foundation
import Training

/// `classify-and-embed distill`: decodes the unlabelled pool, builds (or completes) the teacher's feature
/// cache, then trains the LCNet050 backbone to reproduce the teacher's features and writes
/// `backbone.safetensors` (timm names, for `model.init`) into the run folder. Each stage resumes: the pool
/// and the cache continue where a killed run stopped, training with `resume`.
public enum DistillationRun {
    public static func run(
        configFile: String, resume: Bool, cacheOnly: Bool = false,
        overrides: (inout DistillConfigOverrides) -> Void = { _ in }
    ) throws {
        var config = try DistillConfig.load(URL(fileURLWithPath: configFile))
        var o = DistillConfigOverrides()
        overrides(&o)
        if let v = o.output { config.train.output = ConfigPaths.fromCommandLine(v) }
        if let v = o.epochs {
            config.train.epochs = v
            config.train.steps = nil
        }
        if let v = o.steps { config.train.steps = v }
        BLAS.configure()
        let teacher = try EfficientNetFeatureTeacher(weights: URL(fileURLWithPath: config.teacher.weights))
        let cacheFolder = URL(fileURLWithPath: config.pool.cache)
        let pool = try ImagePool(
            folders: config.pool.folders.map { URL(fileURLWithPath: $0) }, side: config.poolSide,
            cacheFolder: cacheFolder, maxImages: config.pool.maxImages)
        say("pool: \(pool.count) images under \(config.pool.folders.joined(separator: ", ")) → \(cacheFolder.path)")
        let decodeStart = System.now()
        var shown = -1
        let failures = try pool.decodeAll { done, total in
            let percent = done * 10 / max(total, 1)
            if percent != shown {
                shown = percent
                say("pool: decoded \(done)/\(total) (\(Int(System.now() - decodeStart)) s)")
            }
        }
        for (file, reason) in failures.prefix(5) { say("pool: left out \(file.path): \(reason)") }
        if failures.count > 5 { say("pool: … and \(failures.count - 5) more unreadable images left out") }
        let cache = try buildCache(config: config, pool: pool, teacher: teacher, folder: cacheFolder)
        if cacheOnly { return }
        let trainer = try DistillationTrainer(
            config: config, pool: pool, cache: cache, teacherProvenance: teacher.provenance, resume: resume)
        try trainer.run()
        say("backbone: \(trainer.output.appendingPathComponent("backbone.safetensors").path)")
    }

    private static func buildCache(
        config: DistillConfig, pool: ImagePool, teacher: FeatureTeacher, folder: URL
    ) throws -> TeacherFeatureCache {
        // The rate is measured from the first block this run adds (an earlier run may have done the rest).
        var first: (done: Int, time: Double)?
        var lastShown = -1.0
        let cache = try TeacherCacheBuilder.build(
            pool: pool, views: config.poolViews, teacher: teacher, folder: folder
        ) { done, total, _ in
            let now = System.now()
            guard let start = first else {
                first = (done, now)
                return
            }
            guard now - lastShown >= 30 || done == total else { return }
            lastShown = now
            let rate = Double(done - start.done) / max(now - start.time, 1e-9)
            let eta = Double(total - done) / max(rate, 1e-9)
            say(
                String(
                    format: "teacher cache: %d/%d views, %.0f views/s, ETA %d:%02d", done, total, rate, Int(eta) / 60,
                    Int(eta) % 60))
        }
        say(
            String(
                format: "teacher cache: %d views of %d images × %d complete (%.0f s of teacher time in all) → %@",
                cache.viewCount, pool.count, config.views.count, cache.seconds, cache.dataURL.path))
        return cache
    }

    private static func say(_ text: String) {
        print(text)
        fflush(nil)
    }
}

/// Command-line overrides of a distillation config.
public struct DistillConfigOverrides: Sendable {
    public var output: String?
    public var epochs: Int?
    public var steps: Int?
}
