import Dispatch
import Glibc
import Synchronization

/// A raw pointer that may cross into `concurrentPerform` workers. Workers write disjoint ranges.
package struct SendablePointer<T>: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<T>
    package init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// Work splitting over this machine's cores. OpenBLAS runs single-threaded (see `BLAS.configure`), so
/// our workers and BLAS threads never compete for the same core.
package enum Parallel {
    /// Number of workers used for data-parallel loops (the machine's active cores, at most 8).
    /// `CLASSIFY_EMBED_THREADS` overrides the default.
    nonisolated(unsafe) package static var workers: Int = {
        if let s = getenv("CLASSIFY_EMBED_THREADS"), let n = Int(String(cString: s)), n >= 1 { return min(n, 64) }
        return max(1, min(8, System.activeProcessorCount))
    }()

    /// Runs `body(worker, range)` over `0..<count` split into at most `workers` contiguous chunks.
    /// Below `minimumPerWorker` items per chunk it runs inline on the caller.
    package static func chunks(_ count: Int, minimumPerWorker: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let n = min(workers, max(1, count / max(1, minimumPerWorker)))
        if n <= 1 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: n) { w in
            let lo = count * w / n
            let hi = count * (w + 1) / n
            if lo < hi { body(w, lo..<hi) }
        }
    }

    /// Runs `body(worker, i)` for every `i` in `0..<count`, each worker taking the next index as it finishes
    /// one: on a shared machine one core may run slower for a while, and fixed halves would leave the other
    /// waiting. For items of ~0.1 ms and up (one sample through a network); cheaper items should use `chunks`.
    package static func dynamic(_ count: Int, _ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        let n = min(workers, count)
        if n <= 1 {
            for i in 0..<count { body(0, i) }
            return
        }
        let next = WorkCounter()
        DispatchQueue.concurrentPerform(iterations: n) { w in
            while true {
                let i = next.value.add(1, ordering: .relaxed).oldValue
                if i >= count { return }
                body(w, i)
            }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, chunked across workers.
    package static func forEach(_ count: Int, minimumPerWorker: Int = 1, _ body: (Int) -> Void) {
        chunks(count, minimumPerWorker: minimumPerWorker) { _, range in
            for i in range { body(i) }
        }
    }
}

/// A shared atomic index for `Parallel.dynamic`.
private final class WorkCounter: Sendable {
    let value = Atomic<Int>(0)
}
