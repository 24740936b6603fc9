import Foundation

/// A server-wide bound on decoded pixels held at once. A request reserves its images' pixels (read from
/// their headers) before decoding them and gives them back once they are preprocessed; a reservation that
/// does not fit is refused at once (503), never queued, so a burst of huge uploads cannot exhaust memory.
final class PixelBudget: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var held = 0

    init(limit: Int) { self.limit = limit }

    /// Reserves `pixels`; false when they do not fit beside what is held.
    func reserve(_ pixels: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard pixels <= limit - held else { return false }
        held += pixels
        return true
    }

    func release(_ pixels: Int) {
        lock.lock()
        held -= pixels
        lock.unlock()
    }

    /// Pixels held now (for `/metrics`).
    var inUse: Int {
        lock.lock()
        defer { lock.unlock() }
        return held
    }
}
