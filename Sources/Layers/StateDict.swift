import Engine
import Foundation
import Model

/// Problems loading named tensors into a model, every offending key listed.
package enum StateDictError: Error, CustomStringConvertible, Equatable {
    case mismatch(file: String, missing: [String], misshaped: [String], unexpected: [String])

    package var description: String {
        guard case .mismatch(let file, let missing, let misshaped, let unexpected) = self else { return "" }
        var lines = ["\(file): the weights do not fit this model."]
        if !missing.isEmpty { lines.append("  missing keys: " + missing.joined(separator: ", ")) }
        if !misshaped.isEmpty { lines.append("  wrong shapes: " + misshaped.joined(separator: "; ")) }
        if !unexpected.isEmpty { lines.append("  unexpected keys: " + unexpected.joined(separator: ", ")) }
        lines.append("  Check that the file was saved from the same architecture (timm lcnet_050 names).")
        return lines.joined(separator: "\n")
    }
}

/// Named tensors of a layer (parameters and buffers) as PyTorch's `state_dict` names them.
package enum StateDict {
    package static func tensors(of layer: any Layer) -> [(name: String, tensor: Tensor)] {
        layer.parameters.map { ($0.name, $0.value) } + layer.buffers
    }

    /// Copies `prefix + name` from `file` into every parameter and buffer of `layer`. Keys of the file under
    /// `prefix` that the layer does not have are errors unless they start with one of `ignoring`.
    /// All problems are collected and thrown together.
    package static func load(
        _ layer: any Layer, from file: TensorSource, prefix: String = "",
        ignoring: [String] = []
    ) throws {
        try load(tensors(of: layer), from: file, prefix: prefix, ignoring: ignoring)
    }

    /// The same for an explicit list of named tensors (a model made of several layers).
    package static func load(
        _ named: [(name: String, tensor: Tensor)], from file: TensorSource, prefix: String = "",
        ignoring: [String] = []
    ) throws {
        var missing: [String] = []
        var misshaped: [String] = []
        var wanted = Set<String>()
        var loads: [(Tensor, [Float])] = []
        for (name, tensor) in named {
            let key = prefix + name
            wanted.insert(key)
            guard file.contains(key) else {
                missing.append(key)
                continue
            }
            let (shape, values) = try file.floats(key)
            guard shape.reduce(1, *) == tensor.count, shape == tensor.shape || (shape.isEmpty && tensor.count == 1)
            else {
                misshaped.append("\(key) is \(shape), expected \(tensor.shape)")
                continue
            }
            loads.append((tensor, values))
        }
        let unexpected = file.tensorNames.filter { key in
            key.hasPrefix(prefix) && !wanted.contains(key)
                && !ignoring.contains(where: { String(key.dropFirst(prefix.count)).hasPrefix($0) })
        }.sorted()
        guard missing.isEmpty, misshaped.isEmpty, unexpected.isEmpty else {
            throw StateDictError.mismatch(
                file: file.sourceName, missing: missing, misshaped: misshaped, unexpected: unexpected)
        }
        for (tensor, values) in loads {
            values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }

    /// Adds every parameter and buffer of `layer` to `writer` (`num_batches_tracked` as I64, like PyTorch).
    package static func add(_ layer: any Layer, to writer: inout SafeTensorsWriter, prefix: String = "") {
        for (name, tensor) in tensors(of: layer) {
            if name.hasSuffix("num_batches_tracked") {
                writer.add(prefix + name, int64: Int64(tensor.data[0]))
            } else {
                writer.add(prefix + name, tensor)
            }
        }
    }
}
