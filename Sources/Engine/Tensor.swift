/// A float32 tensor in NCHW (row-major) order: a shape plus a pointer into aligned storage.
///
/// `Tensor` is a view with reference semantics for its elements: copies share the same numbers. Layers own
/// their output tensors and overwrite them on every call while the shape stays the same.
package struct Tensor: @unchecked Sendable {
    package let storage: AlignedStorage?
    package let data: UnsafeMutablePointer<Float>
    package private(set) var shape: [Int]

    /// A new zero-filled tensor with its own storage.
    package init(shape: [Int]) {
        let storage = AlignedStorage(count: shape.reduce(1, *))
        self.storage = storage
        self.data = storage.pointer
        self.shape = shape
    }

    /// A new tensor holding `values` (count must match the shape).
    package init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "values \(values.count) do not fill shape \(shape)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A view of memory owned elsewhere (a `ParameterArena`, another tensor).
    package init(viewing data: UnsafeMutablePointer<Float>, shape: [Int], owner: AlignedStorage? = nil) {
        self.storage = owner
        self.data = data
        self.shape = shape
    }

    package var count: Int { shape.reduce(1, *) }
    package var rank: Int { shape.count }
    package subscript(dim: Int) -> Int { shape[dim] }

    /// The same elements seen with another shape of equal element count.
    package func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(viewing: data, shape: newShape, owner: storage)
    }

    package var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    package func fill(_ value: Float) { data.update(repeating: value, count: count) }
    package func copy(from other: Tensor) {
        precondition(other.count == count, "copy: \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    /// Returns `existing` when it already has `shape`, else a new tensor: how layers keep their buffers.
    package static func reuse(_ existing: Tensor?, shape: [Int]) -> Tensor {
        if let existing, existing.shape == shape { return existing }
        return Tensor(shape: shape)
    }
}
