import Datasets
import Foundation
import Imaging
import Layers
import Model
import Objectives
import Yams

/// Everything `classify-and-embed train` needs, loaded from YAML (snake_case keys). Every field has a
/// default, so a config lists only what differs; `extends: other.yaml` starts from another file. An unknown
/// key is an error naming the key and the file. Relative paths are read from the folder of the file that holds
/// them (`ConfigPaths`).
package struct TrainConfig: Codable, Sendable {
    package var model = ModelSection()
    package var margin = MarginSettings()
    package var loss = LossSection()
    package var data = DataSection()
    package var train = TrainSection()
    /// The knowledge-distillation term's settings (used when `loss.distillation_weight` > 0).
    package var distillation = DistillationSection()
    /// The file this config was loaded from (nil for one built in code). Not a YAML key: the trainer records
    /// its name in each model file's provenance, which is how `compare` names a model after its config.
    package var source: URL?

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case model, margin, loss, data, train, distillation, extends }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.value(.model, or: ModelSection())
        margin = try c.decodeIfPresent(MarginSection.self, forKey: .margin)?.settings ?? MarginSettings()
        loss = try c.value(.loss, or: LossSection())
        data = try c.value(.data, or: DataSection())
        train = try c.value(.train, or: TrainSection())
        distillation = try c.value(.distillation, or: DistillationSection())
        if case .explicit(let w) = loss.classWeights, w.count != model.spec.classNames.count {
            throw DecodingError.dataCorruptedError(
                forKey: .loss, in: c,
                debugDescription: "class_weights has \(w.count) values but there are \(model.spec.classNames.count) "
                    + "classes (\(model.spec.classNames.joined(separator: ", ")))")
        }
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(MarginSection(margin), forKey: .margin)
        try c.encode(loss, forKey: .loss)
        try c.encode(data, forKey: .data)
        try c.encode(train, forKey: .train)
        try c.encode(distillation, forKey: .distillation)
    }

    /// Loads `url`, following `extends:` chains (the file named is relative to the including file). Every
    /// relative path in a file is resolved against that file's folder (`ConfigPaths`); once loaded, every path
    /// is absolute (the defaults against the current folder).
    package static func load(_ url: URL) throws -> TrainConfig {
        var config = try decode(TrainConfig.self, from: url)
        config.source = url
        return config
    }

    /// The config as the run folder's `config.yaml` holds it (every path absolute, no `extends`).
    package func yaml() throws -> String { try ConfigPaths.yaml(self) }

    /// Any config type from a YAML file with `extends:` chains, errors naming the file and the dotted key
    /// (the distillation config shares this).
    static func decode<Config: Decodable & PathKeyedConfig>(_ type: Config.Type, from url: URL) throws -> Config {
        var seen = Set<String>()
        var suspects: [ConfigPaths.Suspect] = []
        let tree = try loadTree(url, keys: Config.pathKeys, seen: &seen, suspects: &suspects)
        try ConfigPaths.check(suspects, in: tree)
        var config: Config
        do {
            let yaml = try Yams.serialize(node: tree)
            config = try YAMLDecoder().decode(Config.self, from: yaml)
        } catch let e as UnknownKeyError {
            throw ConfigError(file: url.path, message: e.description)
        } catch let e as DecodingError {
            if case .dataCorrupted(let c) = e, let inner = c.underlyingError as? UnknownKeyError {
                throw ConfigError(file: url.path, message: inner.description)
            }
            if case .dataCorrupted(let c) = e, let inner = c.underlyingError as? DecodingError {
                throw ConfigError(file: url.path, message: Self.describe(inner))
            }
            throw ConfigError(file: url.path, message: Self.describe(e))
        } catch let e as ConfigError {
            throw e
        } catch {
            throw ConfigError(file: url.path, message: "\(error)")
        }
        config.mapPaths(ConfigPaths.fromCommandLine)
        return config
    }

    private static func loadTree(
        _ url: URL, keys: [ConfigPathKey], seen: inout Set<String>, suspects: inout [ConfigPaths.Suspect]
    ) throws -> Node {
        guard seen.insert(url.standardizedFileURL.path).inserted else {
            throw ConfigError(file: url.path, message: "`extends` loops back to this file")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigError(
                file: url.path,
                message: FileManager.default.fileExists(atPath: url.path) ? "not readable" : "no such file")
        }
        let node: Node
        do { node = try Yams.compose(yaml: text) ?? Node.mapping([:]) } catch {
            throw ConfigError(file: url.path, message: "not valid YAML: \(error)")
        }
        guard case .mapping(var mapping) = node else {
            throw ConfigError(
                file: url.path,
                message: "the top level must be a mapping of sections (`section: …` lines)")
        }
        guard let base = mapping["extends"] else {
            ConfigPaths.resolve(&mapping, keys: keys, file: url, suspects: &suspects)
            return .mapping(mapping)
        }
        guard let name = base.string else {
            throw ConfigError(file: url.path, message: "`extends` must be a file name")
        }
        mapping["extends"] = nil
        ConfigPaths.resolve(&mapping, keys: keys, file: url, suspects: &suspects)
        let parentURL =
            name.hasPrefix("/")
            ? URL(fileURLWithPath: name) : url.deletingLastPathComponent().appendingPathComponent(name)
        let parent = try loadTree(parentURL, keys: keys, seen: &seen, suspects: &suspects)
        return merge(parent, .mapping(mapping))
    }

    /// Deep merge: mappings merge key by key, anything else in `top` replaces `base`.
    private static func merge(_ base: Node, _ top: Node) -> Node {
        guard case .mapping(var b) = base, case .mapping(let t) = top else { return top }
        for (k, v) in t {
            if let existing = b[k] { b[k] = merge(existing, v) } else { b[k] = v }
        }
        return .mapping(b)
    }

    private static func describe(_ e: DecodingError) -> String {
        func path(_ c: [CodingKey]) -> String { c.map(\.stringValue).joined(separator: ".") }
        switch e {
        case .typeMismatch(let t, let c): return "'\(path(c.codingPath))' has the wrong type (expected \(t))"
        case .valueNotFound(let t, let c): return "'\(path(c.codingPath))' is missing a value (expected \(t))"
        case .keyNotFound(let k, let c): return "'\(path(c.codingPath + [k]))' is required"
        case .dataCorrupted(let c): return "'\(path(c.codingPath))': \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}

/// A configuration file that cannot be used, with the file and the reason.
package struct ConfigError: Error, CustomStringConvertible {
    package var file: String
    package var message: String
    package var description: String { "\(file): \(message)" }
}

package struct ModelSection: Codable, Sendable {
    package var spec = ModelSpec()
    /// The file to start from (`model.init`): a model file (whole model), a distilled backbone, or a timm
    /// `lcnet_050` checkpoint (backbone); see `ModelInit`. Absolute once loaded (`TrainConfig.load`).
    package var initPath: String?

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case backbone, neck, neckNorm = "neck_norm", embeddingSize = "embedding_size", classHeadHidden =
            "class_head_hidden"
        case classHeadDropout = "class_head_dropout", classMode = "class_mode", classNames = "class_names"
        case positiveClass = "positive_class", inputSize = "input_size", initPath = "init"
        /// Replaced by `init`; still listed so that using it gets its own message, not "unknown key".
        case pretrained
    }

    package init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var s = ModelSpec()
        s.backbone = try c.value(.backbone, or: s.backbone)
        guard Backbones.named(s.backbone)?.trainable == true else {
            throw DecodingError.dataCorruptedError(
                forKey: .backbone, in: c,
                debugDescription: "'\(s.backbone)' cannot be trained; trainable: "
                    + Backbones.all.filter(\.trainable).map(\.name).joined(separator: ", "))
        }
        s.neck = try c.choice(.neck, or: s.neck)
        s.neckNorm = try c.choice(.neckNorm, or: s.neckNorm)
        s.embeddingSize = try c.value(
            .embeddingSize, or: s.embeddingSize, "must be in 1…4096", where: { (1...4096).contains($0) })
        s.classHeadHidden = try c.value(
            .classHeadHidden, or: s.classHeadHidden, "must be in 1…4096", where: { (1...4096).contains($0) })
        s.classHeadDropout = try c.value(
            .classHeadDropout, or: s.classHeadDropout, "must be in [0, 1)", where: { $0 >= 0 && $0 < 1 })
        s.classMode = try c.choice(.classMode, or: s.classMode)
        s.classNames = try c.value(
            .classNames, or: s.classNames, "must be distinct, non-empty names",
            where: { !$0.isEmpty && Set($0).count == $0.count && !$0.contains("") && !$0.contains("-") })
        s.positiveClass = try c.decodeIfPresent(String.self, forKey: .positiveClass)
        if s.classMode == .binary {
            guard s.classNames.count == 2, let p = s.positiveClass, s.classNames.contains(p) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .positiveClass, in: c,
                    debugDescription: "a binary head needs two class_names and positive_class set to one of them")
            }
        }
        s.inputSize = try c.value(
            .inputSize, or: s.inputSize, "must be a multiple of 32 in 32…\(ModelFile.maximumInputSize)",
            where: { $0 % 32 == 0 && (32...ModelFile.maximumInputSize).contains($0) })
        spec = s
        // `pretrained` read its path relative to the current directory and only safetensors; `init` reads
        // every checkpoint kind relative to the config file. Aliasing it silently would move its path base.
        if c.contains(.pretrained) {
            throw DecodingError.dataCorruptedError(
                forKey: .pretrained, in: c,
                debugDescription: "was replaced by 'model.init' (the same weights, also .pth/.bin checkpoints and "
                    + "model files; a relative path is resolved against this config file's folder)")
        }
        initPath = try c.decodeIfPresent(String.self, forKey: .initPath)
        if initPath?.isEmpty == true {
            throw DecodingError.dataCorruptedError(
                forKey: .initPath, in: c, debugDescription: "is empty (leave it out to start from scratch)")
        }
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spec.backbone, forKey: .backbone)
        try c.encode(spec.neck, forKey: .neck)
        try c.encode(spec.neckNorm, forKey: .neckNorm)
        try c.encode(spec.embeddingSize, forKey: .embeddingSize)
        try c.encode(spec.classHeadHidden, forKey: .classHeadHidden)
        try c.encode(spec.classHeadDropout, forKey: .classHeadDropout)
        try c.encode(spec.classMode, forKey: .classMode)
        try c.encode(spec.classNames, forKey: .classNames)
        try c.encodeIfPresent(spec.positiveClass, forKey: .positiveClass)
        try c.encode(spec.inputSize, forKey: .inputSize)
        try c.encodeIfPresent(initPath, forKey: .initPath)
    }
}

