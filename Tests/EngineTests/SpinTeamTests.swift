import Engine
import Synchronization
import XCTest

/// `SpinTeam`: every run executes share 0 and share 1 exactly once each, whichever thread takes share 1 (the
/// helper, or the caller when the helper has not claimed it in time), and returns only when both are done.
final class SpinTeamTests: XCTestCase {
    /// How often each share ran.
    private final class Counts: Sendable {
        let first = Atomic<Int>(0)
        let second = Atomic<Int>(0)
        func add(_ share: Int) {
            if share == 0 {
                first.add(1, ordering: .relaxed)
            } else {
                second.add(1, ordering: .relaxed)
            }
        }
    }

    private func check(_ team: SpinTeam, runs: Int) {
        let counts = Counts()
        var outputs = [Int](repeating: 0, count: 2)
        for r in 1...runs {
            outputs.withUnsafeMutableBufferPointer { buffer in
                let out = SendablePointer(buffer.baseAddress!)
                team.run { share in
                    counts.add(share)
                    out.pointer[share] = r * 10 + share
                }
            }
            XCTAssertEqual(outputs, [r * 10, r * 10 + 1], "run \(r): both shares done before run returns")
        }
        XCTAssertEqual(counts.first.load(ordering: .relaxed), runs)
        XCTAssertEqual(counts.second.load(ordering: .relaxed), runs)
    }

    func testEveryShareRunsOncePerRun() {
        check(SpinTeam(), runs: 20_000)
    }

    /// A helper that goes to sleep after one empty poll is usually not there in time: the caller takes its
    /// share, and a helper woken late must not run a share that was already taken.
    func testASleepyHelperNeverRunsATakenShare() {
        check(SpinTeam(idleSpins: 1), runs: 20_000)
    }
}
