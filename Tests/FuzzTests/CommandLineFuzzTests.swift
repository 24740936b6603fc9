import Foundation
import TestSupport
import XCTest

/// Mutated files handed to the built tool, each case in its own process with a timeout: the tool must
/// answer with an exit status and a message, never die of a signal or hang.
final class CommandLineFuzzTests: XCTestCase {
    func testTheToolNeverDiesOnMutatedInputs() throws {
        let tool = try BuiltProducts.executable(named: "classify-and-embed", environmentVariable: "CLASSIFY_EMBED_BIN")
        let temp = try TemporaryDirectory()
        let sample = [UInt8](try Data(contentsOf: PackagePaths.samples.appendingPathComponent("screen_1.jpg")))
        let model = [UInt8](try Data(contentsOf: PackagePaths.shippedModel))
        let pairs = "document_1.jpg | screen_1.jpg | 0\nscreen_1.jpg|screen_1.jpg|1\n"
        for name in ["document_1.jpg", "screen_1.jpg"] {
            try FileManager.default.copyItem(
                at: PackagePaths.samples.appendingPathComponent(name), to: temp.file(name))
        }
        _ = try temp.write("path|label|identity\ndocument_1.jpg|document|a\nscreen_1.jpg|screen|b\n", to: "split.csv")
        var mutator = Mutator(seed: 6)
        let cases = fuzzCases(default: 60, variable: "CLASSIFY_EMBED_FUZZ_CLI_CASES")
        var statuses: [Int32: Int] = [:]
        for i in 0..<cases {
            let arguments: [String]
            switch i % 3 {
            case 0:
                let image = try temp.write(Data(mutator.mutate(sample)), to: "case.jpg")
                arguments = [image.path, "--json"]
            case 1:
                let file = try temp.write(Data(mutator.mutate(model)), to: "case.safetensors")
                arguments = ["--model", file.path, temp.file("screen_1.jpg").path, "--json"]
            default:
                let file = try temp.write(Data(mutator.mutateText(pairs)), to: "pairs.txt")
                arguments = [
                    "evaluate", "--split", temp.file("split.csv").path, "--head", "embedding", "--pairs-file",
                    file.path,
                    "--out", temp.file("out").path,
                ]
            }
            let r = try runProcess(tool, arguments, currentDirectory: PackagePaths.root, timeout: 30)
            XCTAssertFalse(r.signalled, "case \(i): \(r)")
            XCTAssertFalse(r.timedOut, "case \(i): \(r)")
            XCTAssertTrue([0, 1, 2, 64].contains(r.status), "case \(i): \(r)")
            if r.status != 0 { XCTAssertFalse(r.stderr.isEmpty && r.stdout.isEmpty, "case \(i): a failure says why") }
            statuses[r.status, default: 0] += 1
        }
        print("fuzz command line: \(cases) cases, exit statuses \(statuses.sorted { $0.key < $1.key })")
    }
}
