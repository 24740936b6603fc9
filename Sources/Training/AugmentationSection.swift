import Imaging

/// The `augmentation:` mapping of a config (`data.augmentation` for joint training, `views.augmentation`
/// for distillation): every `AugmentationSettings` field by its snake_case key, each value range-checked
/// where it is read.
struct AugmentationSection: Codable {
    var settings: AugmentationSettings

    init(_ settings: AugmentationSettings) { self.settings = settings }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, scale, shift, rotation, perspective, brightness, contrast, saturation
        case blurProbability = "blur_probability", noiseProbability = "noise_probability", noiseStd = "noise_std"
        case jpegProbability = "jpeg_probability", jpegQuality = "jpeg_quality", shadowProbability =
            "shadow_probability"
        case colorCast = "color_cast", stretch
    }

    init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let a = try decoder.container(keyedBy: CodingKeys.self)
        var s = AugmentationSettings()
        s.enabled = try a.value(.enabled, or: s.enabled)
        s.scale = try a.value(.scale, or: s.scale)
        s.shift = try a.value(.shift, or: s.shift)
        s.rotation = try a.value(.rotation, or: s.rotation)
        s.perspective = try a.value(.perspective, or: s.perspective)
        s.brightness = try a.value(.brightness, or: s.brightness)
        s.contrast = try a.value(.contrast, or: s.contrast)
        s.saturation = try a.value(.saturation, or: s.saturation)
        s.blurProbability = try a.value(.blurProbability, or: s.blurProbability)
        s.noiseProbability = try a.value(.noiseProbability, or: s.noiseProbability)
        s.noiseStd = try a.value(.noiseStd, or: s.noiseStd)
        s.jpegProbability = try a.value(.jpegProbability, or: s.jpegProbability)
        s.jpegQuality = try a.value(.jpegQuality, or: s.jpegQuality)
        s.shadowProbability = try a.value(.shadowProbability, or: s.shadowProbability)
        s.colorCast = try a.value(.colorCast, or: s.colorCast)
        s.stretch = try a.value(.stretch, or: s.stretch)
        guard s.scale.count == 2, s.jpegQuality.count == 2 else {
            throw Self.invalid(decoder, "scale and jpeg_quality are [low, high] pairs")
        }
        try Self.check(s, decoder)
        settings = s
    }

    /// An error at this mapping's path (`data.augmentation: …`), as the other sections report values.
    private static func invalid(_ decoder: Decoder, _ message: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: message))
    }

    /// Probabilities in [0, 1], amounts finite and ≥ 0, [low, high] pairs ordered.
    private static func check(_ s: AugmentationSettings, _ decoder: Decoder) throws {
        let probabilities = [
            ("blur_probability", s.blurProbability), ("noise_probability", s.noiseProbability),
            ("jpeg_probability", s.jpegProbability), ("shadow_probability", s.shadowProbability),
        ]
        for (name, p) in probabilities where !(p.isFinite && (0...1).contains(p)) {
            throw invalid(decoder, "\(name) \(p) must be in [0, 1]")
        }
        let amounts = [
            ("shift", s.shift), ("rotation", s.rotation), ("perspective", s.perspective),
            ("brightness", s.brightness), ("contrast", s.contrast), ("saturation", s.saturation),
            ("noise_std", s.noiseStd), ("stretch", s.stretch),
        ]
        for (name, a) in amounts where !(a.isFinite && a >= 0) {
            throw invalid(decoder, "\(name) \(a) must be finite and ≥ 0")
        }
        guard s.colorCast.isFinite, (0..<1).contains(s.colorCast) else {
            throw invalid(decoder, "color_cast \(s.colorCast) must be in [0, 1) (the red and blue gains stay positive)")
        }
        guard s.scale[0] > 0, s.scale[0] <= s.scale[1], s.scale[1].isFinite else {
            throw invalid(decoder, "scale \(s.scale) must be [low, high] with 0 < low ≤ high")
        }
        guard 1 <= s.jpegQuality[0], s.jpegQuality[0] <= s.jpegQuality[1], s.jpegQuality[1] <= 100 else {
            throw invalid(decoder, "jpeg_quality \(s.jpegQuality) must be [low, high] within 1…100")
        }
    }

    func encode(to encoder: Encoder) throws {
        var a = encoder.container(keyedBy: CodingKeys.self)
        let s = settings
        try a.encode(s.enabled, forKey: .enabled)
        try a.encode(s.scale, forKey: .scale)
        try a.encode(s.shift, forKey: .shift)
        try a.encode(s.rotation, forKey: .rotation)
        try a.encode(s.perspective, forKey: .perspective)
        try a.encode(s.brightness, forKey: .brightness)
        try a.encode(s.contrast, forKey: .contrast)
        try a.encode(s.saturation, forKey: .saturation)
        try a.encode(s.blurProbability, forKey: .blurProbability)
        try a.encode(s.noiseProbability, forKey: .noiseProbability)
        try a.encode(s.noiseStd, forKey: .noiseStd)
        try a.encode(s.jpegProbability, forKey: .jpegProbability)
        try a.encode(s.jpegQuality, forKey: .jpegQuality)
        try a.encode(s.shadowProbability, forKey: .shadowProbability)
        try a.encode(s.colorCast, forKey: .colorCast)
        try a.encode(s.stretch, forKey: .stretch)
    }
}
