/// An 8-bit RGB image, rows packed top to bottom, pixels interleaved R, G, B.
package struct RGBImage: Equatable, Sendable {
    package let width: Int
    package let height: Int
    package var pixels: [UInt8]

    package init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGB buffer of \(pixels.count) bytes for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    package init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8) = (0, 0, 0)) {
        var p = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            p[3 * i] = fill.r
            p[3 * i + 1] = fill.g
            p[3 * i + 2] = fill.b
        }
        self.init(width: width, height: height, pixels: p)
    }

    @inline(__always)
    package func pixel(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let i = 3 * (y * width + x)
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}
