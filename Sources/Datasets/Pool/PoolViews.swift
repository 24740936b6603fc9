import Engine
import Foundation
import Imaging

/// The augmented views of the distillation pool: view k of image i is rendered from the pool's decoded image
/// with a generator seeded by (seed, k, i) only, so the teacher (while its cache is built) and the student
/// (at every epoch of training) see exactly the same pixels, each in its own normalisation. With
/// `cleanFirstView`, view 0 is the plain resized image (no augmentation), the others augmented.
package struct PoolViews: Codable, Equatable, Sendable {
    /// Views per image (K).
    package var count: Int
    /// Input side of the views in pixels.
    package var size: Int
    package var cleanFirstView: Bool
    package var seed: UInt64
    package var augmentation: AugmentationSettings

    package init(count: Int, size: Int, cleanFirstView: Bool, seed: UInt64, augmentation: AugmentationSettings) {
        precondition(count >= 1 && size >= 8, "at least one view of at least 8 pixels")
        self.count = count
        self.size = size
        self.cleanFirstView = cleanFirstView
        self.seed = seed
        self.augmentation = augmentation
    }

    /// The generator of view `view` of image `image`: a function of (seed, view, image) and nothing else.
    package func generator(image: Int, view: Int) -> SeededGenerator {
        SeededGenerator(seed: seed ^ (UInt64(view) &* 0xD1B5_4A32_D192_ED03) ^ (UInt64(image) &* 0x2545_F491_4F6C_DD1D))
    }

    /// Renders view `view` of pool image `image` with `normalisation` (its mean, std and scale; the size is
    /// this view set's) into 3·size·size floats at `destination`.
    package func render(
        _ pool: ImagePool, image: Int, view: Int, normalisation: Preprocessing,
        into destination: UnsafeMutablePointer<Float>
    ) {
        var p = normalisation
        p.width = size
        p.height = size
        let settings = cleanFirstView && view == 0 ? AugmentationSettings.none : augmentation
        var rng = generator(image: image, view: view)
        Augmenter(settings: settings, preprocessing: p).render(pool.image(image), rng: &rng, into: destination)
    }
}
