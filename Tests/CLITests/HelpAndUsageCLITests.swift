import Foundation
import TestSupport
import XCTest

/// `--help` everywhere, and usage errors.
final class HelpAndUsageCLITests: XCTestCase {
    static let subcommands = [
        "predict", "verify", "register", "match", "remove", "export", "gradcam", "train", "evaluate", "compare",
        "make-dataset", "benchmark",
    ]

    func testHelpOfEverySubcommand() throws {
        let top = try tool(["--help"])
        assertExit(top, 0)
        for name in Self.subcommands { XCTAssertTrue(top.stdout.contains(name), "\(name) missing from --help") }
        for name in Self.subcommands {
            let r = try tool([name, "--help"])
            assertExit(r, 0)
            XCTAssertTrue(r.stdout.contains("USAGE: classify-and-embed \(name)"), "\(name): \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("--help"), name)
        }
    }

    /// ArgumentParser's usage errors exit with EX_USAGE (64) and name the problem.
    func testUnknownFlagIsAUsageError() throws {
        let r = try tool(["predict", "Data/samples/screen_1.jpg", "--frobnicate"])
        assertExit(r, 64)
        XCTAssertTrue(r.stderr.contains("--frobnicate"), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)

        let bad = try tool(["Data/samples/screen_1.jpg", "--embedding", "everything"])
        assertExit(bad, 64)
        XCTAssertTrue(bad.stderr.contains("everything"), bad.stderr)

        let missing = try tool(["verify", "Data/samples/screen_1.jpg"])
        assertExit(missing, 64)
        XCTAssertTrue(missing.stderr.contains("<second>"), missing.stderr)
    }

    /// `predict` is the default subcommand, so an unknown subcommand name is taken for an image path: it
    /// fails as a missing file, named on stderr.
    func testUnknownSubcommandFails() throws {
        let r = try tool(["frobnicate"])
        assertFailure(r)
        XCTAssertTrue(r.stderr.contains("frobnicate"), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty, r.stdout)
    }

    /// No arguments at all: predict needs an image.
    func testNoArguments() throws {
        let r = try tool([])
        assertFailure(r)
        XCTAssertFalse(r.stderr.isEmpty)
    }
}
