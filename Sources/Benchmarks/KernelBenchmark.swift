import Engine

/// `benchmark --kernels`: the 1×1-convolution kernels of every kernel set this CPU supports, timed on one core
/// on LCNet050's shapes at 128×128 (the planes and borders the folded network uses), each against this core's
/// FMA peak at that set's vector width. It is what `KernelSet.pointwise(inChannels:outChannels:)` — which kernel a layer
/// runs — was decided from on one CPU; on another (a CPU with two 512-bit FMA units, an AVX2-only one) this
/// table says whether the rule still holds.
public struct KernelBenchmark: Sendable {
    /// Timed samples per shape and set (median reported); each sample repeats the layer for about a millisecond.
    public var samples = 15

    public init() {}

    /// One 1×1 convolution shape: `inChannels` → `outChannels` on a `side`×`side` plane whose output keeps a
    /// zero border of `pad` (for the depthwise layer after it).
    public struct Shape: Codable, Sendable, Equatable {
        public var inChannels: Int, outChannels: Int, side: Int, pad: Int
        public var multiplyAdds: Int { inChannels * outChannels * side * side }
        public var label: String { "\(inChannels)→\(outChannels) at \(side)×\(side)" }
    }

    /// LCNet050's 1×1 convolutions at 128×128, each distinct shape once (the five 128→128 layers are one).
    public static let lcnet050Shapes: [Shape] = [
        Shape(inChannels: 8, outChannels: 16, side: 64, pad: 1),
        Shape(inChannels: 16, outChannels: 32, side: 32, pad: 1),
        Shape(inChannels: 32, outChannels: 32, side: 32, pad: 1),
        Shape(inChannels: 32, outChannels: 64, side: 16, pad: 1),
        Shape(inChannels: 64, outChannels: 64, side: 16, pad: 1),
        Shape(inChannels: 64, outChannels: 128, side: 8, pad: 2),
        Shape(inChannels: 128, outChannels: 128, side: 8, pad: 2),
        Shape(inChannels: 128, outChannels: 256, side: 4, pad: 2),
        Shape(inChannels: 256, outChannels: 256, side: 4, pad: 0),
    ]

    public struct Row: Codable, Sendable {
        public var shape: Shape
        public var kernels: String
        public var milliseconds: Double
        /// GFLOP/s reached (a multiply-add counts two) and its share of the FMA peak at this set's width.
        public var gigaflops: Double
        public var percentOfPeak: Double
        /// Whether the folded network runs this set's kernel for this shape (under the set chosen at start-up).
        public var usedByNetwork: Bool
    }

    public struct Result: Codable, Sendable {
        /// One core's FMA peak per supported set (GFLOP/s), keyed by the set's name.
        public var fmaPeakGigaflops: [String: Double]
        public var rows: [Row]
        public var kernels = KernelSet.active.rawValue
        public var cpuFeatures = KernelSet.cpuFeatures.description
    }

    public func run(shapes: [Shape] = KernelBenchmark.lcnet050Shapes) -> Result {
        var peaks: [String: Double] = [:]
        for set in KernelSet.supported { peaks[set.rawValue] = FMAPeak.gigaflops(set) }
        var rows: [Row] = []
        for shape in shapes {
            let used = KernelSet.active.pointwise(inChannels: shape.inChannels, outChannels: shape.outChannels)
            for set in KernelSet.supported {
                let seconds = time(shape, set)
                let gigaflops = Double(2 * shape.multiplyAdds) / seconds / 1e9
                rows.append(
                    Row(
                        shape: shape, kernels: set.rawValue, milliseconds: seconds * 1000, gigaflops: gigaflops,
                        percentOfPeak: 100 * gigaflops / peaks[set.rawValue]!, usedByNetwork: set == used))
            }
        }
        return Result(fmaPeakGigaflops: peaks, rows: rows)
    }

    /// Median seconds of one forward pass of `shape` with `set`'s kernel, on the calling thread.
    func time(_ shape: Shape, _ set: KernelSet) -> Double {
        var rng = SeededGenerator(seed: UInt64(shape.multiplyAdds))
        let weight = (0..<(shape.inChannels * shape.outChannels)).map { _ in Float.random(in: -0.1...0.1, using: &rng) }
        let bias = (0..<shape.outChannels).map { _ in Float.random(in: -0.1...0.1, using: &rng) }
        let w = weight.withUnsafeBufferPointer {
            BlockedPointwiseWeights(
                weight: $0.baseAddress!, bias: bias, outChannels: shape.outChannels, inChannels: shape.inChannels,
                kernels: set)
        }
        let pixels = shape.side * shape.side
        let out = BlockedPlane(
            blocks: BlockedPlane.blocks(forChannels: shape.outChannels), height: shape.side, width: shape.side,
            pad: shape.pad)
        let x = AlignedStorage(count: BlockedPlane.blocks(forChannels: shape.inChannels) * 8 * pixels)
        for i in 0..<x.count { x.pointer[i] = Float.random(in: -1...1, using: &rng) }
        let y = AlignedStorage(count: out.blocks * out.blockFloats)
        let items = BlockedPointwise.items(w, pixels: pixels)
        // About a millisecond of work per sample at 50 GFLOP/s.
        let repeats = max(1, 25_000_000 / shape.multiplyAdds)
        var times: [Double] = []
        for sample in 0...max(1, samples) {
            let t0 = System.now()
            for _ in 0..<repeats {
                BlockedPointwise.forward(x: x.pointer, pixels: pixels, w, y: y.pointer, out: out, items: 0..<items)
            }
            // The first sample warms the caches and is not counted.
            if sample > 0 { times.append((System.now() - t0) / Double(repeats)) }
        }
        return times.sorted()[times.count / 2]
    }
}
