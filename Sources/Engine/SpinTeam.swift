import Dispatch
import Foundation
import Synchronization

/// Two-way fork/join with a helper thread that waits by spinning, for the many tiny parallel sections of a
/// batch-1 forward pass (about 30, a few microseconds each): handing work to a spinning thread costs about a
/// microsecond, waking a Dispatch worker several. After `idleSpins` empty polls the helper sleeps on a
/// semaphore, so an idle team costs no CPU; the helper exits when the team is released. The helper's share is
/// claimed, not assigned: when the caller has finished its own share and the helper has not yet started (its
/// vCPU taken away by the hypervisor, or the helper asleep), the caller runs the helper's share itself instead of
/// waiting, so a stalled helper costs at most the one-core time. The shares are the same work either way, so
/// results do not depend on which thread ran them.
package final class SpinTeam: @unchecked Sendable {
    private final class State: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        /// The last generation whose share 1 was claimed (by the helper or by the caller).
        let claimed = Atomic<Int>(0)
        let sleeping = Atomic<Bool>(false)
        let stopped = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
        var job: ((Int) -> Void)?
        let idleSpins: Int
        init(idleSpins: Int) { self.idleSpins = idleSpins }

        func helperLoop() {
            var seen = 0
            while true {
                var spins = 0
                while generation.load(ordering: .acquiring) == seen {
                    spins += 1
                    if spins >= idleSpins {
                        sleeping.store(true, ordering: .sequentiallyConsistent)
                        if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                        sleeping.store(false, ordering: .sequentiallyConsistent)
                        spins = 0
                    }
                }
                if stopped.load(ordering: .acquiring) { return }
                seen = generation.load(ordering: .acquiring)
                let claim = claimed.compareExchange(expected: seen - 1, desired: seen, ordering: .acquiringAndReleasing)
                guard claim.exchanged else { continue }
                job?(1)
                finished.add(1, ordering: .releasing)
            }
        }
    }

    private let state: State

    package init(idleSpins: Int = 200_000) {
        state = State(idleSpins: idleSpins)
        let s = state
        let thread = Thread { s.helperLoop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        state.stopped.store(true, ordering: .releasing)
        state.generation.add(1, ordering: .sequentiallyConsistent)
        state.wake.signal()
    }

    /// Runs `body(0)` on the caller and `body(1)` on the helper (or on the caller, after `body(0)`, when the
    /// helper has not claimed it by then), returning when both are done.
    package func run(_ body: @escaping (Int) -> Void) {
        let s = state
        s.job = body
        let target = s.finished.load(ordering: .acquiring) + 1
        let generation = s.generation.add(1, ordering: .sequentiallyConsistent).newValue
        if s.sleeping.load(ordering: .sequentiallyConsistent) { s.wake.signal() }
        body(0)
        let claim = s.claimed.compareExchange(
            expected: generation - 1, desired: generation, ordering: .acquiringAndReleasing)
        if claim.exchanged {
            body(1)
            return
        }
        while s.finished.load(ordering: .acquiring) < target {}
    }
}
