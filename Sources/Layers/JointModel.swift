import Engine
import Model

/// Backbone + embedding neck + classification head. Backbone tensors keep timm's names; the heads are
/// under `neck.` and `cls_head.`.
package final class JointModel {
    package let spec: ModelSpec
    package let arena: ParameterArena
    package let backbone: LCNetBackbone
    package let neck: EmbeddingNeck
    package let classifier: ClassificationHead
    private var featureGradient: Tensor?

    package init(spec: ModelSpec, seed: UInt64 = 0) {
        precondition(spec.inputSize % spec.architecture.stride == 0, "input size must be a multiple of the stride")
        self.spec = spec
        arena = ParameterArena()
        backbone = LCNetBackbone(arena: arena)
        let side = spec.inputSize / 32
        neck = EmbeddingNeck(
            "neck", arena: arena, kind: spec.neck, norm: spec.neckNorm, dimension: spec.embeddingSize,
            inChannels: LCNetBackbone.outChannels, spatial: side * side)
        classifier = ClassificationHead(
            "cls_head", arena: arena, inChannels: LCNetBackbone.outChannels,
            hidden: spec.classHeadHidden, outputs: spec.classOutputs,
            dropout: spec.classHeadDropout, seed: seed &+ 17)
        arena.seal(seed: seed)
        backbone.computesInputGradient = false
    }

    /// The model a model file describes, with its tensors loaded (every missing, misshaped or unexpected
    /// tensor named).
    package convenience init(modelFile: ModelFile) throws {
        try self.init(spec: modelFile.spec, weights: modelFile.weights)
    }

    /// The model `spec` describes with its tensors read from `weights`.
    package convenience init(spec: ModelSpec, weights: TensorSource) throws {
        self.init(spec: spec)
        try StateDict.load(namedTensors, from: weights)
    }

    package var parts: [any Layer] { [backbone, neck, classifier] }

    /// Every BatchNorm of the three parts.
    package var batchNorms: [BatchNormAct2d] { backbone.batchNorms + neck.batchNorms + classifier.batchNorms }

    /// Synchronised BatchNorm over `group`'s ranks for every BatchNorm (nil: each rank's rows alone).
    package func synchronizeBatchNorm(over group: Communicator?) {
        for bn in batchNorms { bn.synchronization = group }
    }

    /// Every saved tensor: parameters and BatchNorm statistics, by name.
    package var namedTensors: [(name: String, tensor: Tensor)] { parts.flatMap { StateDict.tensors(of: $0) } }

    /// Forward pass: the (un-normalised) embedding `[N, D]` and class logits `[N, K]`.
    package func forward(_ images: Tensor, training: Bool) -> (embedding: Tensor, logits: Tensor) {
        let features = backbone(images, training: training)
        return (neck(features, training: training), classifier(features, training: training))
    }

    /// Backward from both heads' output gradients (either may be nil when that head has no loss); adds into
    /// the arena's gradients and returns the image gradient when the backbone computes it.
    @discardableResult
    package func backward(embeddingGradient: Tensor?, logitGradient: Tensor?) -> Tensor? {
        var total: Tensor?
        if let g = embeddingGradient { total = accumulate(neck.backward(g), into: total) }
        if let g = logitGradient { total = accumulate(classifier.backward(g), into: total) }
        guard let total else { return nil }
        return backbone.backward(total)
    }

    private func accumulate(_ g: Tensor, into total: Tensor?) -> Tensor {
        guard let total else {
            let t = Tensor.reuse(featureGradient, shape: g.shape)
            featureGradient = t
            t.copy(from: g)
            return t
        }
        for i in 0..<g.count { total.data[i] += g.data[i] }
        return total
    }
}
