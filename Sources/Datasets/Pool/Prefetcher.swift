import Foundation

/// Makes items `first..<count` on a background thread, at most `depth` ahead of the consumer, in order:
/// the next batches are rendered while the current training step runs. Each item must depend only on its
/// index, so what the consumer receives does not depend on thread timing.
package final class Prefetcher<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Item] = []
    private var stopRequested = false
    private var thread: Thread?

    package init(first: Int, count: Int, depth: Int = 2, make: @escaping @Sendable (Int) -> Item) {
        let thread = Thread { [weak self] in
            for index in first..<count {
                guard let self else { return }
                let item = make(index)
                self.condition.lock()
                while self.queue.count >= depth && !self.stopRequested { self.condition.wait() }
                if self.stopRequested {
                    self.condition.unlock()
                    return
                }
                self.queue.append(item)
                self.condition.broadcast()
                self.condition.unlock()
            }
        }
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// The next item (blocks until it is made).
    package func next() -> Item {
        condition.lock()
        while queue.isEmpty { condition.wait() }
        let item = queue.removeFirst()
        condition.broadcast()
        condition.unlock()
        return item
    }

    /// Stops the thread after the item it is making.
    package func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        condition.unlock()
        thread = nil
    }

    deinit { stop() }
}
