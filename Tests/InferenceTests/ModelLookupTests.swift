import Foundation
import Inference
import TestSupport
import XCTest

/// The order in which a command finds its model when `--model` is not given: `$CLASSIFY_EMBED_MODEL`, the
/// installed copy beside the executable, the checkout above it; and the error that lists what was tried.
final class ModelLookupTests: XCTestCase {
    private let noVariable: [String: String] = [:]

    func testCandidatesAreTheInstallThenEveryFolderUpward() {
        XCTAssertEqual(
            ModelLookup.candidates(executable: URL(fileURLWithPath: "/opt/ce/bin/classify-and-embed")),
            [
                "/opt/ce/share/classify-and-embed/default.safetensors",
                "/opt/ce/bin/Data/models/default.safetensors",
                "/opt/ce/Data/models/default.safetensors",
                "/opt/Data/models/default.safetensors",
                "/Data/models/default.safetensors",
            ])
    }

    func testInstalledModelComesBeforeTheCheckout() throws {
        let folder = try TemporaryDirectory()
        let executable = try folder.write("", to: "prefix/bin/classify-and-embed")
        let checkout = try folder.write("", to: "Data/models/default.safetensors")
        XCTAssertEqual(
            try ModelLookup.locate(environment: noVariable, executable: executable), checkout.standardizedFileURL.path,
            "the first folder above the executable holding Data/models/")
        let installed = try folder.write("", to: "prefix/share/classify-and-embed/default.safetensors")
        XCTAssertEqual(
            try ModelLookup.locate(environment: noVariable, executable: executable),
            installed.standardizedFileURL.path)
    }

    func testVariableComesFirstAndIsNeverSkipped() throws {
        let folder = try TemporaryDirectory()
        let executable = try folder.write("", to: "prefix/bin/classify-and-embed")
        try folder.write("", to: "prefix/share/classify-and-embed/default.safetensors")
        let chosen = try folder.write("", to: "elsewhere/mine.safetensors")
        XCTAssertEqual(
            try ModelLookup.locate(environment: ["CLASSIFY_EMBED_MODEL": chosen.path], executable: executable),
            chosen.path)
        XCTAssertNotEqual(
            try ModelLookup.locate(environment: ["CLASSIFY_EMBED_MODEL": ""], executable: executable), chosen.path,
            "an empty variable counts as unset")
        let missing = folder.file("elsewhere/missing.safetensors").path
        XCTAssertThrowsError(
            try ModelLookup.locate(environment: ["CLASSIFY_EMBED_MODEL": missing], executable: executable)
        ) {
            let error = try? XCTUnwrap($0 as? ModelNotFoundError)
            XCTAssertEqual(error?.tried, [missing], "a missing named model is an error, not a fallback")
            XCTAssertTrue("\($0)".contains("$CLASSIFY_EMBED_MODEL"), "\($0)")
        }
    }

    func testNotFoundListsEveryPathTriedAndWhatToDo() throws {
        let folder = try TemporaryDirectory()
        let executable = try folder.write("", to: "prefix/bin/classify-and-embed")
        XCTAssertThrowsError(try ModelLookup.locate(environment: noVariable, executable: executable)) {
            let text = "\($0)"
            for path in ModelLookup.candidates(executable: executable) {
                XCTAssertTrue(text.contains("  \(path)\n"), "\(path) in \(text)")
            }
            XCTAssertTrue(text.contains("--model FILE"), text)
            XCTAssertTrue(text.contains("$CLASSIFY_EMBED_MODEL"), text)
            XCTAssertTrue(text.contains("Tools/install PREFIX"), text)
        }
    }

    /// The test binary sits in the checkout's `.build`, so the lookup finds the shipped model from it.
    func testRunningExecutableFindsTheCheckoutsModel() throws {
        #if !os(Linux)
        throw XCTSkip("on macOS the test runner is Xcode's xctest, outside the checkout")
        #endif
        let executable = try XCTUnwrap(ModelLookup.executable)
        XCTAssertTrue(FileManager.default.fileExists(atPath: executable.path), executable.path)
        XCTAssertEqual(
            try ModelLookup.locate(environment: noVariable),
            PackagePaths.shippedModel.standardizedFileURL.path)
    }
}
