import Engine

/// A differentiable building block with explicit, llm.c-style passes over contiguous float buffers.
///
/// `forward` keeps whatever the backward pass needs (a reference to its input, batch statistics) and
/// returns an output tensor the layer owns and reuses across calls of the same shape. `backward` takes the
/// gradient of the loss with respect to that output, **adds** parameter gradients into the arena, and
/// returns the gradient with respect to the input (also layer-owned). Call `backward` only after a
/// `forward`, and before the next one.
package protocol Layer: AnyObject {
    func forward(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ dy: Tensor) -> Tensor
    /// Trainable parameters, in declaration order.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the model (BatchNorm running statistics), by full name.
    var buffers: [(name: String, tensor: Tensor)] { get }
}

extension Layer {
    package var parameters: [Parameter] { [] }
    package var buffers: [(name: String, tensor: Tensor)] { [] }

    package func callAsFunction(_ x: Tensor, training: Bool = false) -> Tensor {
        forward(x, training: training)
    }
}

/// Joins a module path and a leaf name the way PyTorch's `state_dict` does.
@inline(__always)
package func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }
