/// SIMD loops for the memory-bound passes. Swift does not reassociate float additions, so a plain
/// `for` reduction runs one dependent add per element; these keep 16-lane accumulators instead.
package typealias Vec = SIMD16<Float>

package enum Vectorized {
    @inlinable @inline(__always)
    package static func load(_ p: UnsafePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }

    @inlinable @inline(__always)
    package static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }

    /// Σ p[i]
    @inlinable
    package static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vec()
        var i = 0
        while i + 16 <= n {
            acc += load(p + i)
            i += 16
        }
        var s = acc.sum()
        while i < n {
            s += p[i]
            i += 1
        }
        return s
    }

    /// (Σ (p[i] − shift), Σ (p[i] − shift)²): a shifted one-pass mean/variance that avoids cancellation
    /// when the shift is close to the mean.
    @inlinable
    package static func shiftedMoments(_ p: UnsafePointer<Float>, _ n: Int, shift: Float) -> (Float, Float) {
        var a = Vec()
        var b = Vec()
        var i = 0
        let sv = Vec(repeating: shift)
        while i + 16 <= n {
            let d = load(p + i) - sv
            a += d
            b = b.addingProduct(d, d)
            i += 16
        }
        var s1 = a.sum()
        var s2 = b.sum()
        while i < n {
            let d = p[i] - shift
            s1 += d
            s2 += d * d
            i += 1
        }
        return (s1, s2)
    }

    /// Σ a[i]·b[i]
    @inlinable
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vec()
        var i = 0
        while i + 16 <= n {
            acc = acc.addingProduct(load(a + i), load(b + i))
            i += 16
        }
        var s = acc.sum()
        while i < n {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }
}
