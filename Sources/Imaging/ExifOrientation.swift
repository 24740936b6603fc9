/// EXIF orientation (tag 0x0112) and the transform that makes the image upright, as Pillow's
/// `ImageOps.exif_transpose` applies it.
package enum ExifOrientation {
    /// Reads the orientation (1…8) from raw EXIF data starting at the TIFF header; nil when absent or invalid.
    /// Every offset is bounds-checked: malformed EXIF is ignored, never trusted.
    package static func orientation(exif: [UInt8]) -> Int? {
        guard exif.count >= 8 else { return nil }
        let little: Bool
        switch (exif[0], exif[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= exif.count else { return nil }
            return little ? Int(exif[o]) | Int(exif[o + 1]) << 8 : Int(exif[o]) << 8 | Int(exif[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
        for e in 0..<entries {
            let o = ifd + 2 + 12 * e
            guard let tag = u16(o) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(o + 2), type == 3, let value = u16(o + 8), (1...8).contains(value) else {
                    return nil
                }
                return value
            }
        }
        return nil
    }

    /// The image turned upright for `orientation` (2: mirror, 3: rotate 180°, 4: flip, 5: transpose,
    /// 6: rotate 90° clockwise, 7: transverse, 8: rotate 90° counter-clockwise).
    package static func apply(_ orientation: Int, to image: RGBImage) -> RGBImage {
        guard (2...8).contains(orientation) else { return image }
        let w = image.width
        let h = image.height
        let swaps = orientation >= 5
        let ow = swaps ? h : w
        let oh = swaps ? w : h
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        // Source coordinates of output pixel (x, y).
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case 2: (sx, sy) = (w - 1 - x, y)
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case 4: (sx, sy) = (x, h - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, h - 1 - x)
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                        default: (sx, sy) = (w - 1 - y, x)  // 8
                        }
                        let s = 3 * (sy * w + sx)
                        let d = 3 * (y * ow + x)
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
