import Foundation
import TestSupport
import XCTest

/// "Did you mean" for mistyped subcommands and options.
final class SuggestionCLITests: XCTestCase {
    /// `verfy a b` is a mistyped `verify`, not three images for the default `predict`: a usage error (64)
    /// that suggests the subcommand, with nothing on stdout.
    func testMistypedSubcommandIsSuggested() throws {
        for (typed, meant) in [
            ("verfy", "verify"), ("predcit", "predict"), ("evalute", "evaluate"), ("trian", "train"),
        ] {
            let r = try tool([typed, "Data/samples/screen_1.jpg", "Data/samples/screen_2.jpg"])
            assertExit(r, 64)
            XCTAssertTrue(r.stderr.contains("unknown command '\(typed)'; did you mean '\(meant)'?"), r.stderr)
            XCTAssertFalse(r.stderr.contains("cannot read"), "not taken for an image: \(r.stderr)")
            XCTAssertTrue(r.stdout.isEmpty, r.stdout)
        }
    }

    /// A file (or folder) with a name close to a subcommand is an image argument as before; so is a name far
    /// from every subcommand (it fails as a missing file).
    func testExistingPathsAreNotSuggestions() throws {
        let temp = try TemporaryDirectory()
        try temp.copy(Tool.samples.appendingPathComponent("screen_1.jpg"), to: "verfy")
        let r = try tool(["verfy", "--json"], in: temp.url)
        assertExit(r, 0)
        let line = try XCTUnwrap(try decodeLines(PredictionLine.self, r).first)
        XCTAssertEqual(line.file, "verfy")
        XCTAssertEqual(line.class, "screen")

        let far = try tool(["frobnicate"])
        assertFailure(far)
        XCTAssertFalse(far.stderr.contains("did you mean"), far.stderr)
        XCTAssertTrue(far.stderr.contains("frobnicate"), far.stderr)
    }

    /// A mistyped option is a usage error naming the closest option of that subcommand, also when the
    /// subcommand is the default one.
    func testMistypedOptionIsSuggested() throws {
        for (arguments, meant) in [
            (["Data/samples/screen_1.jpg", "--batchsize", "4"], "--batch-size"),
            (["predict", "Data/samples/screen_1.jpg", "--top_k", "2"], "--top-k"),
            (["evaluate", "--splt", "x.csv", "--out", "y"], "--split"),
            (["verify", "a.png", "b.png", "--treshold", "0.5"], "--threshold"),
        ] {
            let r = try tool(arguments)
            assertExit(r, 64)
            XCTAssertTrue(r.stderr.lowercased().contains("did you mean '\(meant)'?"), "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("Usage: classify-and-embed"), r.stderr)
        }
        // Requests that ArgumentParser answers itself are no mistakes.
        assertExit(try tool(["--generate-completion-script", "bash"]), 0)
        assertExit(try tool(["evaluate", "--help"]), 0)
    }
}