struct MarginSection: Codable {
    var settings: MarginSettings
    init(_ s: MarginSettings) { settings = s }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, scale, m1, m2, m3, subCenters = "sub_centers", sampleRate = "sample_rate"
    }

    init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.value(.type, or: "cosface")
        guard let start = MarginKind.defaults.first(where: { $0.name == type }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "unknown margin type '\(type)' ("
                    + MarginKind.defaults.map(\.name).joined(separator: ", ") + ")")
        }
        var s = MarginSettings()
        s.scale = try c.value(.scale, or: s.scale)
        s.kind = MarginKind(
            m1: try c.value(.m1, or: start.m1), m2: try c.value(.m2, or: start.m2), m3: try c.value(.m3, or: start.m3))
        guard s.scale.isFinite && s.scale > 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .scale, in: c, debugDescription: "\(s.scale) must be finite and > 0")
        }
        let (m1, m2, m3) = s.kind.triple
        guard m1.isFinite && m1 > 0 && m2.isFinite && m2 >= 0 && m2 < .pi && m3.isFinite && m3 >= 0 && m3 < 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "margin (m1 \(m1), m2 \(m2), m3 \(m3)) out of range: m1 > 0, 0 ≤ m2 < π, 0 ≤ m3 < 1")
        }
        s.subCenters = try c.value(.subCenters, or: s.subCenters)
        s.sampleRate = try c.value(.sampleRate, or: s.sampleRate)
        guard s.sampleRate > 0 && s.sampleRate <= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .sampleRate, in: c, debugDescription: "must be in (0, 1]")
        }
        guard s.subCenters >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .subCenters, in: c, debugDescription: "must be at least 1")
        }
        settings = s
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(settings.kind.name, forKey: .type)
        try c.encode(settings.scale, forKey: .scale)
        try c.encode(settings.m1, forKey: .m1)
        try c.encode(settings.m2, forKey: .m2)
        try c.encode(settings.m3, forKey: .m3)
        try c.encode(settings.subCenters, forKey: .subCenters)
        try c.encode(settings.sampleRate, forKey: .sampleRate)
    }
}

extension TrainConfig: PathKeyedConfig {
    static let pathKeys = [
        ConfigPathKey(key: "model.init", isInput: true, wasAlwaysFileRelative: true),
        ConfigPathKey(key: "data.train", isInput: true), ConfigPathKey(key: "data.val", isInput: true),
        ConfigPathKey(key: "train.output", isInput: false),
        ConfigPathKey(key: "distillation.teacher", isInput: true),
        ConfigPathKey(key: "distillation.targets", isInput: false),
    ]

    mutating func mapPaths(_ absolute: (String) -> String) {
        model.initPath = model.initPath.map(absolute)
        data.train = absolute(data.train)
        data.val = data.val.map(absolute)
        train.output = absolute(train.output)
        distillation.teacher = absolute(distillation.teacher)
        distillation.targets = distillation.targets.map(absolute)
    }
}
