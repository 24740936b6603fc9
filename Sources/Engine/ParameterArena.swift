/// How a parameter's values are initialised when the arena is sealed.
package enum ParameterInit: Sendable {
    case zeros
    case ones
    case constant(Float)
    /// Normal(0, std²).
    case normal(std: Float)
    /// Kaiming/He normal for ReLU-family activations: std = sqrt(2 / fanIn).
    case kaimingNormal(fanIn: Int)
    /// Uniform(-bound, bound) (PyTorch's default for Linear: bound = 1/sqrt(fanIn)).
    case uniform(bound: Float)
}

/// One trainable tensor: a named slice of the arena's flat buffers.
package final class Parameter {
    package let name: String
    package let shape: [Int]
    package let offset: Int
    package let count: Int
    /// Whether AdamW applies weight decay (off for norms and biases by convention).
    package let decay: Bool
    fileprivate let initializer: ParameterInit
    /// The arena's buffers, set by `seal` (kept here so a parameter never outlives its memory).
    fileprivate var values: AlignedStorage?
    fileprivate var grads: AlignedStorage?

    fileprivate init(name: String, shape: [Int], offset: Int, decay: Bool, initializer: ParameterInit) {
        self.name = name
        self.shape = shape
        self.offset = offset
        self.count = shape.reduce(1, *)
        self.decay = decay
        self.initializer = initializer
    }

    private static func sealed(_ storage: AlignedStorage?, _ name: String) -> AlignedStorage {
        guard let storage else { fatalError("parameter \(name) used before its arena was sealed") }
        return storage
    }

    package var valuePointer: UnsafeMutablePointer<Float> { Self.sealed(values, name).pointer + offset }
    package var gradPointer: UnsafeMutablePointer<Float> { Self.sealed(grads, name).pointer + offset }
    package var value: Tensor { Tensor(viewing: valuePointer, shape: shape, owner: values) }
    package var grad: Tensor { Tensor(viewing: gradPointer, shape: shape, owner: grads) }
}

/// Every parameter, gradient and optimizer moment of a model in four parallel flat buffers, so that the
/// optimizer, gradient clipping, zeroing and checkpointing are single loops over contiguous memory.
///
/// Two phases: layers `declare` their parameters while the model is built, then `seal` allocates the
/// buffers and runs the initialisers. Parameter values are only readable after `seal`.
package final class ParameterArena {
    package private(set) var parameters: [Parameter] = []
    package private(set) var count = 0
    package private(set) var isSealed = false
    package private(set) var values: AlignedStorage?
    package private(set) var grads: AlignedStorage?
    /// AdamW first and second moments.
    package private(set) var moment1: AlignedStorage?
    package private(set) var moment2: AlignedStorage?
    private var byName: [String: Parameter] = [:]

    package init() {}

    /// Declares a parameter; returns its handle (values readable after `seal`).
    package func declare(_ name: String, shape: [Int], initializer: ParameterInit, decay: Bool = true) -> Parameter {
        precondition(!isSealed, "declare(\(name)) after the arena was sealed")
        precondition(byName[name] == nil, "parameter \(name) declared twice")
        // Align every parameter to 16 floats (64 bytes) so each slice starts on a cache line.
        let offset = (count + 15) & ~15
        let p = Parameter(name: name, shape: shape, offset: offset, decay: decay, initializer: initializer)
        parameters.append(p)
        byName[name] = p
        count = offset + p.count
        return p
    }

    package subscript(name: String) -> Parameter? { byName[name] }

    /// Allocates the buffers and initialises every parameter with a generator seeded by `seed`.
    package func seal(seed: UInt64 = 0) {
        precondition(!isSealed, "arena sealed twice")
        values = AlignedStorage(count: count)
        grads = AlignedStorage(count: count)
        moment1 = AlignedStorage(count: count)
        moment2 = AlignedStorage(count: count)
        isSealed = true
        for p in parameters {
            p.values = values
            p.grads = grads
        }
        var rng = SeededGenerator(seed: seed)
        for p in parameters {
            let v = p.valuePointer
            switch p.initializer {
            case .zeros: v.update(repeating: 0, count: p.count)
            case .ones: v.update(repeating: 1, count: p.count)
            case .constant(let c): v.update(repeating: c, count: p.count)
            case .normal(let std): for i in 0..<p.count { v[i] = rng.normal() * std }
            case .kaimingNormal(let fanIn):
                let std = (2 / Float(max(fanIn, 1))).squareRoot()
                for i in 0..<p.count { v[i] = rng.normal() * std }
            case .uniform(let bound): for i in 0..<p.count { v[i] = (rng.uniform() * 2 - 1) * bound }
            }
        }
    }

    fileprivate func pointer(_ buffer: KeyPath<ParameterArena, AlignedStorage?>) -> UnsafeMutablePointer<Float> {
        guard let storage = self[keyPath: buffer] else { fatalError("ParameterArena used before seal()") }
        return storage.pointer
    }

    package var valuesPointer: UnsafeMutablePointer<Float> { pointer(\.values) }
    package var gradsPointer: UnsafeMutablePointer<Float> { pointer(\.grads) }
    package var moment1Pointer: UnsafeMutablePointer<Float> { pointer(\.moment1) }
    package var moment2Pointer: UnsafeMutablePointer<Float> { pointer(\.moment2) }

    /// Sets every gradient to zero (one loop).
    package func zeroGrads() { gradsPointer.update(repeating: 0, count: count) }

    /// Global L2 norm of all gradients (blocks of 4096 summed in Double, in a fixed order).
    package func gradNorm() -> Double {
        let g = SendablePointer(gradsPointer)
        let n = count
        let blocks = (n + 4095) / 4096
        var partials = [Double](repeating: 0, count: blocks)
        partials.withUnsafeMutableBufferPointer { pb in
            let pp = SendablePointer(pb.baseAddress!)
            Parallel.forEach(blocks, minimumPerWorker: 16) { b in
                let lo = b * 4096
                let len = min(4096, n - lo)
                pp.pointer[b] = Double(Vectorized.dot(g.pointer + lo, g.pointer + lo, len))
            }
        }
        return partials.reduce(0, +).squareRoot()
    }

    /// Scales all gradients so that their global norm is at most `maxNorm` (PyTorch `clip_grad_norm_`:
    /// factor maxNorm / (norm + 1e-6), applied only when below 1). Returns the norm before clipping.
    @discardableResult
    package func clipGradNorm(maxNorm: Double) -> Double {
        let norm = gradNorm()
        let factor = maxNorm / (norm + 1e-6)
        if factor < 1 {
            let f = Float(factor)
            let g = gradsPointer
            for i in 0..<count { g[i] *= f }
        }
        return norm
    }

    /// Contiguous runs of parameters sharing one weight-decay setting, as ranges into the flat buffers.
    package var decayRuns: [(range: Range<Int>, decay: Bool)] {
        var runs: [(range: Range<Int>, decay: Bool)] = []
        for p in parameters {
            let r = p.offset..<(p.offset + p.count)
            if let last = runs.last, last.decay == p.decay {
                runs[runs.count - 1] = (last.range.lowerBound..<r.upperBound, p.decay)
            } else {
                runs.append((r, p.decay))
            }
        }
        return runs
    }
}
