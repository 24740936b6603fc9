import Engine

/// Named float tensors to build a network from: a model file, a checkpoint, or a model in memory.
/// The folded inference networks and the ONNX exporter read weights through this, so they never need
/// the training layers.
public protocol TensorSource {
    /// A short description of where the tensors come from (a file path), for error messages.
    var sourceName: String { get }
    /// Every tensor's name.
    var tensorNames: [String] { get }
    /// Whether a tensor of that name exists.
    func contains(_ name: String) -> Bool
    /// The tensor's shape and its values as float32, or an error naming the source and the tensor.
    func floats(_ name: String) throws -> (shape: [Int], values: [Float])
}

extension TensorSource {
    /// The values of `name`, checked to have `count` elements.
    public func floats(_ name: String, count: Int) throws -> [Float] {
        let (shape, values) = try floats(name)
        guard values.count == count else {
            throw ModelFileError.badTensor(
                file: sourceName, tensor: name, reason: "has shape \(shape), expected \(count) values")
        }
        return values
    }
}

extension SafeTensorsFile: TensorSource {
    public var sourceName: String { file }
    public var tensorNames: [String] { names }
    public func contains(_ name: String) -> Bool { entries[name] != nil }
}

/// Tensors held in memory by name (a model that is being trained, a converted checkpoint).
public struct NamedTensors: TensorSource {
    public var sourceName: String
    package var tensors: [String: Tensor]

    package init(_ named: [(name: String, tensor: Tensor)], sourceName: String = "model in memory") {
        self.sourceName = sourceName
        tensors = Dictionary(named.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    public var tensorNames: [String] { tensors.keys.sorted() }
    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let t = tensors[name] else {
            throw ModelFileError.badTensor(file: sourceName, tensor: name, reason: "missing")
        }
        return (t.shape, Array(UnsafeBufferPointer(start: t.data, count: t.count)))
    }
}
