#if MPI
import Foundation
import TestSupport
import XCTest

/// `mpirun -np W classify-and-embed evaluate`: the ranks split the rows and the all-pairs verification, and
/// rank 0's report.json is byte for byte the one process's.
final class ShardedEvaluateMPITests: XCTestCase {
    func testRanksWriteTheOneProcessReport() throws {
        let folder = try TemporaryDirectory(prefix: "sharded-evaluate")
        let model = PackagePaths.shippedModel.path
        let split = SyntheticData.sharedFolder.appendingPathComponent("val.csv").path
        func evaluate(_ output: String) -> [String] {
            ["evaluate", "--model", model, "--split", split, "--out", folder.file(output).path]
        }
        let alone = try runProcess(try MPIRun.tool, evaluate("one"), timeout: 300)
        XCTAssertEqual(alone.status, 0, "\(alone)")
        let reference = try Data(contentsOf: folder.file("one/report.json"))
        for ranks in [2, 3] {
            let sharded = try runProcess(
                URL(fileURLWithPath: "/usr/bin/mpirun"), try MPIRun.arguments(ranks: ranks, evaluate("ranks\(ranks)")),
                timeout: 300)
            XCTAssertEqual(sharded.status, 0, "\(sharded)")
            let report = try Data(contentsOf: folder.file("ranks\(ranks)/report.json"))
            XCTAssertEqual(
                String(decoding: report, as: UTF8.self), String(decoding: reference, as: UTF8.self),
                "report.json of \(ranks) ranks")
            XCTAssertEqual(
                sharded.stdout.components(separatedBy: "AUROC").count,
                alone.stdout.components(separatedBy: "AUROC").count,
                "one summary, printed by rank 0: \(sharded.stdout)")
        }
    }
}
#endif
