import Dispatch
import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM during training ask the trainer to stop at the next step boundary instead of
/// killing the process: a checkpoint save that is under way finishes, and the trainer says which checkpoint
/// to resume from. A second signal while the first is pending ends the process at once (the checkpoint
/// protocol keeps even that recoverable).
package final class StopRequest: Sendable {
    private let requested = Atomic<Int>(0)
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    package init() {}

    /// Whether a stop was asked for.
    package var isRequested: Bool { requested.load(ordering: .relaxed) > 0 }

    /// Asks for a stop (what the signal handlers do; tests call it directly).
    package func request() { requested.add(1, ordering: .relaxed) }

    /// Routes SIGINT and SIGTERM here until `uninstall`.
    package func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                if isRequested {
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
                request()
                FileHandle.standardError.write(
                    Data("\nstopping after this step (a second Ctrl-C stops at once)…\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    package func uninstall() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
