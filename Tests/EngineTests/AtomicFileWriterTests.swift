import Engine
import Foundation
import XCTest

final class AtomicFileWriterTests: XCTestCase {
    /// Pieces written before `commit()` are invisible at the target, which keeps its old bytes; after it the
    /// target holds every piece and no temporary file is left. An abandoned writer leaves the target alone.
    func testCommitReplacesAndAbandonKeeps() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-writer-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("out/results.csv")
        let first = try AtomicFileWriter(url: target)
        try first.write(Data("a,b\r\n".utf8))
        try first.write(Data("1,2\r\n".utf8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "nothing at the target before commit")
        try first.commit()
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "a,b\r\n1,2\r\n")

        let second = try AtomicFileWriter(url: target)
        try second.write(Data("half".utf8))
        second.abandon()
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "a,b\r\n1,2\r\n", "the old file stays")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path),
            ["results.csv"])
        XCTAssertThrowsError(try second.write(Data("late".utf8)))
    }

    /// A folder that cannot be made is named in the error.
    func testUncreatableFolderIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-writer-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let blocker = dir.appendingPathComponent("blocker")
        try Data("file".utf8).write(to: blocker)
        XCTAssertThrowsError(try AtomicFileWriter(url: blocker.appendingPathComponent("x.txt"))) {
            XCTAssertTrue("\($0)".contains(blocker.path), "\($0)")
        }
    }
}
