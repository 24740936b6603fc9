import Engine

/// The distillation student's head: pooled backbone features `[N, in]` → `[N, out]` in the teacher's feature
/// space. `hidden` 0 is one Linear (`projector.fc`); otherwise Linear → hard-swish → Linear
/// (`projector.fc1`, `projector.fc2`), which lets the backbone keep features the teacher's space does not
/// need to express linearly. It is thrown away after distillation; only the backbone is kept.
package final class FeatureProjector: Layer {
    private let layers: [any Layer]

    package init(_ name: String, arena: ParameterArena, inFeatures: Int, outFeatures: Int, hidden: Int) {
        if hidden == 0 {
            layers = [Linear(join(name, "fc"), arena: arena, inFeatures: inFeatures, outFeatures: outFeatures)]
        } else {
            layers = [
                Linear(join(name, "fc1"), arena: arena, inFeatures: inFeatures, outFeatures: hidden),
                ActivationLayer(.hardSwish),
                Linear(join(name, "fc2"), arena: arena, inFeatures: hidden, outFeatures: outFeatures),
            ]
        }
    }

    package var parameters: [Parameter] { layers.flatMap(\.parameters) }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    package func backward(_ dy: Tensor) -> Tensor {
        layers.reversed().reduce(dy) { $1.backward($0) }
    }
}

/// The network `classify-and-embed distill` trains: the LCNet050 backbone (timm names, so the result loads as
/// `model.init`), global average pooling and a `FeatureProjector` to the teacher's `featureCount` features.
package final class DistillationStudent {
    package let arena: ParameterArena
    package let backbone: LCNetBackbone
    package let projector: FeatureProjector
    private let pool = GlobalAvgPool()

    package init(featureCount: Int, hidden: Int, seed: UInt64) {
        arena = ParameterArena()
        backbone = LCNetBackbone(arena: arena)
        projector = FeatureProjector(
            "projector", arena: arena, inFeatures: LCNetBackbone.outChannels, outFeatures: featureCount,
            hidden: hidden)
        arena.seal(seed: seed)
        backbone.computesInputGradient = false
    }

    /// The backbone's tensors (parameters and BatchNorm statistics) under timm's names.
    package var backboneTensors: [(name: String, tensor: Tensor)] { StateDict.tensors(of: backbone) }

    /// Everything a checkpoint saves: the backbone and the projector.
    package var namedTensors: [(name: String, tensor: Tensor)] {
        backboneTensors + StateDict.tensors(of: projector)
    }

    /// `[N, 3, H, W]` images → `[N, featureCount]` projected features (not normalised).
    package func forward(_ images: Tensor, training: Bool) -> Tensor {
        projector(pool(backbone(images, training: training), training: training), training: training)
    }

    /// Backward from the gradient of the projected features; adds into the arena's gradients.
    package func backward(_ dy: Tensor) {
        _ = backbone.backward(pool.backward(projector.backward(dy)))
    }
}
