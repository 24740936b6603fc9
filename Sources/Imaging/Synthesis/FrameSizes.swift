import Engine
import Foundation

/// Sizes and shapes of the captures: a long side drawn log-uniformly from `longSides` (so small frames, the
/// cheap ones nearest the model's input, are as common per octave as large ones) and a shape from `aspects`
/// (long side over short side; 1 is square), turned to portrait or landscape as asked.
package struct FrameSizes: Sendable {
    package var longSides: ClosedRange<Int>
    package var aspects: [Double]

    package init(longSides: ClosedRange<Int> = 144...512, aspects: [Double] = [1, 1.25, 4.0 / 3, 1.5, 16.0 / 9]) {
        precondition(longSides.lowerBound >= 8 && !aspects.isEmpty && aspects.allSatisfy { $0 >= 1 })
        self.longSides = longSides
        self.aspects = aspects
    }

    /// One fixed size (tests, old behaviour): `long × long·¾`.
    package static func fixed(_ long: Int) -> FrameSizes { FrameSizes(longSides: long...long, aspects: [4.0 / 3]) }

    package func draw(portrait: Bool, rng: inout SeededGenerator) -> (width: Int, height: Int) {
        let lo = log(Double(longSides.lowerBound))
        let hi = log(Double(longSides.upperBound))
        let long = Int(exp(rng.range(lo, hi)).rounded())
        let aspect = aspects[Int(rng.next() % UInt64(aspects.count))]
        let short = max(8, Int((Double(long) / aspect).rounded()))
        return portrait ? (short, long) : (long, short)
    }
}
