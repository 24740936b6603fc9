import Engine
import XCTest

final class EditDistanceTests: XCTestCase {
    func testDistances() {
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(editDistance("verfy", "verify"), 1)
        XCTAssertEqual(editDistance("same", "same"), 0)
    }

    /// Near misses are suggested (the closest, ties to the earlier candidate); far or short words are not, and
    /// a word is never suggested for itself.
    func testSuggestions() {
        let commands = ["predict", "verify", "register", "match", "remove", "train", "evaluate"]
        XCTAssertEqual(closestSuggestion(to: "verfy", among: commands), "verify")
        XCTAssertEqual(closestSuggestion(to: "trian", among: commands), "train")
        XCTAssertEqual(closestSuggestion(to: "evalute", among: commands), "evaluate")
        XCTAssertNil(closestSuggestion(to: "frobnicate", among: commands))
        XCTAssertNil(closestSuggestion(to: "ab", among: ["cd", "xy"]), "two edits of two letters is no typo")
        XCTAssertNil(closestSuggestion(to: "match", among: commands))
        XCTAssertEqual(closestSuggestion(to: "--batchsize", among: ["--batch-size", "--split"]), "--batch-size")
    }
}
