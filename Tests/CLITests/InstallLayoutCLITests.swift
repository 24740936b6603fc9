import Foundation
import TestSupport
import XCTest

/// The built tool in an install's layout (what `Tools/install PREFIX` makes, without its release build):
/// `PREFIX/bin/classify-and-embed` and `PREFIX/share/classify-and-embed/default.safetensors`, run from `/`
/// with no Swift toolchain on PATH. It finds the installed model; `--model` and `$CLASSIFY_EMBED_MODEL` come
/// first; without a model the error lists every path tried.
final class InstallLayoutCLITests: XCTestCase {
    private func install() throws -> (prefix: TemporaryDirectory, binary: URL) {
        let prefix = try TemporaryDirectory(prefix: "classify-embed-prefix")
        // A copy, not a link: the tool resolves links to find where it really is.
        let binary = try prefix.copy(try Tool.executable(), to: "bin/classify-and-embed")
        return (prefix, binary)
    }

    private func run(
        _ binary: URL, _ arguments: [String], model: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProcessResult {
        let result = try runProcess(
            binary, arguments, currentDirectory: URL(fileURLWithPath: "/"),
            environment: ["CLASSIFY_EMBED_MODEL": model, "PATH": "/usr/bin:/bin"], timeout: 60)
        if result.timedOut { XCTFail("the tool hung: \(result)", file: file, line: line) }
        return result
    }

    func testInstalledToolFindsItsModelFromAnyFolder() throws {
        let (prefix, binary) = try install()
        try prefix.copy(Tool.shippedModel, to: "share/classify-and-embed/default.safetensors")
        let sample = Tool.samples.appendingPathComponent("screen_1.jpg").path
        let r = try run(binary, [sample, "--json"])
        assertExit(r, 0)
        XCTAssertEqual(try decodeLines(PredictionLine.self, r).first?.class, "screen")
    }

    func testModelOptionThenVariableComeFirst() throws {
        let (prefix, binary) = try install()
        let sample = Tool.samples.appendingPathComponent("document_1.jpg").path
        let missing = prefix.file("nowhere.safetensors").path
        // `--model` wins over a variable that names a missing file (the variable is never read).
        assertExit(try run(binary, ["--model", Tool.shippedModel.path, sample], model: missing), 0)
        assertExit(try run(binary, [sample], model: Tool.shippedModel.path), 0)
        let r = try run(binary, [sample], model: missing)
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("\(missing): no such model file"), r.stderr)
        XCTAssertTrue(r.stderr.contains("$CLASSIFY_EMBED_MODEL"), r.stderr)
    }

    func testWithoutAModelEveryPathTriedIsListed() throws {
        let (prefix, binary) = try install()
        let sample = Tool.samples.appendingPathComponent("document_1.jpg").path
        for arguments in [[sample], ["evaluate", "--split", "x.csv", "--out", prefix.file("eval").path]] {
            let r = try run(binary, arguments)
            assertFailure(r)
            let root = prefix.url.standardizedFileURL.path
            for tried in [
                root + "/share/classify-and-embed/default.safetensors", root + "/Data/models/default.safetensors",
            ] {
                XCTAssertTrue(r.stderr.contains(tried), "\(arguments): \(tried) in \(r.stderr)")
            }
            XCTAssertTrue(r.stderr.contains("Tools/install PREFIX"), r.stderr)
        }
    }
}
