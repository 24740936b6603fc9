import Foundation
import TestSupport
import Training
import XCTest

/// Relative paths in a config are read from the folder of the file that holds them (through `extends`, each
/// against its own file); defaults against the current folder; every path is absolute once loaded, so the
/// config a run saves reads the same from anywhere.
final class ConfigPathTests: XCTestCase {
    private var currentFolder: String { FileManager.default.currentDirectoryPath }

    func testTrainingPathsResolveAgainstTheFileThatNamesThem() throws {
        let folder = try TemporaryDirectory()
        let root = folder.url.standardizedFileURL.path
        try folder.write(
            """
            data:
              train: splits/train.csv
              val: ../splits-common/val.csv
            train:
              output: runs/base
            distillation:
              teacher: weights/teacher.pth

            """, to: "base/base.yaml")
        let child = try folder.write(
            """
            extends: ../base/base.yaml
            train:
              output: ../runs/child
            distillation:
              targets: targets.safetensors

            """, to: "configs/child.yaml")
        let c = try TrainConfig.load(child)
        XCTAssertEqual(c.data.train, root + "/base/splits/train.csv", "relative to base.yaml, which names it")
        XCTAssertEqual(c.data.val, root + "/splits-common/val.csv")
        XCTAssertEqual(c.train.output, root + "/runs/child", "relative to child.yaml, which replaces it")
        XCTAssertEqual(c.distillation.teacher, root + "/base/weights/teacher.pth")
        XCTAssertEqual(c.distillation.targets, root + "/configs/targets.safetensors")
    }

    func testDefaultsAreAbsoluteAgainstTheCurrentFolderAndAbsolutePathsAreKept() throws {
        let folder = try TemporaryDirectory()
        let c = try TrainConfig.load(
            try folder.write("data:\n  train: /data/train.csv\n  val: null\n", to: "c.yaml"))
        XCTAssertEqual(c.data.train, "/data/train.csv")
        XCTAssertNil(c.data.val, "`val: null` still means no validation split")
        XCTAssertEqual(c.train.output, currentFolder + "/runs/default")
        XCTAssertEqual(c.distillation.teacher, currentFolder + "/.build/teacher/efficientnet-lite0-57934424.pth")
        XCTAssertNil(c.model.initPath)
    }

    /// A run's config.yaml (the loaded config, encoded) names the same files when read from another folder.
    func testSavedConfigReadsTheSameFromAnotherFolder() throws {
        let folder = try TemporaryDirectory()
        let original = try TrainConfig.load(
            try folder.write("data:\n  train: a/train.csv\n  val: a/val.csv\ntrain:\n  output: run\n", to: "c.yaml"))
        let saved = try folder.write(try original.yaml(), to: "elsewhere/deeper/config.yaml")
        let reread = try TrainConfig.load(saved)
        XCTAssertEqual(reread.data.train, original.data.train)
        XCTAssertEqual(reread.data.val, original.data.val)
        XCTAssertEqual(reread.train.output, original.train.output)
        XCTAssertEqual(reread.distillation.teacher, original.distillation.teacher)
        // A config built in code may hold relative paths (from the current folder): saved absolute.
        var inCode = TrainConfig()
        inCode.data.train = "relative/train.csv"
        let text = try inCode.yaml()
        XCTAssertTrue(text.contains("train: \(currentFolder)/relative/train.csv"), text)
        XCTAssertTrue(text.contains("\(currentFolder)/.build/teacher/"), text)
    }

    /// A config written for the old rule (paths from the current folder) is recognised when its input file is
    /// missing beside it but present from the current folder: the error names the key and the path to write.
    func testOldConfigIsToldWhatToWrite() throws {
        let folder = try TemporaryDirectory()
        let split = try folder.write("x|document\n", to: "data/train.csv")
        let fromCurrent = ConfigPaths.relative(split.standardizedFileURL.path, from: currentFolder)
        // The config sits deeper than the current folder, so the old path's `..` steps cannot climb past `/`
        // from the config's folder and land on the same file by chance (CI checks out at another depth).
        let depth = currentFolder.split(separator: "/").count
        let configFolder = "configs/" + String(repeating: "d/", count: depth)
        let old = try folder.write("data:\n  train: \(fromCurrent)\n", to: configFolder + "old.yaml")
        let suggested = ConfigPaths.relative(
            split.standardizedFileURL.path, from: old.deletingLastPathComponent().standardizedFileURL.path)
        XCTAssertThrowsError(try TrainConfig.load(old)) {
            let text = "\($0)"
            XCTAssertTrue(text.hasPrefix(old.path + ": data.train: "), text)
            XCTAssertTrue(text.contains("read from the config file's folder"), text)
            XCTAssertTrue(text.contains("write '\(suggested)'"), text)
        }
        // A config that extends the old one and replaces the path is fine.
        let fixed = try folder.write(
            "extends: old.yaml\ndata:\n  train: \(suggested)\n", to: configFolder + "new.yaml")
        XCTAssertEqual(try TrainConfig.load(fixed).data.train, split.standardizedFileURL.path)
    }

    func testDistillationPathsResolveAgainstTheirFile() throws {
        let folder = try TemporaryDirectory()
        let root = folder.url.standardizedFileURL.path
        try folder.write(
            "teacher:\n  weights: t.pth\npool:\n  folders: [images, /abs/photos]\n  cache: cache\n", to: "base.yaml")
        let child = try folder.write(
            "extends: ../base.yaml\npool:\n  cache: ../caches/pool\n", to: "runs/child.yaml")
        let c = try DistillConfig.load(child)
        XCTAssertEqual(c.teacher.weights, root + "/t.pth")
        XCTAssertEqual(c.pool.folders, [root + "/images", "/abs/photos"])
        XCTAssertEqual(c.pool.cache, root + "/caches/pool")
        XCTAssertEqual(c.train.output, currentFolder + "/runs/distill", "the default, from the current folder")
    }

    /// The repository's configs name the package's files from `Configs/`.
    func testShippedConfigsNameThePackagesFiles() throws {
        let root = PackagePaths.root.standardizedFileURL.path
        let d = try TrainConfig.load(PackagePaths.root.appendingPathComponent("Configs/arc.yaml"))
        XCTAssertEqual(d.data.train, root + "/Data/dataset/train.csv")
        XCTAssertEqual(d.data.val, root + "/Data/dataset/val.csv")
        XCTAssertEqual(d.train.output, root + "/runs/arc")
        let kd = try TrainConfig.load(PackagePaths.root.appendingPathComponent("Configs/distilled-kd.yaml"))
        XCTAssertEqual(kd.distillation.teacher, root + "/.build/teacher/efficientnet-lite0-57934424.pth")
        XCTAssertEqual(kd.model.initPath, root + "/runs/distill/backbone.safetensors")
        let distill = try DistillConfig.load(PackagePaths.root.appendingPathComponent("Configs/distill.yaml"))
        XCTAssertEqual(distill.pool.folders.last, root + "/Data/dataset/train")
        XCTAssertEqual(distill.pool.cache, root + "/runs/distill-cache")
        XCTAssertEqual(distill.teacher.weights, root + "/.build/teacher/efficientnet-lite0-57934424.pth")
    }

    func testRelativePath() {
        XCTAssertEqual(ConfigPaths.relative("/a/b/c", from: "/a/d"), "../b/c")
        XCTAssertEqual(ConfigPaths.relative("/a/b/c", from: "/a"), "b/c")
        XCTAssertEqual(ConfigPaths.relative("/x/y", from: "/a/b"), "../../x/y")
    }
}
