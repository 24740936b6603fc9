/// The ranks of one job and the collective operations they share: what data-parallel training and sharded
/// evaluation need of MPI, and nothing more.
///
/// Every rank calls the same collectives in the same order with the same counts; each call returns when
/// every rank has contributed. Results are the same, bit for bit, on every rank (sums are formed in one place
/// and handed out), so replicated state stays replicated without being compared.
///
/// Implementations: `SingleProcessCommunicator` (one rank: every collective is the identity),
/// `LocalRankGroup` (ranks as threads of one process: the reference the MPI runs are tested against) and the
/// MPI one of the `ClassifyEmbed` module (built with the package trait `MPI`).
package protocol Communicator: AnyObject, Sendable {
    /// This process's (or thread's) place in the job, 0 ..< size.
    var rank: Int { get }
    /// How many ranks take part.
    var size: Int { get }
    /// Replaces `buffer[0..<count]` on every rank with its element-wise sum over the ranks.
    func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int)
    /// The same in double precision (statistics, counts, losses).
    func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int)
    /// Replaces `buffer[0..<count]` with its element-wise maximum over the ranks.
    func allReduceMax(_ buffer: UnsafeMutablePointer<Double>, count: Int)
    /// Writes every rank's `count` values into `result` (`size · count` values, rank 0's first).
    func allGather(_ values: UnsafePointer<Double>, count: Int, into result: UnsafeMutablePointer<Double>)
    /// Every rank's `bytes` (any length, each rank its own), in rank order, on rank `root`; nil elsewhere.
    func gather(_ bytes: [UInt8], root: Int) -> [[UInt8]]?
    /// Every rank's `bytes`, in rank order, on every rank.
    func allGather(_ bytes: [UInt8]) -> [[UInt8]]
    /// Copies `bytes` bytes from rank `root`'s `buffer` into every other rank's.
    func broadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int)
    /// Returns when every rank has called it.
    func barrier()
}

extension Communicator {
    /// Rank 0 writes files, logs and validates; the others compute.
    package var isLeader: Bool { rank == 0 }

    /// The element-wise sums of `values` over the ranks.
    package func sum(_ values: [Double]) -> [Double] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { allReduceSum($0.baseAddress!, count: $0.count) }
        return copy
    }

    /// The element-wise maxima of `values` over the ranks.
    package func maximum(_ values: [Double]) -> [Double] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { allReduceMax($0.baseAddress!, count: $0.count) }
        return copy
    }

    /// The range of a global batch of `count` rows that this rank computes: contiguous, in rank order, the
    /// first `count % size` ranks one row longer.
    package func share(of count: Int) -> Range<Int> {
        let base = count / size
        let extra = count % size
        let lower = rank * base + min(rank, extra)
        return lower..<(lower + base + (rank < extra ? 1 : 0))
    }
}

/// One rank: the job is this process. Every collective leaves its data as it is.
package final class SingleProcessCommunicator: Communicator {
    package init() {}
    package var rank: Int { 0 }
    package var size: Int { 1 }
    package func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {}
    package func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) {}
    package func allReduceMax(_ buffer: UnsafeMutablePointer<Double>, count: Int) {}
    package func allGather(_ values: UnsafePointer<Double>, count: Int, into result: UnsafeMutablePointer<Double>) {
        result.update(from: values, count: count)
    }
    package func gather(_ bytes: [UInt8], root: Int) -> [[UInt8]]? { [bytes] }
    package func allGather(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    package func broadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int) {}
    package func barrier() {}
}
