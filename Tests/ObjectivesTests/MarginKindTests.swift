import Objectives
import XCTest

final class MarginKindTests: XCTestCase {
    func testATripleIsTheNamedMarginItEquals() {
        XCTAssertEqual(MarginKind(m1: 1, m2: 0, m3: 0), .softmax)
        XCTAssertEqual(MarginKind(m1: 1, m2: 0, m3: 0.35), .cosFace(margin: 0.35))
        XCTAssertEqual(MarginKind(m1: 1, m2: 0.5, m3: 0), .arcFace(margin: 0.5))
        XCTAssertEqual(MarginKind(m1: 0.9, m2: 0.4, m3: 0.15), .combined(m1: 0.9, m2: 0.4, m3: 0.15))
        for kind in [
            MarginKind.softmax, .cosFace(margin: 0.2), .arcFace(margin: 0.3), .combined(m1: 0.9, m2: 0.1, m3: 0.1),
        ] {
            let (m1, m2, m3) = kind.triple
            XCTAssertEqual(MarginKind(m1: m1, m2: m2, m3: m3), kind, kind.name)
        }
    }

    func testTargetsAndTheirDerivatives() {
        XCTAssertEqual(MarginKind.cosFace(margin: 0.4).target(0.7).value, 0.3, accuracy: 1e-6)
        let arc = MarginKind.arcFace(margin: 0.5)
        let c: Float = 0.6
        XCTAssertEqual(arc.target(c).value, cos(acos(c) + 0.5), accuracy: 1e-6)
        let h: Float = 1e-3
        let numeric = (arc.target(c + h).value - arc.target(c - h).value) / (2 * h)
        XCTAssertEqual(arc.target(c).derivative, numeric, accuracy: 1e-2)
        // θ + m > π: insightface's fallback, linear in cos θ.
        XCTAssertEqual(arc.target(-0.99).derivative, 1)
    }
}
