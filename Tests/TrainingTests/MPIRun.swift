#if MPI
import Foundation
import TestSupport

/// `mpirun` of the built tool, with the settings the README recommends on one small host: one compute worker
/// per rank, ranks that yield while they wait, no single-copy shared-memory transport (refused in
/// containers), and root allowed (CI runs as root).
enum MPIRun {
    static var tool: URL {
        get throws {
            try BuiltProducts.executable(named: "classify-and-embed", environmentVariable: "CLASSIFY_EMBED_BIN")
        }
    }

    static func arguments(ranks: Int, _ command: [String]) throws -> [String] {
        [
            "--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)",
            "--mca", "btl_vader_single_copy_mechanism", "none", "--mca", "mpi_yield_when_idle", "1",
            "-x", "CLASSIFY_EMBED_THREADS=1", try tool.path,
        ] + command
    }

    static func train(
        config: URL, output: URL, ranks: Int, extra: [String] = [], timeout: TimeInterval = 300
    ) throws -> ProcessResult {
        try runProcess(
            URL(fileURLWithPath: "/usr/bin/mpirun"),
            try arguments(ranks: ranks, ["train", "--config", config.path, "--output", output.path] + extra),
            timeout: timeout)
    }
}
#endif
