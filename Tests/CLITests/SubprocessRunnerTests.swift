import Foundation
import TestSupport
import XCTest

/// The harness itself: the tool found is the one built with the tests, and a hanging command is killed at
/// its timeout instead of blocking the test run.
final class SubprocessRunnerTests: XCTestCase {
    func testToolIsTheOneBuiltBesideTheTests() throws {
        let exe = try Tool.executable()
        if let override = ProcessInfo.processInfo.environment["CLASSIFY_EMBED_BIN"], !override.isEmpty {
            XCTAssertEqual(exe.path, override)
        } else {
            let folder = try XCTUnwrap(BuiltProducts.testProductsFolders.first, "no .xctest bundle found")
            XCTAssertEqual(exe.resolvingSymlinksInPath().deletingLastPathComponent(), folder.resolvingSymlinksInPath())
        }
    }

    func testHangIsKilledAtTheTimeout() throws {
        let r = try runProcess(URL(fileURLWithPath: "/bin/sleep"), ["30"], timeout: 0.5)
        XCTAssertTrue(r.timedOut, "\(r)")
        XCTAssertTrue(r.signalled, "\(r)")
        XCTAssertLessThan(r.seconds, 10, "\(r)")
    }

    func testOutputStatusAndEnvironment() throws {
        let temp = try TemporaryDirectory()
        let r = try runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "echo out:$PROBE; echo err:${HOME-unset} >&2; pwd; head -c 200000 /dev/zero | tr '\\0' x; exit 3"],
            currentDirectory: temp.url, environment: ["PROBE": "set", "HOME": nil], timeout: 20)
        XCTAssertFalse(r.timedOut)
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stdoutLines.first, "out:set")
        XCTAssertEqual(
            r.stdoutLines.dropFirst().first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() },
            temp.url.resolvingSymlinksInPath())
        XCTAssertEqual(r.stderr, "err:unset\n")
        XCTAssertEqual(r.stdout.filter { $0 == "x" }.count, 200_000, "large output does not stall the child")
    }
}
