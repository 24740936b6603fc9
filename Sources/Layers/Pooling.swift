import Engine

/// Global average pool `[N, C, H, W] → [N, C]`.
package final class GlobalAvgPool: Layer {
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var gradInput: Tensor?

    package init() {}

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        inputShape = x.shape
        let n = x[0]
        let c = x[1]
        let hw = x.count / (n * c)
        let y = Tensor.reuse(output, shape: [n, c])
        output = y
        DenseKernels.globalMean(x.data, planes: n * c, pixels: hw, into: y.data)
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        let dx = Tensor.reuse(gradInput, shape: inputShape)
        gradInput = dx
        let n = inputShape[0]
        let c = inputShape[1]
        let hw = dx.count / (n * c)
        let inv = 1 / Float(hw)
        for plane in 0..<(n * c) {
            let v = dy.data[plane] * inv
            (dx.data + plane * hw).update(repeating: v, count: hw)
        }
        return dx
    }
}

/// Flatten `[N, …] → [N, prod(…)]` (a view; NCHW order, so index = c·H·W + h·W + w).
package final class Flatten: Layer {
    private var inputShape: [Int] = []

    package init() {}

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        inputShape = x.shape
        return x.reshaped([x[0], x.count / x[0]])
    }

    package func backward(_ dy: Tensor) -> Tensor { dy.reshaped(inputShape) }
}

/// Inverted dropout: in training, zeroes each element with probability `p` and scales survivors by 1/(1-p);
/// identity in eval. Each training forward draws one key from the layer's seeded generator, and row r's mask
/// comes from (key, `firstRow` + r): a row gets the same mask whichever rank of a data-parallel job computes it.
package final class Dropout: Layer {
    package let p: Float
    package var generator: SeededGenerator
    /// The global batch index of the next forward's first row (data-parallel ranks each compute a slice).
    package var firstRow = 0
    private var mask: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var wasTraining = false

    package init(p: Float, seed: UInt64 = 0) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1)")
        self.p = p
        generator = SeededGenerator(seed: seed)
    }

    package func forward(_ x: Tensor, training: Bool) -> Tensor {
        wasTraining = training && p > 0
        guard wasTraining else { return x }
        let m = Tensor.reuse(mask, shape: x.shape)
        let y = Tensor.reuse(output, shape: x.shape)
        mask = m
        output = y
        let keep = 1 / (1 - p)
        let key = generator.next()
        let rows = x[0]
        let width = x.count / max(rows, 1)
        for row in 0..<rows {
            var rowGenerator = SeededGenerator(seed: key ^ (UInt64(firstRow + row) &* 0x9E37_79B9_7F4A_7C15))
            for i in (row * width)..<((row + 1) * width) {
                let k: Float = rowGenerator.uniform() >= p ? keep : 0
                m.data[i] = k
                y.data[i] = x.data[i] * k
            }
        }
        return y
    }

    package func backward(_ dy: Tensor) -> Tensor {
        guard wasTraining, let m = mask else { return dy }
        let dx = Tensor.reuse(gradInput, shape: dy.shape)
        gradInput = dx
        for i in 0..<dy.count { dx.data[i] = dy.data[i] * m.data[i] }
        return dx
    }
}
