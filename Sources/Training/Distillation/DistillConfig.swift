import Datasets
import Foundation
import Imaging
import Objectives

/// Everything `classify-and-embed distill` needs, from YAML (snake_case keys, `extends:`, unknown keys
/// refused like the training config). Relative paths are read from the folder of the config file that holds
/// them, like the training config's (`ConfigPaths`).
package struct DistillConfig: Codable, Sendable {
    package var teacher = TeacherSection()
    package var pool = PoolSection()
    package var views = ViewsSection()
    package var student = StudentSection()
    package var train = DistillTrainSection()

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case teacher, pool, views, student, train, extends }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        teacher = try c.value(.teacher, or: teacher)
        pool = try c.value(.pool, or: pool)
        views = try c.value(.views, or: views)
        student = try c.value(.student, or: student)
        train = try c.value(.train, or: train)
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(teacher, forKey: .teacher)
        try c.encode(pool, forKey: .pool)
        try c.encode(views, forKey: .views)
        try c.encode(student, forKey: .student)
        try c.encode(train, forKey: .train)
    }

    /// Loads `url`, following `extends:` chains; errors name the file and the dotted key.
    package static func load(_ url: URL) throws -> DistillConfig {
        try TrainConfig.decode(DistillConfig.self, from: url)
    }

    /// The config as the run folder's `config.yaml` holds it (every path absolute, no `extends`).
    package func yaml() throws -> String { try ConfigPaths.yaml(self) }

    /// The views as the cache and the student's loader use them.
    package var poolViews: PoolViews {
        PoolViews(
            count: views.count, size: views.size, cleanFirstView: views.cleanFirst, seed: views.seed,
            augmentation: views.augmentation)
    }

    /// Side of the decoded pool images (the views' size times `cache_scale`).
    package var poolSide: Int { Int((Double(views.size) * views.cacheScale).rounded()) }
}

/// `teacher:` the network whose features the student learns.
package struct TeacherSection: Codable, Sendable, Equatable {
    /// The EfficientNet-Lite0 weights `Tools/setup --teacher` fetches.
    package var weights = ".build/teacher/efficientnet-lite0-57934424.pth"

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case weights }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        weights = try c.value(.weights, or: weights, "must name a file", where: { !$0.isEmpty })
    }
}

/// `pool:` the unlabelled images and where their caches live.
package struct PoolSection: Codable, Sendable, Equatable {
    /// Folders searched (recursively) for PNG and JPEG files: `Tools/fetch-sources`' `sources` folder,
    /// `make-dataset` output, any photos.
    package var folders: [String] = []
    /// At most this many images, spread evenly over the sorted list (all when absent).
    package var maxImages: Int?
    /// Share of the images held out to measure the student's cosine similarity after each epoch.
    package var valFraction = 0.02
    /// Folder of the decoded pool and the teacher's feature cache (reused by every run with the same pool,
    /// views and teacher).
    package var cache = "runs/distill-cache"

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case folders, maxImages = "max_images", valFraction = "val_fraction", cache
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        folders = try c.value(.folders, or: folders, "must list at least one folder", where: { !$0.isEmpty })
        maxImages = try c.decodeIfPresent(Int.self, forKey: .maxImages)
        if let m = maxImages, m < 2 {
            throw DecodingError.dataCorruptedError(forKey: .maxImages, in: c, debugDescription: "\(m) must be ≥ 2")
        }
        valFraction = try c.value(
            .valFraction, or: valFraction, "must be in [0, 0.5]", where: { $0.isFinite && (0...0.5).contains($0) })
        cache = try c.value(.cache, or: cache, "must name a folder", where: { !$0.isEmpty })
    }
}

/// `views:` the K augmented views per image that the teacher's cache holds and the student trains on.
package struct ViewsSection: Codable, Sendable, Equatable {
    /// Views per image (K).
    package var count = 3
    /// Input side of the views (the student's training size; the teacher sees the same pixels).
    package var size = 128
    /// View 0 without augmentation (the plain resized image).
    package var cleanFirst = true
    /// The decoded pool images are this much larger than the views, so crops and shifts have pixels.
    package var cacheScale = 1.125
    package var seed: UInt64 = 0
    package var augmentation = AugmentationSettings()

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case count, size, cleanFirst = "clean_first", cacheScale = "cache_scale", seed, augmentation
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.value(.count, or: count, "must be in 1…16", where: { (1...16).contains($0) })
        size = try c.value(
            .size, or: size, "must be a multiple of 32 in 32…512", where: { $0 % 32 == 0 && (32...512).contains($0) })
        cleanFirst = try c.value(.cleanFirst, or: cleanFirst)
        cacheScale = try c.value(.cacheScale, or: cacheScale, "must be in 1…4", where: { (1...4).contains($0) })
        seed = try c.value(.seed, or: seed)
        augmentation = try c.decodeIfPresent(AugmentationSection.self, forKey: .augmentation)?.settings ?? augmentation
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(size, forKey: .size)
        try c.encode(cleanFirst, forKey: .cleanFirst)
        try c.encode(cacheScale, forKey: .cacheScale)
        try c.encode(seed, forKey: .seed)
        try c.encode(AugmentationSection(augmentation), forKey: .augmentation)
    }
}

/// `student:` what is trained besides the backbone, and against what.
package struct StudentSection: Codable, Sendable, Equatable {
    /// Hidden width of the projector (0: one Linear 256 → teacher features).
    package var projectorHidden = 1024
    package var loss: FeatureDistillationKind = .cosine

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case projectorHidden = "projector_hidden", loss }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        projectorHidden = try c.value(
            .projectorHidden, or: projectorHidden, "must be in 0…8192", where: { (0...8192).contains($0) })
        loss = try c.choice(.loss, or: loss)
    }
}

extension DistillConfig: PathKeyedConfig {
    static let pathKeys = [
        ConfigPathKey(key: "teacher.weights", isInput: true), ConfigPathKey(key: "pool.folders", isInput: true),
        ConfigPathKey(key: "pool.cache", isInput: false), ConfigPathKey(key: "train.output", isInput: false),
    ]

    mutating func mapPaths(_ absolute: (String) -> String) {
        teacher.weights = absolute(teacher.weights)
        pool.folders = pool.folders.map(absolute)
        pool.cache = absolute(pool.cache)
        train.output = absolute(train.output)
    }
}
