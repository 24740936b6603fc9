/// The AVX-512 kernel set: the only module compiled for x86-64-v4 (`Package.swift`). Everything in it runs
/// only after `KernelSet` (Engine) has checked the CPU, so no AVX-512 instruction may reach code that runs on
/// AVX2 machines. Two rules keep it that way: this module imports nothing of ours (Engine calls in, never the
/// reverse, so no generic or inlinable code of Engine is compiled here and then reused there), and its entry
/// points are non-generic, non-inlinable and `@inline(never)`, so callers always call, never copy, them.
/// `Tools/check-isa` verifies the binary: zmm registers appear only in functions of this module.
public enum AVX512Kernels {
    /// Whether this module was compiled with AVX-512 enabled (`-DCLASSIFY_EMBED_AVX512` comes with the CPU
    /// flags): a build without the package's flags (a dependency taken by version) has plain code here, which
    /// would be correct but slow, and `KernelSet` does not offer it.
    #if CLASSIFY_EMBED_AVX512
    public static let isCompiledForAVX512 = true
    #else
    public static let isCompiledForAVX512 = false
    #endif
}

/// Sixteen float lanes: one zmm register.
typealias V16 = SIMD16<Float>

/// The activation applied before the single store of each output.
public enum AVX512Activation: Sendable {
    case none, relu6, hardSwish
}

protocol ActivationKernel16 {
    static func apply(_ z: V16) -> V16
}

enum Identity16: ActivationKernel16 {
    @inline(__always) static func apply(_ z: V16) -> V16 { z }
}

enum ReLU616: ActivationKernel16 {
    @inline(__always) static func apply(_ z: V16) -> V16 { clamp(z, 0, 6) }
}

enum HardSwish16: ActivationKernel16 {
    /// x · clamp(x/6 + 1/2, 0, 1), as the AVX2 kernels compute it.
    @inline(__always) static func apply(_ z: V16) -> V16 {
        z * clamp(V16(repeating: 0.5).addingProduct(z, V16(repeating: 1 / 6)), 0, 1)
    }
}

/// clamp(t, lo, hi) with masks on its own result, so it compiles to `vmaxps`/`vminps`.
@inline(__always) func clamp(_ t: V16, _ lo: Float, _ hi: Float) -> V16 {
    let u = t.replacing(with: lo, where: t .< lo)
    return u.replacing(with: hi, where: u .> hi)
}

@inline(__always) func load16(_ p: UnsafePointer<Float>) -> V16 {
    UnsafeRawPointer(p).loadUnaligned(as: V16.self)
}

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
