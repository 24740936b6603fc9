import Datasets
import Distillation
import Engine
import Foundation
import Imaging
import Layers
import Model
import TestSupport
import Training
import XCTest

/// The distillation stage end to end on tiny synthetic images with a tiny cache: the loss falls, a resume
/// equals a run straight through, and the backbone it writes starts a joint model through `model.init`.
final class DistillationTrainerTests: XCTestCase {
    private static let cacheFolder = try! TemporaryDirectory(prefix: "distill-cache")
    private static let teacher = StandInTeacher()
    private var outputs: TemporaryDirectory!

    override func setUpWithError() throws {
        outputs = try TemporaryDirectory(prefix: "distill")
    }

    override func tearDown() {
        outputs = nil
    }

    // A static is never deinitialised: the cache shared by the tests goes once they have all run.
    override class func tearDown() {
        cacheFolder.remove()
    }

    private func config(_ name: String, epochs: Int) -> DistillConfig {
        var c = DistillConfig()
        c.pool.folders = [SyntheticData.sharedFolder.appendingPathComponent("img").path]
        c.pool.maxImages = 96
        c.pool.valFraction = 0.1
        c.pool.cache = Self.cacheFolder.path
        c.views.count = 2
        c.views.size = 64
        c.views.seed = 1
        c.student.projectorHidden = 32
        c.train.epochs = epochs
        c.train.batchSize = 16
        c.train.learningRate = 3e-3
        c.train.warmupSteps = 3
        c.train.seed = 9
        c.train.output = outputs.file("\(name)-\(UUID())").path
        return c
    }

    private func trainer(_ c: DistillConfig, resume: Bool = false) throws -> DistillationTrainer {
        let pool = try ImagePool(
            folders: c.pool.folders.map { URL(fileURLWithPath: $0) }, side: c.poolSide,
            cacheFolder: URL(fileURLWithPath: c.pool.cache), maxImages: c.pool.maxImages)
        try pool.decodeAll()
        let cache = try TeacherCacheBuilder.build(
            pool: pool, views: c.poolViews, teacher: Self.teacher, folder: URL(fileURLWithPath: c.pool.cache))
        return try DistillationTrainer(
            config: c, pool: pool, cache: cache, teacherProvenance: Self.teacher.provenance, resume: resume)
    }

    private func stepLosses(_ output: String) throws -> [Double] {
        try String(contentsOfFile: output + "/log.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["kind"] as? String == "step" }.map { $0["loss"] as! Double }
    }

    func testLossFallsAndTheBackboneStartsAJointModel() throws {
        BLAS.configure()
        let c = config("distill-learn", epochs: 6)
        let t = try trainer(c)
        var cosines: [Double] = []
        t.onEpoch = { _, v in cosines.append(v ?? .nan) }
        try t.run()
        let losses = try stepLosses(c.train.output)
        let first = losses.prefix(4).reduce(0, +) / 4
        let last = losses.suffix(4).reduce(0, +) / 4
        XCTAssertLessThan(last, 0.6 * first, "loss falls: \(first) → \(last)")
        XCTAssertGreaterThan(cosines.last!, cosines.first!, "held-out cosine rises: \(cosines)")

        let backbone = URL(fileURLWithPath: c.train.output + "/backbone.safetensors")
        let file = try SafeTensorsFile(contentsOf: backbone)
        XCTAssertEqual(file.metadata["format"], BackboneFile.format)
        XCTAssertFalse(file.names.contains { $0.hasPrefix("projector") }, "only the backbone is kept")
        var spec = ModelSpec()
        spec.inputSize = 64
        let model = JointModel(spec: spec)
        let record = try ModelInit.apply(backbone, to: model)
        XCTAssertEqual(record.kind, .distilledBackbone)
        let provenance = try XCTUnwrap(record.json["provenance"] as? [String: Any])
        XCTAssertEqual((provenance["train"] as? [String: Any])?["epochs_done"] as? Int, 6)
        XCTAssertEqual((provenance["teacher"] as? [String: Any])?["network"] as? String, "stand-in")
        for (a, b) in zip(t.student.backboneTensors, StateDict.tensors(of: model.backbone)) {
            XCTAssertEqual(a.tensor.array, b.tensor.array, a.name)
        }
    }

    /// Two epochs straight equal one epoch, a resume (a new trainer from the files) and one more.
    func testResumeIsExact() throws {
        BLAS.configure()
        let straight = try trainer(config("distill-straight", epochs: 2))
        try straight.run()
        let c = config("distill-resumed", epochs: 2)
        try trainer(c).run(untilEpoch: 1)
        let resumed = try trainer(c, resume: true)
        XCTAssertEqual(resumed.state.epoch, 1)
        try resumed.run()
        XCTAssertEqual(resumed.state.globalStep, straight.state.globalStep)
        let worst = zip(straight.student.namedTensors, resumed.student.namedTensors).map {
            maxAbsDifference($0.tensor, $1.tensor)
        }.max()!
        XCTAssertLessThanOrEqual(worst, 1e-6, "weights and BatchNorm statistics")
        XCTAssertEqual(try stepLosses(c.train.output), try stepLosses(straight.config.train.output))
    }
}

/// The shipped distillation config loads, and a mistyped key is named with its file.
final class DistillConfigTests: XCTestCase {
    func testShippedConfigLoadsAndUnknownKeysAreNamed() throws {
        let c = try DistillConfig.load(PackagePaths.root.appendingPathComponent("Configs/distill.yaml"))
        XCTAssertEqual(c.views.count, 3)
        XCTAssertEqual(c.views.size, 128)
        XCTAssertEqual(c.student.loss, .cosine)
        XCTAssertEqual(c.poolSide, 144)
        let folder = try TemporaryDirectory()
        let bad = try folder.write("views:\n  cont: 2\n", to: "bad.yaml")
        XCTAssertThrowsError(try DistillConfig.load(bad)) {
            XCTAssertTrue("\($0)".contains("views.cont") && "\($0)".contains("did you mean 'count'"), "\($0)")
        }
        let size = try folder.write("views:\n  size: 100\n", to: "size.yaml")
        XCTAssertThrowsError(try DistillConfig.load(size)) {
            XCTAssertTrue("\($0)".contains("multiple of 32"), "\($0)")
        }
    }
}
