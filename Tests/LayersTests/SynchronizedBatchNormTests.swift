import Engine
import Layers
import XCTest

/// Synchronised BatchNorm over two ranks (threads of this process), each holding half the rows, against one
/// BatchNorm over all rows (itself checked against finite differences in `LayerGradientTests`).
final class SynchronizedBatchNormTests: XCTestCase {
    func testTwoHalvesEqualTheWholeBatch() throws {
        for (shape, activation) in [([6, 5, 3, 3], Activation.hardSwish), ([8, 7], Activation.identity)] {
            let x = randomTensor(shape, seed: 11, scale: 2)
            let dy = randomTensor(shape, seed: 12)
            let gamma = randomTensor([shape[1]], seed: 13)
            let rows = shape[0]
            let perRow = x.count / rows
            // The whole batch in one layer.
            let wholeArena = ParameterArena()
            let whole = BatchNormAct2d("bn", arena: wholeArena, channels: shape[1], activation: activation)
            wholeArena.seal(seed: 5)
            whole.weight.valuePointer.update(from: gamma.data, count: shape[1])
            let y = whole.forward(x, training: true)
            let dx = whole.backward(dy)
            let weightGrad = Array(UnsafeBufferPointer(start: whole.weight.gradPointer, count: shape[1]))
            let biasGrad = Array(UnsafeBufferPointer(start: whole.bias.gradPointer, count: shape[1]))
            // Two ranks, rows split 0..<r and r..<rows (uneven when rows is odd).
            let results = try LocalRankGroup(size: 2).run { group -> ([Float], [Float], [Float], [Float], [Float]) in
                let share = group.share(of: rows)
                var half = shape
                half[0] = share.count
                let xs = Tensor(shape: half)
                xs.data.update(from: x.data + share.lowerBound * perRow, count: share.count * perRow)
                let dys = Tensor(shape: half)
                dys.data.update(from: dy.data + share.lowerBound * perRow, count: share.count * perRow)
                let arena = ParameterArena()
                let bn = BatchNormAct2d("bn", arena: arena, channels: shape[1], activation: activation)
                arena.seal(seed: 5)
                bn.weight.valuePointer.update(from: gamma.data, count: shape[1])
                bn.synchronization = group
                let ys = bn.forward(xs, training: true)
                let dxs = bn.backward(dys)
                return (
                    Array(UnsafeBufferPointer(start: ys.data, count: ys.count)),
                    Array(UnsafeBufferPointer(start: dxs.data, count: dxs.count)),
                    Array(UnsafeBufferPointer(start: bn.weight.gradPointer, count: shape[1])),
                    Array(UnsafeBufferPointer(start: bn.bias.gradPointer, count: shape[1])),
                    Array(UnsafeBufferPointer(start: bn.runningVar.data, count: shape[1]))
                )
            }
            let joinedY = results[0].0 + results[1].0
            let joinedDx = results[0].1 + results[1].1
            for i in 0..<x.count {
                XCTAssertEqual(joinedY[i], y.data[i], accuracy: 1e-5, "output \(i) of \(shape)")
                XCTAssertEqual(joinedDx[i], dx.data[i], accuracy: 1e-5, "input gradient \(i) of \(shape)")
            }
            for ch in 0..<shape[1] {
                // Each rank holds its own rows' share of dγ and dβ: the trainer's all-reduce adds them.
                XCTAssertEqual(results[0].2[ch] + results[1].2[ch], weightGrad[ch], accuracy: 1e-4, "dγ \(ch)")
                XCTAssertEqual(results[0].3[ch] + results[1].3[ch], biasGrad[ch], accuracy: 1e-4, "dβ \(ch)")
                XCTAssertEqual(results[0].4[ch], whole.runningVar.data[ch], accuracy: 1e-5, "running var \(ch)")
                XCTAssertEqual(results[0].4[ch].bitPattern, results[1].4[ch].bitPattern, "ranks agree on \(ch)")
            }
        }
    }
}
