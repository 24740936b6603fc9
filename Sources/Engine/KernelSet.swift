import CPUFeatures
import EngineAVX512
import Glibc

/// The kernel sets one binary carries, chosen once per process from the CPU it runs on. The whole package is
/// built for the portable x86-64-v3 baseline (AVX2 + FMA); the AVX-512 kernels live in their own module,
/// `EngineAVX512`, the only code compiled for x86-64-v4, and run only where CPUID says the CPU and the OS
/// support them. Kernels take the set from the weights they were packed for (a packed layout may differ per
/// set), so tests can run every set the machine supports in one process.
public enum KernelSet: String, CaseIterable, Sendable, CustomStringConvertible {
    /// 8-wide vectors and 16 registers: AVX2 + FMA on x86-64 (portable Swift SIMD on other architectures).
    case avx2
    /// 16-wide vectors and 32 registers (AVX-512 F/BW/DQ/VL).
    case avx512

    /// The environment variable that forces a set: `avx2`, `avx512`, or `auto` (the default: the fastest set
    /// the machine supports).
    public static let environmentVariable = "CLASSIFY_EMBED_KERNELS"

    public var description: String { rawValue }

    /// The sets this machine can run, slowest first: `avx512` needs the CPU and OS support (CPUID, XCR0) and
    /// a build whose `EngineAVX512` module was compiled for AVX-512 (a dependency build without the
    /// package's CPU flags has none).
    public static let supported: [KernelSet] = {
        var sets: [KernelSet] = [.avx2]
        if AVX512Kernels.isCompiledForAVX512 && cpuFeatures.contains(.avx512) { sets.append(.avx512) }
        return sets
    }()

    /// What CPUID reported, for `benchmark` and error messages.
    public static let cpuFeatures = CPUFeatureSet(rawValue: ce_cpu_features())

    /// The set `CLASSIFY_EMBED_KERNELS` asks for (`nil`: unset or `auto`), or an error naming the variable,
    /// its value and what this machine supports.
    public static func requested(environment value: String?) throws -> KernelSet? {
        guard let value, !value.isEmpty, value.lowercased() != "auto" else { return nil }
        guard let set = KernelSet(rawValue: value.lowercased()) else {
            throw KernelSetError(
                message: "\(environmentVariable)=\(value) is not a kernel set: use avx2, avx512 or auto "
                    + "(this machine supports \(supportedList))")
        }
        guard supported.contains(set) else {
            throw KernelSetError(
                message: "\(environmentVariable)=\(value): this machine cannot run the \(set) kernels "
                    + "(CPU features: \(cpuFeatures); supported: \(supportedList)); unset it or use avx2")
        }
        return set
    }

    /// Checks `CLASSIFY_EMBED_KERNELS` once; the command-line tool calls this before any work so that a bad
    /// value stops it with a message instead of being ignored.
    public static func validateEnvironment() throws {
        _ = try requested(environment: environmentValue)
    }

    /// The set new weights are packed for: the forced one, else the fastest supported. An invalid value (which
    /// the tool has refused already) falls back to the fastest supported set.
    public static let active: KernelSet = {
        if let forced = try? requested(environment: environmentValue) { return forced }
        return supported.last ?? .avx2
    }()

    /// The kernel a 1×1 convolution of `inChannels` → `outChannels` runs under this set. The AVX-512 kernel
    /// needs long sums and many outputs to pay for its 24-accumulator tile's stores (each zmm sum is two 8-lane
    /// stores). `benchmark --kernels` on the 2-core AMD EPYC (Zen 4), one core, LCNet050 at 128×128, medians of
    /// three runs, AVX-512 vs AVX2 kernel (2026-11-26): 256→256 0.0192 vs 0.0208 ms, 128→256 0.0102 vs 0.0105,
    /// but 128→128 0.0202 vs 0.0194 (88 vs 92 % of the FMA peak), 64→128 0.0113 vs 0.0101, 32→32 0.027 vs
    /// 0.0205, 8→16 0.0264 vs 0.0156; in the folded network the five 128→128 layers went from 0.0213 to 0.0201 ms
    /// each with the AVX2 kernel. Zen 4 runs a 512-bit FMA as two 256-bit halves (its FMA peak is 117 GFLOP/s
    /// per core at either width), so there AVX-512 saves instructions, not FMA cycles. On a CPU with two 512-bit
    /// FMA units the balance differs: `benchmark --kernels` prints the table this rule comes from.
    package func pointwise(inChannels: Int, outChannels: Int) -> KernelSet {
        self == .avx512 && inChannels >= 128 && outChannels >= 256 ? .avx512 : .avx2
    }

    static var environmentValue: String? { getenv(environmentVariable).map { String(cString: $0) } }
    static var supportedList: String { supported.map(\.rawValue).joined(separator: ", ") }
}

/// A bad `CLASSIFY_EMBED_KERNELS` value.
public struct KernelSetError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The CPU features the kernel choice depends on.
public struct CPUFeatureSet: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let avx2 = CPUFeatureSet(rawValue: Int32(CE_CPU_AVX2))
    public static let avx512 = CPUFeatureSet(rawValue: Int32(CE_CPU_AVX512F))
    public static let avx512VNNI = CPUFeatureSet(rawValue: Int32(CE_CPU_AVX512VNNI))
    public static let avx512BF16 = CPUFeatureSet(rawValue: Int32(CE_CPU_AVX512BF16))

    public var description: String {
        let names: [(CPUFeatureSet, String)] = [
            (.avx2, "avx2+fma"), (.avx512, "avx512f/bw/dq/vl"), (.avx512VNNI, "avx512vnni"),
            (.avx512BF16, "avx512bf16"),
        ]
        let present = names.filter { contains($0.0) }.map(\.1)
        return present.isEmpty ? "none of avx2/avx512" : present.joined(separator: " ")
    }
}
