import Glibc

/// Deterministic, seedable generator (xoshiro256**), so runs and tests repeat exactly for a seed.
package struct SeededGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
    package var state: [UInt64]

    package init(seed: UInt64) {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        var s = [UInt64](repeating: 0, count: 4)
        for i in 0..<4 {  // splitmix64 expansion of the seed
            z = z &+ 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            s[i] = x ^ (x >> 31)
        }
        state = s
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    package mutating func next() -> UInt64 {
        let result = Self.rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = Self.rotl(state[3], 45)
        return result
    }

    /// Uniform in [0, 1).
    package mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// Standard normal (Box–Muller).
    package mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / Double(1 << 53)), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    package mutating func fill(_ t: Tensor, scale: Float = 1) {
        for i in 0..<t.count { t.data[i] = normal() * scale }
    }
}
