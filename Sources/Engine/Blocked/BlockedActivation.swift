import EngineAVX512

/// The activation a blocked kernel applies to its accumulators before the single store of each output:
/// hard-swish (LCNet), ReLU6 (EfficientNet-Lite) or none (a projection before a residual add).
package enum BlockedActivation: Sendable, Equatable {
    case none, relu6, hardSwish
}

/// An activation as a type, so that a kernel's loop is specialised for it at compile time: each kernel
/// switches on `BlockedActivation` once per call and runs a copy of its loop in which the activation is
/// inlined, instead of branching per output vector.
package protocol BlockedActivationKernel {
    static func apply(_ z: V8) -> V8
}

/// No activation.
package enum IdentityActivation: BlockedActivationKernel {
    @inline(__always) package static func apply(_ z: V8) -> V8 { z }
}

/// clamp(x, 0, 6).
package enum ReLU6Activation: BlockedActivationKernel {
    @inline(__always) package static func apply(_ z: V8) -> V8 { Blocked.clamp(z, 0, 6) }
}

/// x · clamp(x + 3, 0, 6) / 6.
package enum HardSwishActivation: BlockedActivationKernel {
    @inline(__always) package static func apply(_ z: V8) -> V8 { Blocked.hardSwish(z) }
}

extension Blocked {
    /// Stores `A` of eight consecutive output pixels' accumulators at `dst`.
    @inline(__always) package static func store<A: BlockedActivationKernel>(
        _ a: (V8, V8, V8, V8, V8, V8, V8, V8), _ dst: UnsafeMutablePointer<Float>, _: A.Type
    ) {
        store(A.apply(a.0), dst)
        store(A.apply(a.1), dst + 8)
        store(A.apply(a.2), dst + 16)
        store(A.apply(a.3), dst + 24)
        store(A.apply(a.4), dst + 32)
        store(A.apply(a.5), dst + 40)
        store(A.apply(a.6), dst + 48)
        store(A.apply(a.7), dst + 56)
    }

    /// Stores `A` of four consecutive output pixels' accumulators at `dst`.
    @inline(__always) package static func store<A: BlockedActivationKernel>(
        _ a: (V8, V8, V8, V8), _ dst: UnsafeMutablePointer<Float>, _: A.Type
    ) {
        store(A.apply(a.0), dst)
        store(A.apply(a.1), dst + 8)
        store(A.apply(a.2), dst + 16)
        store(A.apply(a.3), dst + 24)
    }

    /// TensorFlow "same" padding before the first pixel along one axis (top or left): the total padding
    /// max((⌈n/s⌉ − 1)·s + k − n, 0) is split with the smaller half first, so stride-2 convolutions on even
    /// sizes pad one pixel less at the top/left than at the bottom/right. The output size, ⌈n/s⌉, is the
    /// same as `outputSize` (padding k/2) for odd k.
    package static func samePaddingBefore(_ n: Int, kernel: Int, stride: Int) -> Int {
        let out = (n + stride - 1) / stride
        return max((out - 1) * stride + kernel - n, 0) / 2
    }
}

extension BlockedActivation {
    /// The same activation for the AVX-512 kernels (`EngineAVX512` imports nothing of ours).
    var avx512: AVX512Activation {
        switch self {
        case .none: .none
        case .relu6: .relu6
        case .hardSwish: .hardSwish
        }
    }
}
