import Foundation
import Prometheus

/// What `GET /metrics` reports, in Prometheus' text format: requests by endpoint and status, request latency
/// and batch size histograms, and the images and decoded pixels waiting now.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let batchSizes: ValueHistogram
    private let queueDepth: Gauge
    private let pixelsHeld: Gauge

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5),
    ]
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]

    /// `classify_embed_NAME_UNIT`.
    static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "classify_embed", metricName: name, unitName: unit, helpText: help)
    }
    static let requests = name("requests", "total", "Answered HTTP requests by endpoint and status.")
    static let latency = name("request_duration", "seconds", "Time from a request's head to its answer.")

    init() {
        batchSizes = registry.makeValueHistogram(
            descriptor: Self.name("batch_size", "images", "Images per forward pass of the network."),
            buckets: Self.batchBuckets)
        queueDepth = registry.makeGauge(
            descriptor: Self.name("queue", "images", "Images waiting for the network."))
        pixelsHeld = registry.makeGauge(
            descriptor: Self.name("decoded", "pixels", "Decoded image pixels held by requests now."))
    }

    /// Counts one answered request and its latency. `endpoint` is the route pattern (never the raw path, so
    /// a scan of random paths cannot grow the label set without bound).
    func record(endpoint: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.requests, labels: [("endpoint", endpoint), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.latency, labels: [("endpoint", endpoint)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    var observer: SchedulerObserver {
        SchedulerObserver(
            batchRan: { [batchSizes] in batchSizes.record(Double($0)) },
            queueChanged: { [queueDepth] in queueDepth.set(Double($0)) })
    }

    func text(pixelsInFlight: Int) -> String {
        pixelsHeld.set(Double(pixelsInFlight))
        return registry.emitToString()
    }
}
