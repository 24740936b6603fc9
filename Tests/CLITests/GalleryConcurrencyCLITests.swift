import Foundation
import TestSupport
import XCTest

/// Several processes on one gallery at once: two `register`s of different folders and `match`es while they
/// write. All must succeed (no "database is locked"), and the gallery must hold both folders' templates.
final class GalleryConcurrencyCLITests: XCTestCase {
    private func start(_ arguments: [String], output: URL) throws -> Process {
        let p = Process()
        p.executableURL = try Tool.executable()
        p.arguments = arguments
        p.currentDirectoryURL = Tool.root
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    func testConcurrentRegistersAndMatchesAllSucceed() throws {
        let temp = try TemporaryDirectory()
        let gallery = temp.file("g.sqlite")
        for (folder, names) in [("a", Tool.sampleNames.prefix(6)), ("b", Tool.sampleNames.suffix(6))] {
            try FileManager.default.createDirectory(at: temp.file(folder), withIntermediateDirectories: true)
            for name in names {
                try FileManager.default.copyItem(
                    at: Tool.samples.appendingPathComponent(name), to: temp.file("\(folder)/\(name)"))
            }
        }
        // The gallery exists (with one template) before the race, so the matches have something to open.
        let seed = try runProcess(
            try Tool.executable(), ["register", temp.file("a").path, "--gallery", gallery.path],
            currentDirectory: Tool.root)
        XCTAssertEqual(seed.status, 0, "\(seed)")
        var processes: [(Process, URL)] = []
        for (i, arguments) in [
            ["register", temp.file("a").path, "--gallery", gallery.path],
            ["register", temp.file("b").path, "--gallery", gallery.path],
            ["match", "Data/samples/screen_1.jpg", "--gallery", gallery.path, "--json"],
            ["match", "Data/samples/document_1.jpg", "--gallery", gallery.path, "--json"],
        ].enumerated() {
            let log = temp.file("out-\(i).txt")
            processes.append((try start(arguments, output: log), log))
        }
        for (p, log) in processes {
            p.waitUntilExit()
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            XCTAssertEqual(p.terminationReason, .exit, text)
            XCTAssertEqual(p.terminationStatus, 0, "\(p.arguments ?? []): \(text)")
            XCTAssertFalse(text.contains("locked"), text)
        }
        let count = try runProcess(
            try Tool.executable(), ["match", "Data/samples/not_a_document_4.jpg", "--gallery", gallery.path, "--json"],
            currentDirectory: Tool.root)
        XCTAssertTrue(count.stdout.contains("\"label\":\"not_a_document_4\""), "\(count)")
    }

    func testAForeignSQLiteFileIsRefusedAndLeftAlone() throws {
        let temp = try TemporaryDirectory()
        let other = temp.file("other.sqlite")
        let make = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()",
                other.path,
            ])
        XCTAssertEqual(make.status, 0, "python3 (installed by Tools/setup --tests) makes the foreign database: \(make)")
        let before = try Data(contentsOf: other)
        let r = try runProcess(
            try Tool.executable(), ["register", "Data/samples", "--gallery", other.path], currentDirectory: Tool.root)
        XCTAssertNotEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stderr.contains("not a ClassifyEmbed gallery"), "\(r)")
        XCTAssertEqual(try Data(contentsOf: other), before, "the foreign database is unchanged")
    }
}
