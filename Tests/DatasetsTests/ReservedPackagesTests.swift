import Datasets
import Foundation
import TestSupport
import XCTest

final class ReservedPackagesTests: XCTestCase {
    func testNamesAndGlobsAreReservedAndOthersAreNot() {
        XCTAssertEqual(ReservedPackages.pattern(matching: "texlive-games"), "texlive-games")
        XCTAssertEqual(ReservedPackages.pattern(matching: "lomiri-wallpapers-focal"), "lomiri-wallpapers-*")
        XCTAssertEqual(ReservedPackages.pattern(matching: "lomiri-wallpapers-"), "lomiri-wallpapers-*")
        XCTAssertNil(ReservedPackages.pattern(matching: "lomiri-wallpapers"), "the glob needs its dash")
        XCTAssertNil(ReservedPackages.pattern(matching: "texlive-games-extra"), "a name matches whole, not as a prefix")
        XCTAssertNil(ReservedPackages.pattern(matching: "texlive-lang-german"))
        XCTAssertNil(ReservedPackages.pattern(matching: "ukui-wallpapers2"))
    }

    func testMakeDatasetRefusesAManifestWithAReservedPackage() throws {
        let tmp = try TemporaryDirectory(prefix: "sources")
        let root = tmp.url
        try """
        document|document/a/p1.png|texlive-lang-german
        photo|photo/w/1.jpg|lomiri-wallpapers-noble|train
        document|document/h/p2.png|texlive-humanities-doc|shift
        photo|photo/b/2.jpg|mate-backgrounds|train
        """.write(to: root.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SourceManifest(folder: root)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("`lomiri-wallpapers-noble` (matches `lomiri-wallpapers-*`) is reserved"), text)
            XCTAssertTrue(text.contains("`texlive-humanities-doc` is reserved"), text)
            XCTAssertFalse(text.contains("texlive-lang-german"), text)
            XCTAssertFalse(text.contains("mate-backgrounds"), text)
        }
        var settings = DatasetBuildSettings(sources: root, output: root.appendingPathComponent("out"))
        settings.trainCaptures = 30
        XCTAssertThrowsError(try DatasetBuilder(settings: settings).build()) { error in
            XCTAssertTrue("\(error)".contains("reserved for independent evaluation"), "\(error)")
        }
    }

    func testThePoolColumnIsReadAndDefaultsToTrain() throws {
        let tmp = try TemporaryDirectory(prefix: "sources")
        let root = tmp.url
        try "document|a.png|pkg\ndocument|b.png|other|shift\n".write(
            to: root.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        let manifest = try SourceManifest(folder: root)
        XCTAssertEqual(manifest.items(.document).map(\.key), ["a.png"])
        XCTAssertEqual(manifest.items(.document, pool: .shift).map(\.key), ["b.png"])
    }

    /// Tools/fetch-sources reads Data/reserved-packages.txt; both lists must name the same packages.
    func testTheSwiftListEqualsTheOneFetchSourcesReads() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/reserved-packages.txt")
        let listed = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        XCTAssertEqual(listed, ReservedPackages.patterns)
        XCTAssertEqual(listed.count, 17)
    }

    /// Tools/fetch-sources refuses the same names and globs (before anything is downloaded).
    func testFetchSourcesRefusesReservedPackages() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/fetch-sources")
        func run(_ names: [String]) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [script.path, "--check-reserved"] + names
            let pipe = Pipe()
            process.standardError = pipe
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, text)
        }
        let (refused, message) = try run(["lomiri-wallpapers-focal", "texlive-games", "texlive-lang-german"])
        XCTAssertEqual(refused, 2)
        XCTAssertTrue(message.contains("lomiri-wallpapers-focal is reserved (matches 'lomiri-wallpapers-*')"), message)
        XCTAssertTrue(message.contains("texlive-games is reserved"), message)
        XCTAssertFalse(message.contains("texlive-lang-german"), message)
        XCTAssertEqual(try run(["texlive-lang-german", "gimp-data"]).0, 0)
    }
}
