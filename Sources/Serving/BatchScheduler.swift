import Engine
import Foundation
import Inference
import ServiceLifecycle

/// Why an image was not run: the queue is full, or the server is stopping. Both are answered 503.
enum SchedulerRefusal: Error, CustomStringConvertible {
    case queueFull(limit: Int)
    case stopping

    var description: String {
        switch self {
        case .queueFull(let limit):
            return "the server is busy (\(limit) images are already waiting); retry shortly"
        case .stopping: return "the server is shutting down"
        }
    }
}

/// What the scheduler reports for `/metrics`.
struct SchedulerObserver: Sendable {
    var batchRan: @Sendable (_ images: Int) -> Void = { _ in }
    var queueChanged: @Sendable (_ images: Int) -> Void = { _ in }
}

/// Dynamic batching over one `Predictor` (which is not thread-safe): requests hand in preprocessed images,
/// one thread runs them through the network in batches and hands each request its predictions.
///
/// A batch starts when `maxBatch` images wait, or when it has waited `maxDelaySeconds` for more, or at
/// once when no other request is still being read and decoded (`arrive()` counts those): a lone request on
/// an idle server never waits for company that is not coming. At most `maxQueue` images wait; more are
/// refused (`SchedulerRefusal.queueFull`), so memory stays bounded under any load.
///
/// As a `Service` it runs until graceful shutdown, then runs what is queued and stops; the server is shut
/// down before it (the service group stops services in reverse order), so every accepted request is answered.
package final class BatchScheduler: Service, @unchecked Sendable {
    private struct Job {
        var inputs: [[Float]]
        var continuation: CheckedContinuation<[Prediction], Error>
    }

    private let predictor: Predictor
    private let maxBatch: Int
    private let maxQueue: Int
    private let maxDelaySeconds: Double
    private let observer: SchedulerObserver
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var jobs: [Job] = []
    private var queuedImages = 0
    private var arriving = 0
    private var stopping = false
    private var finished = false
    private var held = false

    init(predictor: Predictor, settings: ServerSettings, observer: SchedulerObserver = SchedulerObserver()) {
        self.predictor = predictor
        self.maxBatch = settings.maxBatch
        self.maxQueue = settings.maxQueue
        self.maxDelaySeconds = settings.maxDelayMilliseconds / 1000
        self.observer = observer
    }

    /// One request on its way to `submit`: while it is being read and decoded, a waiting batch may wait for it.
    package final class Arrival: @unchecked Sendable {
        fileprivate weak var scheduler: BatchScheduler?
        fileprivate var counted = true
        fileprivate init(_ scheduler: BatchScheduler) { self.scheduler = scheduler }
        /// The request will not submit (it failed, or was refused): batches stop waiting for it.
        package func leave() { scheduler?.leave(self) }
    }

    package func arrive() -> Arrival {
        condition.lock()
        arriving += 1
        condition.unlock()
        return Arrival(self)
    }

    private func leave(_ arrival: Arrival) {
        condition.lock()
        if arrival.counted {
            arrival.counted = false
            arriving -= 1
            condition.signal()
        }
        condition.unlock()
    }

    /// Runs `inputs` (each `3 × H × W` floats, preprocessed) through the network; the predictions come back
    /// in the same order, bit-identical to running each image alone.
    package func predict(_ inputs: [[Float]], arrival: Arrival) async throws -> [Prediction] {
        try await withCheckedThrowingContinuation { continuation in enqueue(inputs, arrival: arrival, continuation) }
    }

    private func enqueue(
        _ inputs: [[Float]], arrival: Arrival, _ continuation: CheckedContinuation<[Prediction], Error>
    ) {
        condition.lock()
        defer { condition.unlock() }
        if arrival.counted {
            arrival.counted = false
            arriving -= 1
        }
        if stopping {
            continuation.resume(throwing: SchedulerRefusal.stopping)
            return
        }
        guard queuedImages + inputs.count <= maxQueue || (queuedImages == 0 && inputs.count > maxQueue) else {
            condition.signal()
            continuation.resume(throwing: SchedulerRefusal.queueFull(limit: maxQueue))
            return
        }
        jobs.append(Job(inputs: inputs, continuation: continuation))
        queuedImages += inputs.count
        observer.queueChanged(queuedImages)
        condition.signal()
    }

    /// Tests only: while held, images queue up and no batch runs (so the queue's limit can be reached on
    /// purpose, and batches of a known size formed).
    package func hold(_ hold: Bool) {
        condition.lock()
        held = hold
        condition.signal()
        condition.unlock()
    }

    /// Images waiting now.
    package var waitingImages: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedImages
    }

    // MARK: the worker

    package func run() async throws {
        let thread = Thread { [self] in work() }
        thread.name = "batch-scheduler"
        thread.stackSize = 8 << 20
        thread.start()
        try? await gracefulShutdown()
        stop()
        // The worker runs what is queued, then sets `finished`.
        while !isFinished {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return finished
    }

    private func work() {
        while let batch = nextBatch() {
            run(batch)
        }
        condition.lock()
        finished = true
        condition.unlock()
    }

    /// Waits for work and takes the next batch: whole jobs, up to `maxBatch` images (a larger job runs alone).
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty || (held && !stopping) {
            if stopping && jobs.isEmpty { return nil }
            condition.wait()
        }
        let deadline = Date(timeIntervalSinceNow: maxDelaySeconds)
        while queuedImages < maxBatch, arriving > 0, !stopping, Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        var taken: [Job] = []
        var images = 0
        while let job = jobs.first, taken.isEmpty || images + job.inputs.count <= maxBatch {
            taken.append(jobs.removeFirst())
            images += job.inputs.count
        }
        queuedImages -= images
        observer.queueChanged(queuedImages)
        return taken
    }

    private func run(_ batch: [Job]) {
        let count = batch.reduce(0) { $0 + $1.inputs.count }
        let p = predictor.preprocessing
        let per = 3 * p.height * p.width
        let x = Tensor(shape: [count, 3, p.height, p.width])
        var offset = 0
        for job in batch {
            for input in job.inputs {
                input.withUnsafeBufferPointer { (x.data + offset).update(from: $0.baseAddress!, count: per) }
                offset += per
            }
        }
        let predictions = predictor.predict(tensor: x)
        observer.batchRan(count)
        var start = 0
        for job in batch {
            job.continuation.resume(returning: Array(predictions[start..<start + job.inputs.count]))
            start += job.inputs.count
        }
    }
}
