import Datasets
import Engine
import Foundation
import Imaging
import TestSupport
import XCTest

final class BatchLoaderTests: XCTestCase {
    var dir: URL!
    let classes = ["document", "not_a_document", "screen"]

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var csv = ""
        for i in 0..<10 {
            var img = RGBImage(width: 40, height: 30, fill: (UInt8(20 * i), 100, 200))
            for x in 0..<(4 * i) { img.pixels[3 * x] = 255 }
            try PNGWriter.write(img, to: dir.appendingPathComponent("i\(i).png"))
            csv += "i\(i).png|\(i % 3)|id\(i / 2)\n"
        }
        try csv.write(to: dir.appendingPathComponent("s.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func loader(seed: UInt64, variants: Int = 1, mode: IdentityMode = .template) throws -> BatchLoader {
        let split = try Split(file: dir.appendingPathComponent("s.csv"), classNames: classes, identityMode: mode)
        var pre = Preprocessing()
        pre.width = 32
        pre.height = 32
        return BatchLoader(
            split: split, cache: try ImageCache(split: split, side: 36), batchSize: 4,
            augmenter: Augmenter(settings: AugmentationSettings(), preprocessing: pre), seed: seed, variants: variants)
    }

    func testBatchesAreDeterministicForASeedAndDifferAcrossSeedsAndEpochs() throws {
        let a = try loader(seed: 5)
        let b = try loader(seed: 5)
        let c = try loader(seed: 6)
        let a0 = a.batch(epoch: 0, index: 1)
        let b0 = b.batch(epoch: 0, index: 1, parallel: true)
        XCTAssertEqual(a0.images.array, b0.images.array, "same seed, same batch, whichever thread renders it")
        XCTAssertEqual(a0.rows, b0.rows)
        XCTAssertNotEqual(a0.images.array, c.batch(epoch: 0, index: 1).images.array)
        XCTAssertNotEqual(a.order(epoch: 0), a.order(epoch: 1))
        XCTAssertEqual(a.batchesPerEpoch, 2, "training drops the last partial batch")
        // The background prefetcher yields the same batches in order.
        a.start(epoch: 0, from: 0)
        let first = a.next()
        let second = a.next()
        a.stop()
        XCTAssertEqual(first.index, 0)
        XCTAssertEqual(second.index, 1)
        XCTAssertEqual(second.batch.images.array, a0.images.array)
        for (i, r) in a0.rows.enumerated() {
            XCTAssertEqual(a0.labels[i], r % 3)
            XCTAssertEqual(a0.identities[i], r / 2)
        }
    }

    func testInstanceVariantsAreSeparateIdentities() throws {
        let l = try loader(seed: 1, variants: 8, mode: .instance)
        XCTAssertEqual(l.identityCount, 80)
        var seen = Set<Int>()
        for e in 0..<6 {
            for i in 0..<l.batchesPerEpoch {
                let b = l.batch(epoch: e, index: i)
                for (k, r) in b.rows.enumerated() {
                    XCTAssertEqual(b.identities[k] / 8, r, "identity = image · 8 + variant")
                    seen.insert(b.identities[k] % 8)
                }
            }
        }
        XCTAssertGreaterThan(seen.count, 4, "several rotation/flip variants drawn")
    }
}
