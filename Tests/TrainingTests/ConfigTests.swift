import Foundation
import Layers
import Model
import Objectives
import TestSupport
import Training
import XCTest

final class ConfigTests: XCTestCase {
    static let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Configs")
    private var tmp: TemporaryDirectory!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory(prefix: "cfg")
    }

    override func tearDown() {
        tmp = nil
    }

    func testShippedConfigsLoadWithTheirAblation() throws {
        let d = try TrainConfig.load(Self.configs.appendingPathComponent("default.yaml"))
        XCTAssertEqual(d.model.spec.neck, .flatten)
        XCTAssertEqual(d.model.spec.neckNorm, .ln)
        XCTAssertEqual(d.margin, MarginSettings(scale: 16, m1: 1, m2: 0, m3: 0.15))
        XCTAssertEqual(d.model.spec.embeddingSize, 256)
        XCTAssertEqual(d.model.spec.classNames, ["document", "not_a_document", "screen"])
        XCTAssertEqual(d.loss.classificationWeight, 2)
        let expectations: [(String, (TrainConfig) -> Bool)] = [
            ("arc", { $0.margin.m2 == 0.5 && $0.margin.m3 == 0 }),
            ("softmax", { $0.margin.m2 == 0 && $0.margin.m3 == 0 }),
            ("cos", { $0.margin.m3 == 0.35 && $0.margin.scale == 30 }),
            ("bn", { $0.model.spec.neckNorm == .bn }),
            ("squeeze", { $0.model.spec.neck == .squeeze }),
            ("gap", { $0.model.spec.neck == .gap }),
            ("f128-r96", { $0.model.spec.embeddingSize == 128 && $0.model.spec.inputSize == 96 }),
            ("ln+bn", { $0.model.spec.neckNorm == .lnbn }),
            ("distilled", { $0.model.initPath?.hasSuffix("/runs/distill/backbone.safetensors") == true }),
            ("distilled-kd", { $0.loss.distillationWeight == 1 && $0.model.initPath != nil }),
            (
                "train-150k",
                {
                    $0.data.augmentation.scale == [0.8, 2.2] && $0.train.epochs == 12
                        && $0.model.initPath?.hasSuffix("/Data/models/lcnet050-distilled.safetensors") == true
                }
            ),
            (
                "train-150k-wide",
                {
                    $0.data.augmentation.scale == [0.8, 3.0] && $0.data.augmentation.colorCast == 0.4
                        && $0.data.augmentation.stretch == 0.35 && $0.train.epochs == 12
                        && $0.model.initPath?.hasSuffix("/Data/models/lcnet050-distilled.safetensors") == true
                }
            ),
        ]
        for (name, check) in expectations {
            let c = try TrainConfig.load(Self.configs.appendingPathComponent(name + ".yaml"))
            XCTAssertTrue(check(c), name)
            XCTAssertEqual(
                c.train.output, Self.configs.deletingLastPathComponent().appendingPathComponent("runs/" + name).path,
                "relative to Configs/")
            XCTAssertEqual(c.train.batchSize, 64, "\(name) inherits the rest")
        }
    }

    private func write(_ text: String) throws -> URL {
        let url = tmp.file("cfg-\(UUID()).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testUnknownKeyNamesKeyAndFile() throws {
        let url = try write("train:\n  learning_rte: 0.1\n")
        XCTAssertThrowsError(try TrainConfig.load(url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(url.path), text)
            XCTAssertTrue(text.contains("train.learning_rte"), text)
            XCTAssertTrue(text.contains("did you mean 'learning_rate'"), text)
        }
        let top = try write("modle:\n  neck: gap\n")
        XCTAssertThrowsError(try TrainConfig.load(top)) { XCTAssertTrue("\($0)".contains("'modle'"), "\($0)") }
        let aug = try write("data:\n  augmentation:\n    blur: 0.3\n")
        XCTAssertThrowsError(try TrainConfig.load(aug)) {
            XCTAssertTrue("\($0)".contains("data.augmentation.blur"), "\($0)")
        }
    }

    /// Every out-of-range value is refused where it is read, naming the key (issue: these used to crash the
    /// trainer with SIGFPE / SIGSEGV / an out-of-memory abort, or train silently wrong).
    func testOutOfRangeValuesNameTheirKey() throws {
        let cases: [(yaml: String, key: String)] = [
            ("train:\n  accumulation: 0\n", "train.accumulation"),
            ("train:\n  learning_rate: -0.1\n", "train.learning_rate"),
            ("train:\n  learning_rate: .nan\n", "train.learning_rate"),
            ("train:\n  epochs: 0\n", "train.epochs"),
            ("train:\n  steps: 0\n", "train.steps"),
            ("train:\n  clip_norm: -1\n", "train.clip_norm"),
            ("train:\n  min_learning_rate: 1\n", "train.min_learning_rate"),
            ("train:\n  warmup_steps: -5\n", "train.warmup_steps"),
            ("data:\n  cache_scale: 0\n", "data.cache_scale"),
            ("data:\n  cache_scale: -2\n", "data.cache_scale"),
            ("data:\n  augmentation:\n    blur_probability: 1.5\n", "blur_probability"),
            ("data:\n  augmentation:\n    jpeg_quality: [90, 20]\n", "jpeg_quality"),
            ("data:\n  augmentation:\n    color_cast: 1\n", "color_cast"),
            ("data:\n  augmentation:\n    stretch: -0.2\n", "stretch"),
            ("model:\n  input_size: 20000\n", "model.input_size"),
            ("model:\n  input_size: 100\n", "model.input_size"),
            ("model:\n  class_head_dropout: 1\n", "model.class_head_dropout"),
            ("model:\n  embedding_size: 0\n", "model.embedding_size"),
            ("model:\n  class_names: [a, a]\n", "model.class_names"),
            ("loss:\n  class_weights: [1, 2]\n", "class_weights has 2 values but there are 3 classes"),
            ("loss:\n  class_weights: [1, -2, 1]\n", "loss.class_weights"),
            ("loss:\n  embedding_weight: -1\n", "loss.embedding_weight"),
            ("margin:\n  scale: 0\n", "margin.scale"),
            ("margin:\n  type: combined\n  m1: 0\n", "margin"),
        ]
        for (yaml, key) in cases {
            let url = try write(yaml)
            XCTAssertThrowsError(try TrainConfig.load(url), yaml) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(url.path) && text.contains(key), "\(yaml) → \(text)")
            }
        }
        XCTAssertNoThrow(try TrainConfig.load(try write("loss:\n  class_weights: [1, 2, 0.5]\n")))
    }

    func testBadValuesAndFilesAreExplained() throws {
        XCTAssertThrowsError(try TrainConfig.load(try write("model:\n  neck: pyramid\n"))) {
            XCTAssertTrue("\($0)".contains("model.neck"), "\($0)")
        }
        XCTAssertThrowsError(try TrainConfig.load(try write("train:\n  batch_size: many\n"))) {
            XCTAssertTrue("\($0)".contains("train.batch_size"), "\($0)")
        }
        XCTAssertThrowsError(try TrainConfig.load(try write("model: [1, 2\n"))) {
            XCTAssertTrue("\($0)".contains("not valid YAML"), "\($0)")
        }
        XCTAssertThrowsError(try TrainConfig.load(URL(fileURLWithPath: "/nonexistent/x.yaml"))) {
            XCTAssertTrue("\($0)".contains("no such file"), "\($0)")
        }
        XCTAssertThrowsError(try TrainConfig.load(try write("margin:\n  sample_rate: 0\n"))) {
            XCTAssertTrue("\($0)".contains("sample_rate"), "\($0)")
        }
    }

    func testScheduleWarmsUpThenDecays() {
        let cosine = LearningRateSchedule(
            base: 1, minimum: 0, warmupSteps: 10, totalSteps: 110, kind: .cosine, power: 1)
        XCTAssertEqual(cosine.rate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 60), 0.5, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 110), 0, accuracy: 1e-6)
        let poly = LearningRateSchedule(base: 1, minimum: 0, warmupSteps: 0, totalSteps: 100, kind: .poly, power: 1)
        XCTAssertEqual(poly.rate(at: 25), 0.75, accuracy: 1e-6)
    }
}
