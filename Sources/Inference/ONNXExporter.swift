import Engine
import Foundation
import Model
import ONNXProto
import SwiftProtobuf

/// Writes a model as ONNX (opset 17): input `image` `[batch, 3, H, W]` (preprocessed exactly as the model's
/// preprocessing contract says), outputs `probabilities` `[batch, K]` and `embedding` `[batch, D]`
/// (L2-normalised). The backbone and the classification head are written from `FoldedLCNet` (BatchNorm
/// already folded), the embedding neck from the model file's tensors by their names.
package struct ONNXExporter {
    package let predictor: Predictor
    private var graph = Onnx_GraphProto()
    private var counter = 0

    package init(predictor: Predictor) {
        self.predictor = predictor
    }

    /// The serialised model.
    package mutating func export() throws -> Data {
        let spec = predictor.spec
        let pre = predictor.preprocessing
        graph.name = "classify_embed"
        graph.input = [valueInfo("image", ["batch", 3, pre.height, pre.width])]
        var x = "image"
        for op in predictor.network.ops { x = emit(op, x) }
        let features = x
        let embedding = try neck(features)
        let probabilities = try classifier(features)
        _ = node("LpNormalization", [embedding], output: "embedding", attributes: [int("axis", 1), int("p", 2)])
        _ = node("Identity", [probabilities], output: "probabilities")
        graph.output = [
            valueInfo("probabilities", ["batch", predictor.classNames.count]),
            valueInfo("embedding", ["batch", spec.embeddingSize]),
        ]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "classify-embed"
        model.producerVersion = ModelFile.format
        model.docString =
            "ClassifyEmbed two-head LCNet050; classes: \(predictor.classNames.joined(separator: ", ")); model id \(predictor.modelID)"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = 17
        model.opsetImport = [opset]
        var meta = Onnx_StringStringEntryProto()
        meta.key = "class_names"
        meta.value = predictor.classNames.joined(separator: ",")
        model.metadataProps = [meta]
        model.graph = graph
        return try model.serializedData()
    }

    // MARK: backbone

    private mutating func emit(_ op: FoldedLCNet.Op, _ x: String) -> String {
        switch op {
        case .conv(let c):
            let y = conv(
                x, weight: c.weight, bias: c.bias, shape: [c.outChannels, c.inChannels, c.kernel, c.kernel],
                stride: c.stride, group: 1)
            return node("HardSwish", [y])
        case .depthwise(let d):
            let y = conv(
                x, weight: d.weight, bias: d.bias, shape: [d.channels, 1, d.kernel, d.kernel], stride: d.stride,
                group: d.channels)
            return node("HardSwish", [y])
        case .se(let s):
            let pooled = node("GlobalAveragePool", [x])
            let r = conv(
                pooled, weight: s.reduceWeight, bias: s.reduceBias, shape: [s.reduced, s.channels, 1, 1], stride: 1,
                group: 1)
            let e = conv(
                node("Relu", [r]), weight: s.expandWeight, bias: s.expandBias, shape: [s.channels, s.reduced, 1, 1],
                stride: 1, group: 1)
            let gate = node("HardSigmoid", [e], attributes: [float("alpha", 1.0 / 6), float("beta", 0.5)])
            return node("Mul", [x, gate])
        }
    }

    private mutating func conv(
        _ x: String, weight: [Float], bias: [Float]?, shape: [Int], stride: Int, group: Int
    ) -> String {
        let k = shape[2]
        let pad = k / 2
        var inputs = [x, initializer(weight, shape)]
        if let bias { inputs.append(initializer(bias, [shape[0]])) }
        return node(
            "Conv", inputs,
            attributes: [
                ints("kernel_shape", [k, k]), ints("strides", [stride, stride]),
                ints("pads", [pad, pad, pad, pad]), int("group", group),
            ])
    }

    // MARK: heads

    private func shape(_ name: String) throws -> [Int] { try predictor.weights.floats(name).shape }

    private func values(_ name: String) throws -> [Float] { try predictor.weights.floats(name).values }

    private mutating func neck(_ features: String) throws -> String {
        let spec = predictor.spec
        var x = features
        switch spec.neck {
        case .flatten: break
        case .squeeze:
            let w = try shape("neck.squeeze.weight")
            x = conv(
                x, weight: try values("neck.squeeze.weight"),
                bias: !predictor.weights.contains("neck.squeeze.bias") ? nil : try values("neck.squeeze.bias"),
                shape: [w[0], w[1], 1, 1], stride: 1, group: 1)
        case .gap: x = node("GlobalAveragePool", [x])
        }
        x = node("Flatten", [x], attributes: [int("axis", 1)])
        for i in 1...2 {
            let w = try shape("neck.fc\(i).weight")
            x = node(
                "Gemm", [x, initializer(try values("neck.fc\(i).weight"), [w[0], w[1]])], attributes: [int("transB", 1)]
            )
            if spec.neckNorm == .ln || spec.neckNorm == .lnbn {
                let d = w[0]
                x = node(
                    "LayerNormalization",
                    [
                        x, initializer(try values("neck.norm\(i).weight"), [d]),
                        initializer(try values("neck.norm\(i).bias"), [d]),
                    ],
                    attributes: [int("axis", -1), float("epsilon", 1e-5)])
            }
            if spec.neckNorm == .bn || spec.neckNorm == .lnbn {
                let (scale, shift) = try FoldedLCNet.foldedBatchNorm(predictor.weights, "neck.bn\(i)", channels: w[0])
                x = node(
                    "Add", [node("Mul", [x, initializer(scale, [scale.count])]), initializer(shift, [shift.count])])
            }
        }
        return x
    }

    /// The classification head as the folded network runs it: its 1×1 conv with BatchNorm folded in,
    /// hard-swish, global mean, Linear.
    private mutating func classifier(_ features: String) throws -> String {
        guard let head = predictor.network.classifier else {
            throw PredictorError("ONNX export: the model has no classification head")
        }
        let c = head.conv
        var x = conv(
            features, weight: c.weight, bias: c.bias, shape: [c.outChannels, c.inChannels, 1, 1], stride: 1, group: 1)
        x = node("Flatten", [node("GlobalAveragePool", [node("HardSwish", [x])])], attributes: [int("axis", 1)])
        let logits = node(
            "Gemm",
            [x, initializer(head.fcWeight, [head.outputs, c.outChannels]), initializer(head.fcBias, [head.outputs])],
            attributes: [int("transB", 1)])
        if predictor.spec.classMode != .binary { return node("Softmax", [logits], attributes: [int("axis", 1)]) }
        let p = node("Sigmoid", [logits])
        let q = node("Sub", [initializer([1], [1]), p])
        let positiveFirst =
            predictor.spec.classNames.count == 2 && predictor.spec.positiveClass == predictor.spec.classNames[0]
        return node("Concat", positiveFirst ? [p, q] : [q, p], attributes: [int("axis", 1)])
    }

    // MARK: graph building

    private mutating func fresh(_ base: String) -> String {
        counter += 1
        return "\(base)_\(counter)"
    }

    private mutating func node(
        _ op: String, _ inputs: [String], output: String? = nil, attributes: [Onnx_AttributeProto] = []
    ) -> String {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = fresh(op.lowercased())
        n.input = inputs
        n.output = [output ?? n.name + "_out"]
        n.attribute = attributes
        graph.node.append(n)
        return n.output[0]
    }

    private mutating func initializer(_ values: [Float], _ shape: [Int]) -> String {
        var t = Onnx_TensorProto()
        t.name = fresh("w")
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dims = shape.map(Int64.init)
        t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        graph.initializer.append(t)
        return t.name
    }

    private func valueInfo(_ name: String, _ dims: [Any]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let s = d as? String { dim.dimParam = s } else if let i = d as? Int { dim.dimValue = Int64(i) }
            return dim
        }
        t.shape = shape
        v.type.tensorType = t
        return v
    }

    private func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }
    private func ints(_ name: String, _ value: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = value.map(Int64.init)
        return a
    }
    private func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }
}
