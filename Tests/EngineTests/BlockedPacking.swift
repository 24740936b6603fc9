import Engine

// Test-only: the reverse of `Blocked.unpack`, to feed the blocked kernels NCHW reference inputs.
extension Blocked {
    /// NCHW `[channels][height][width]` → the blocked plane's interior (channels past `channels` zero).
    static func pack(
        _ src: UnsafePointer<Float>, channels: Int, into dst: UnsafeMutablePointer<Float>, _ g: BlockedPlane
    ) {
        dst.update(repeating: 0, count: g.floats)
        for c in 0..<channels {
            let plane = src + c * g.pixels
            for y in 0..<g.height {
                let row = dst + g.offset(c / 8, y, 0) + c % 8
                for x in 0..<g.width { row[x * 8] = plane[y * g.width + x] }
            }
        }
    }

}
