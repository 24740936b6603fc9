import Foundation

/// Ranks as threads of one process, sharing memory: the single-process reference of a data-parallel job
/// (tests run one training step per thread and compare with the MPI job bit for bit) and a way to run the
/// collectives' users without MPI.
///
/// Sums are formed in rank order (rank 0's value, plus rank 1's, …) by every rank from the same inputs, so
/// every rank gets the same bits; with two ranks this is also what any MPI reduction gives (a + b = b + a).
package final class LocalRankGroup: @unchecked Sendable {
    package let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    /// Each rank's buffer during a collective.
    private var slots: [UnsafeMutableRawPointer?]
    /// Set when a rank's body threw: a rank still waiting in a collective would wait for ever.
    private var failed = false

    package init(size: Int) {
        precondition(size >= 1, "a group needs at least one rank")
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    /// One communicator per rank; rank r's must be used by one thread only.
    package func communicators() -> [Communicator] { (0..<size).map { LocalRankCommunicator(group: self, rank: $0) } }

    /// Runs `body(communicator)` on one thread per rank and returns their results in rank order (the first
    /// error thrown, if any, after every thread has ended).
    package func run<T>(_ body: @escaping @Sendable (Communicator) throws -> T) throws -> [T] {
        let ranks = communicators()
        let results = ResultSlots<T>(count: size)
        let done = DispatchGroup()
        for (rank, communicator) in ranks.enumerated() {
            done.enter()
            let thread = Thread {
                let result = Result { try body(communicator) }
                if case .failure = result { self.fail() }
                results.set(rank, result)
                done.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        return try results.values()
    }

    fileprivate func barrier() {
        condition.lock()
        let mine = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine {
                // MPI would end the job here (MPI_Abort); a hung test would say nothing.
                if failed { fatalError("LocalRankGroup: a rank threw while another waited in a collective") }
                condition.wait()
            }
        }
        condition.unlock()
    }

    private func fail() {
        condition.lock()
        failed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Publishes `pointer` as `rank`'s buffer and waits until every rank has published its own.
    fileprivate func publish(_ pointer: UnsafeMutableRawPointer, rank: Int) {
        condition.lock()
        slots[rank] = pointer
        condition.unlock()
        barrier()
    }

    fileprivate func slot<T>(_ rank: Int, as type: T.Type) -> UnsafeMutablePointer<T> {
        condition.lock()
        defer { condition.unlock() }
        return slots[rank]!.assumingMemoryBound(to: T.self)
    }
}

private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<T, Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<T, Error>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }
    func values() throws -> [T] { try results.map { try $0!.get() } }
}

private final class LocalRankCommunicator: Communicator, @unchecked Sendable {
    let group: LocalRankGroup
    let rank: Int
    var size: Int { group.size }

    init(group: LocalRankGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    /// Every rank combines all ranks' buffers in rank order into a private copy, then (after everyone has
    /// read) writes it back into its own buffer.
    private func reduce<T: FloatingPoint>(_ buffer: UnsafeMutablePointer<T>, count: Int, _ combine: (T, T) -> T) {
        group.publish(UnsafeMutableRawPointer(buffer), rank: rank)
        var result = [T](repeating: 0, count: count)
        let first = group.slot(0, as: T.self)
        for i in 0..<count { result[i] = first[i] }
        for other in 1..<size {
            let values = group.slot(other, as: T.self)
            for i in 0..<count { result[i] = combine(result[i], values[i]) }
        }
        group.barrier()
        result.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: count) }
        group.barrier()
    }

    func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) { reduce(buffer, count: count, +) }
    func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) { reduce(buffer, count: count, +) }
    func allReduceMax(_ buffer: UnsafeMutablePointer<Double>, count: Int) {
        reduce(buffer, count: count) { max($0, $1) }
    }

    func allGather(_ values: UnsafePointer<Double>, count: Int, into result: UnsafeMutablePointer<Double>) {
        group.publish(UnsafeMutableRawPointer(mutating: values), rank: rank)
        for other in 0..<size {
            (result + other * count).update(from: group.slot(other, as: Double.self), count: count)
        }
        group.barrier()
    }

    func gather(_ bytes: [UInt8], root: Int) -> [[UInt8]]? {
        let all = allGather(bytes)
        return rank == root ? all : nil
    }

    func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        // One byte more than the data, so that an empty share still has an address to publish.
        var mine = bytes + [0]
        var count = Double(bytes.count)
        var counts = [Double](repeating: 0, count: size)
        counts.withUnsafeMutableBufferPointer { allGather(&count, count: 1, into: $0.baseAddress!) }
        return mine.withUnsafeMutableBytes { buffer in
            group.publish(buffer.baseAddress!, rank: rank)
            let all = (0..<size).map { other in
                Array(UnsafeBufferPointer(start: group.slot(other, as: UInt8.self), count: Int(counts[other])))
            }
            group.barrier()
            return all
        }
    }

    func broadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int) {
        group.publish(buffer, rank: rank)
        if rank != root {
            buffer.copyMemory(from: UnsafeRawPointer(group.slot(root, as: UInt8.self)), byteCount: bytes)
        }
        group.barrier()
    }

    func barrier() { group.barrier() }
}
