import Engine

/// An activation as a type, so loops over it specialise and vectorise (no switch per element).
package protocol ActivationKernel {
    static func apply(_ z: Vec) -> Vec
    static func derivative(_ z: Vec) -> Vec
}

package enum IdentityKernel: ActivationKernel {
    @inline(__always) package static func apply(_ z: Vec) -> Vec { z }
    @inline(__always) package static func derivative(_ z: Vec) -> Vec { Vec(repeating: 1) }
}

package enum ReLUKernel: ActivationKernel {
    @inline(__always) package static func apply(_ z: Vec) -> Vec { pointwiseMax(z, Vec()) }
    @inline(__always) package static func derivative(_ z: Vec) -> Vec { Vec().replacing(with: 1, where: z .> 0) }
}

package enum HardSwishKernel: ActivationKernel {
    @inline(__always) package static func apply(_ z: Vec) -> Vec {
        z * pointwiseMin(pointwiseMax(z + 3, Vec()), Vec(repeating: 6)) * (1 / 6)
    }
    /// PyTorch: 0 below −3, (2z + 3)/6 up to and including 3, 1 above.
    @inline(__always) package static func derivative(_ z: Vec) -> Vec {
        ((2 * z + 3) * (1 / 6)).replacing(with: 0, where: z .< -3).replacing(with: 1, where: z .> 3)
    }
}

package enum HardSigmoidKernel: ActivationKernel {
    @inline(__always) package static func apply(_ z: Vec) -> Vec {
        pointwiseMin(pointwiseMax(z + 3, Vec()), Vec(repeating: 6)) * (1 / 6)
    }
    @inline(__always) package static func derivative(_ z: Vec) -> Vec {
        Vec().replacing(with: 1 / 6, where: (z .> -3) .& (z .< 3))
    }
}

/// Per-plane BatchNorm + activation passes, specialised per activation type.
package enum BatchNormKernels {
    /// y = f(x·scale + shift) over n elements.
    @inline(__always)
    package static func affine<A: ActivationKernel>(
        _: A.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        _ n: Int, scale: Float, shift: Float
    ) {
        let a = Vec(repeating: scale)
        let b = Vec(repeating: shift)
        var i = 0
        while i + 16 <= n {
            Vectorized.store(A.apply(b.addingProduct(Vectorized.load(x + i), a)), y + i)
            i += 16
        }
        while i < n {
            var t = Vec()
            t[0] = x[i] * scale + shift
            y[i] = A.apply(t)[0]
            i += 1
        }
    }

    /// (Σ dz, Σ dz·x) with dz = dy·f'(x·scale + shift), dz not stored: the first of the two backward passes;
    /// the second recomputes dz (`recomputedInputGradient`), which saves writing and re-reading it.
    @inline(__always)
    package static func activationSums<A: ActivationKernel>(
        _: A.Type, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ n: Int, scale: Float, shift: Float
    ) -> (Float, Float) {
        let a = Vec(repeating: scale)
        let b = Vec(repeating: shift)
        var s1 = Vec()
        var s2 = Vec()
        var i = 0
        while i + 16 <= n {
            let xv = Vectorized.load(x + i)
            let d = Vectorized.load(dy + i) * A.derivative(xv * a + b)
            s1 += d
            s2 = s2.addingProduct(d, xv)
            i += 16
        }
        var r1 = s1.sum()
        var r2 = s2.sum()
        while i < n {
            var t = Vec()
            t[0] = x[i] * scale + shift
            let d = dy[i] * A.derivative(t)[0]
            r1 += d
            r2 += d * x[i]
            i += 1
        }
        return (r1, r2)
    }

    /// dx = c1·dz + c2·x + c3 (the BatchNorm input gradient, linear in dz and x) with dz = dy·f'(x·scale +
    /// shift) recomputed exactly as `activationSums` computed it; `dx` must not alias `dy`.
    @inline(__always)
    package static func recomputedInputGradient<A: ActivationKernel>(
        _: A.Type, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ n: Int, scale: Float, shift: Float, c1: Float, c2: Float, c3: Float
    ) {
        let a = Vec(repeating: scale)
        let b = Vec(repeating: shift)
        let v1 = Vec(repeating: c1)
        let v2 = Vec(repeating: c2)
        let v3 = Vec(repeating: c3)
        var i = 0
        while i + 16 <= n {
            let xv = Vectorized.load(x + i)
            let d = Vectorized.load(dy + i) * A.derivative(xv * a + b)
            Vectorized.store((d * v1).addingProduct(xv, v2) + v3, dx + i)
            i += 16
        }
        while i < n {
            var t = Vec()
            t[0] = x[i] * scale + shift
            let d = dy[i] * A.derivative(t)[0]
            dx[i] = c1 * d + c2 * x[i] + c3
            i += 1
        }
    }
}
