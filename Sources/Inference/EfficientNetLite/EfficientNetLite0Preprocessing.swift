/// The input contract of the EfficientNet-Lite0 teacher's weights: RGB, (x/255 − 0.5)/0.5, i.e. [-1, 1]
/// (the TensorFlow Lite models' range, not ImageNet mean/std). Resize first (224×224 is the training size;
/// the distillation cache uses the student's 128 or 160).
public enum EfficientNetLite0Preprocessing {
    /// Per-channel mean and standard deviation after scaling by 1/255 (the same for R, G and B).
    public static let mean: Float = 0.5
    public static let std: Float = 0.5

    /// Interleaved 8-bit RGB pixels (`width·height·3` bytes, rows top to bottom) → planar `[3][height][width]`
    /// floats in [-1, 1] at `destination`.
    public static func normalize(
        rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        precondition(rgb.count == width * height * 3, "expected \(width)×\(height)×3 bytes, got \(rgb.count)")
        let plane = width * height
        // In the order torchvision's ToTensor + Normalize round: divide by 255, subtract, divide.
        for c in 0..<3 {
            let dst = destination + c * plane
            for i in 0..<plane { dst[i] = (Float(rgb[3 * i + c]) / 255 - mean) / std }
        }
    }

    /// `normalize` into a new array.
    public static func normalized(rgb: [UInt8], width: Int, height: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * width * height)
        rgb.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer {
                normalize(rgb: src, width: width, height: height, into: $0.baseAddress!)
            }
        }
        return out
    }
}
