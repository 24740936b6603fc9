import Engine

/// The model's input contract: size, channel order and normalisation (timm weights: RGB, /255, ImageNet
/// mean/std). Stored in model metadata so inference always matches training.
public struct Preprocessing: Codable, Equatable, Sendable {
    public var width = 128
    public var height = 128
    public var channelOrder = "RGB"
    public var resize = "bilinear"
    public var scale: Float = 1 / 255
    public var mean: [Float] = [0.485, 0.456, 0.406]
    public var std: [Float] = [0.229, 0.224, 0.225]

    public init() {}

    /// The one resize filter the contract supports (Pillow's antialiased `BILINEAR`).
    public static let bilinear = "bilinear"

    /// Resizes `image` and writes its normalised CHW float planes to `destination` (3·H·W floats).
    package func tensor(from image: RGBImage, into destination: UnsafeMutablePointer<Float>) {
        let resized = Resize.bilinear(image, width: width, height: height)
        let plane = width * height
        let bgr = channelOrder.uppercased() == "BGR"
        let m = mean.map { $0 }
        let s = std.map { 1 / $0 }
        resized.pixels.withUnsafeBufferPointer { px in
            for c in 0..<3 {
                let src = bgr ? 2 - c : c
                let dst = destination + c * plane
                let mc = m[c]
                let sc = s[c]
                for i in 0..<plane { dst[i] = (Float(px[3 * i + src]) * scale - mc) * sc }
            }
        }
    }

    /// A `[1, 3, H, W]` tensor for one image.
    package func tensor(from image: RGBImage) -> Tensor {
        let t = Tensor(shape: [1, 3, height, width])
        tensor(from: image, into: t.data)
        return t
    }
}
