import Engine
import Foundation
import Training

#if MPI
import CMPI
#endif

/// The job this process belongs to: alone, or one rank of an `mpirun` job (README, "Several processes and
/// machines (MPI)"). MPI is initialised only when a launcher started this process with more than one rank,
/// so a build with MPI runs alone exactly like one without it.
public enum ProcessGroup {
    /// Why a multi-rank job cannot start here.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The world size the launcher announced (Open MPI's `OMPI_COMM_WORLD_SIZE`), nil when started alone.
    public static var announcedSize: Int? {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap { Int($0) }
    }

    /// Whether this binary was built with the package trait `MPI`.
    public static var hasMPI: Bool {
        #if MPI
        return true
        #else
        return false
        #endif
    }

    nonisolated(unsafe) private static var joined: Communicator?

    /// This process's communicator (made once): MPI's world when `mpirun` started it with two ranks or
    /// more, otherwise a single process.
    package static func communicator() throws -> Communicator {
        if let joined { return joined }
        let made: Communicator
        if let size = announcedSize, size > 1 {
            #if MPI
            made = try MPICommunicator()
            #else
            throw Unavailable(
                description:
                    "started by mpirun as one of \(size) ranks, but this build has no MPI: build with "
                    + "`swift build -c release --traits MPI` after `Tools/setup --mpi` (README, \"Several processes "
                    + "and machines (MPI)\")")
            #endif
        } else {
            made = SingleProcessCommunicator()
        }
        joined = made
        return made
    }

    /// Ends MPI after a job that completed on every rank (no-op when alone).
    public static func finish() {
        #if MPI
        if joined is MPICommunicator { _ = ce_mpi_finalize() }
        #endif
    }

    /// Ends the whole job after `error`: one rank failing (a bad file, a checkpoint it cannot write) must not
    /// leave the others waiting in a collective, so the job is aborted with a message naming the rank. A stop
    /// on request (Ctrl-C, SIGTERM) reaches every rank at the same step: MPI then ends normally. Alone, it
    /// returns and the caller exits as usual.
    public static func end(after error: Error) {
        #if MPI
        guard let joined = joined as? MPICommunicator else { return }
        if case TrainingError.interrupted = error {
            _ = ce_mpi_finalize()
            return
        }
        FileHandle.standardError.write(
            Data("classify-and-embed: rank \(joined.rank) of \(joined.size) stops the job: \(error)\n".utf8))
        _ = ce_mpi_abort(1)
        #endif
    }
}

#if MPI
/// MPI's `MPI_COMM_WORLD` (Open MPI 4.1 from Debian). Errors are fatal (MPI's default handler): a failed
/// collective ends the job with MPI's message instead of returning a code we could only report.
final class MPICommunicator: Communicator, @unchecked Sendable {
    let rank: Int
    let size: Int
    /// MPI counts are `int`; longer buffers go in pieces of this many elements.
    private static let piece = 1 << 30

    init() throws {
        if ce_mpi_initialized() == 0 {
            var provided: Int32 = 0
            guard ce_mpi_init(&provided) == 0 else {
                throw ProcessGroup.Unavailable(description: "MPI_Init_thread failed (is this a rank of an mpirun job?)")
            }
            // The collectives come from the thread that initialised MPI.
            guard ce_mpi_thread_level_ok(provided) != 0 else {
                throw ProcessGroup.Unavailable(
                    description: "this MPI library grants no multi-threaded process (MPI_THREAD_FUNNELED); "
                        + "use Open MPI 4.1 or newer as built by Debian")
            }
        }
        rank = Int(ce_mpi_rank())
        size = Int(ce_mpi_size())
    }

    private func pieces(_ count: Int, _ body: (Int, Int32) -> Void) {
        var offset = 0
        while offset < count {
            let n = min(Self.piece, count - offset)
            body(offset, Int32(n))
            offset += n
        }
    }

    func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        pieces(count) { offset, n in _ = ce_mpi_allreduce_sum_float(buffer + offset, n) }
    }
    func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) {
        pieces(count) { offset, n in _ = ce_mpi_allreduce_sum_double(buffer + offset, n) }
    }
    func allReduceMax(_ buffer: UnsafeMutablePointer<Double>, count: Int) {
        pieces(count) { offset, n in _ = ce_mpi_allreduce_max_double(buffer + offset, n) }
    }
    func allGather(_ values: UnsafePointer<Double>, count: Int, into result: UnsafeMutablePointer<Double>) {
        precondition(count * size < Self.piece, "allGather of \(count) values per rank is too long for one call")
        _ = ce_mpi_allgather_double(values, Int32(count), result)
    }
    /// Each rank's byte count, then one `MPI_Gatherv`/`MPI_Allgatherv` (MPI's `int` displacements: up to 2 GiB
    /// in all).
    private func layout(_ bytes: [UInt8]) -> (counts: [Int32], displacements: [Int32], total: Int) {
        var count = Double(bytes.count)
        var counts = [Double](repeating: 0, count: size)
        counts.withUnsafeMutableBufferPointer { allGather(&count, count: 1, into: $0.baseAddress!) }
        let total = Int(counts.reduce(0, +))
        precondition(total < Int(Int32.max), "a gather of \(total) bytes is more than MPI's int counts can address")
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<size { displacements[r] = displacements[r - 1] + Int32(counts[r - 1]) }
        return (counts.map { Int32($0) }, displacements, total)
    }

    private static func split(_ all: [UInt8], _ counts: [Int32], _ displacements: [Int32]) -> [[UInt8]] {
        zip(counts, displacements).map { Array(all[Int($1)..<Int($1 + $0)]) }
    }

    func gather(_ bytes: [UInt8], root: Int) -> [[UInt8]]? {
        let (counts, displacements, total) = layout(bytes)
        var all = [UInt8](repeating: 0, count: rank == root ? max(total, 1) : 1)
        bytes.withUnsafeBytes { send in
            all.withUnsafeMutableBytes { receive in
                _ = ce_mpi_gatherv_bytes(
                    send.baseAddress, Int32(bytes.count), receive.baseAddress, counts, displacements, Int32(root))
            }
        }
        return rank == root ? Self.split(all, counts, displacements) : nil
    }

    func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        let (counts, displacements, total) = layout(bytes)
        var all = [UInt8](repeating: 0, count: max(total, 1))
        bytes.withUnsafeBytes { send in
            all.withUnsafeMutableBytes { receive in
                _ = ce_mpi_allgatherv_bytes(
                    send.baseAddress, Int32(bytes.count), receive.baseAddress, counts, displacements)
            }
        }
        return Self.split(all, counts, displacements)
    }

    func broadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int) {
        pieces(bytes) { offset, n in _ = ce_mpi_bcast_bytes(buffer + offset, n, Int32(root)) }
    }
    func barrier() { _ = ce_mpi_barrier() }
}
#endif
