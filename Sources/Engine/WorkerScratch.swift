/// One scratch buffer per parallel worker, grown on demand and kept between calls, so that the
/// steady-state training step allocates nothing.
package final class WorkerScratch {
    private var buffers: [AlignedStorage] = []

    package init() {}

    /// A buffer of at least `count` floats for `worker` (contents unspecified).
    package func buffer(_ worker: Int, count: Int) -> UnsafeMutablePointer<Float> {
        buffers[worker].pointer
    }

    /// Makes sure every worker has `count` floats; call before entering a parallel region.
    package func reserve(workers: Int, count: Int) {
        if buffers.count < workers || buffers.contains(where: { $0.count < count }) {
            buffers = (0..<workers).map { _ in AlignedStorage(count: count) }
        }
    }

    /// Zeroes the first `count` floats of every worker's buffer.
    package func zero(count: Int) {
        for b in buffers { b.pointer.update(repeating: 0, count: count) }
    }

    /// Adds elements `range` of every worker's buffer into `target[0..<range.count]`.
    package func sum(_ range: Range<Int>, into target: UnsafeMutablePointer<Float>) {
        for b in buffers {
            let p = b.pointer + range.lowerBound
            for i in 0..<range.count { target[i] += p[i] }
        }
    }
}
