import Datasets
import Foundation
import XCTest

final class SplitTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID())")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("img"), withIntermediateDirectories: true)
        for name in ["a.png", "b.png", "c.png", "d.png"] {
            try Data([0]).write(to: dir.appendingPathComponent("img/" + name))
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func write(_ text: String, _ name: String = "split.csv") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    let classes = ["document", "not_a_document", "screen"]

    func testPipeWithHeaderNamesIndicesAndMasks() throws {
        let url = try write(
            "path | label | identity\n img/a.png | document | t1\nimg/b.png|2|t1\n\n# comment\nimg/c.png | - | t2\nimg/d.png|1|-\n"
        )
        let s = try Split(file: url, classNames: classes)
        XCTAssertEqual(s.rows.map(\.label), [0, 2, nil, 1])
        XCTAssertEqual(s.rows.map(\.line), [2, 3, 6, 7])
        XCTAssertEqual(s.identities, ["t1", "t2"])
        XCTAssertEqual(s.identityIndex, [0, 0, 1, -1])
        XCTAssertEqual(s.classCounts, [1, 1, 1])
    }

    func testCommaWithoutIdentityMakesEachImageItsOwnIdentity() throws {
        let s = try Split(file: try write("img/a.png,screen\nimg/b.png,0\nimg/a.png,2\n"), classNames: classes)
        XCTAssertEqual(s.identityIndex, [0, 1, 0])
        let inst = try Split(
            file: try write("img/a.png|0|x\nimg/b.png|0|x\n", "i.csv"), classNames: classes, identityMode: .instance)
        XCTAssertEqual(inst.identityIndex, [0, 1])
    }

    func testEveryBadRowIsListedWithFileAndLine() throws {
        let url = try write(
            "img/a.png|0|t\nimg/b.png|banana|t\nimg/missing.png|1|t\nimg/c.png|0|t|extra\nimg/c.png|7\n")
        XCTAssertThrowsError(try Split(file: url, classNames: classes)) { error in
            let e = error as! SplitError
            XCTAssertEqual(e.problems.count, 4, "\(e)")
            XCTAssertTrue(
                e.problems[0].hasSuffix(
                    "split.csv:2: unknown label 'banana' (classes: document, not_a_document, screen)"), e.problems[0])
            XCTAssertTrue(e.problems[1].contains("split.csv:3: missing file"), e.problems[1])
            XCTAssertTrue(e.problems[2].contains("split.csv:4: expected 2 or 3 columns"), e.problems[2])
            XCTAssertTrue(e.problems[3].contains("split.csv:5:"), e.problems[3])
        }
        XCTAssertThrowsError(try Split(file: dir.appendingPathComponent("nope.csv"), classNames: classes)) { error in
            XCTAssertTrue("\(error)".contains("no such file"))
        }
        XCTAssertThrowsError(try Split(file: try write("\n# only a comment\n", "empty.csv"), classNames: classes))
    }

    func testWindowsLineEndsReadLikeUnixOnes() throws {
        let s = try Split(
            file: try write("path|label|identity\r\nimg/a.png|0|t\r\nimg/b.png|2|t\r\n"), classNames: classes)
        XCTAssertEqual(s.rows.map(\.label), [0, 2])
        XCTAssertEqual(s.rows.map(\.line), [2, 3])
    }

    func testOneImageWithTwoLabelsIsAnError() throws {
        let url = try write("img/a.png|0|t\nimg/b.png|1|u\n./img/a.png|screen|t\n")
        XCTAssertThrowsError(try Split(file: url, classNames: classes)) { error in
            XCTAssertTrue(
                "\(error)".contains("split.csv:3: ./img/a.png is labelled 'screen' here but 'document' on line 1"),
                "\(error)")
        }
    }

    func testAFolderIsNotAnImage() throws {
        XCTAssertThrowsError(try Split(file: try write("img|0|t\nimg/a.png|0|t\n"), classNames: classes)) { error in
            XCTAssertTrue("\(error)".contains("split.csv:1:") && "\(error)".contains("is a folder"), "\(error)")
        }
    }
}
