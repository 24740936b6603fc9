import Engine
import XCTest

/// The kernel-set choice: what `CLASSIFY_EMBED_KERNELS` accepts and refuses, and the per-shape rule.
final class KernelSetTests: XCTestCase {
    func testSupportedSetsStartWithTheBaselineAndIncludeTheActiveOne() {
        XCTAssertEqual(KernelSet.supported.first, .avx2)
        XCTAssertTrue(KernelSet.supported.contains(KernelSet.active))
        #if arch(x86_64)
        // The package is built for x86-64-v3: a machine running these tests has AVX2 and FMA.
        XCTAssertTrue(KernelSet.cpuFeatures.contains(.avx2), "\(KernelSet.cpuFeatures)")
        if KernelSet.supported.contains(.avx512) { XCTAssertTrue(KernelSet.cpuFeatures.contains(.avx512)) }
        #endif
    }

    func testEnvironmentValues() throws {
        XCTAssertNil(try KernelSet.requested(environment: nil))
        XCTAssertNil(try KernelSet.requested(environment: ""))
        XCTAssertNil(try KernelSet.requested(environment: "auto"))
        XCTAssertEqual(try KernelSet.requested(environment: "AVX2"), .avx2)
        XCTAssertThrowsError(try KernelSet.requested(environment: "sse4")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("CLASSIFY_EMBED_KERNELS=sse4"), message)
            XCTAssertTrue(message.contains("avx2, avx512 or auto"), message)
        }
        if KernelSet.supported.contains(.avx512) {
            XCTAssertEqual(try KernelSet.requested(environment: "avx512"), .avx512)
        } else {
            XCTAssertThrowsError(try KernelSet.requested(environment: "avx512")) { error in
                XCTAssertTrue("\(error)".contains("cannot run the avx512 kernels"), "\(error)")
            }
        }
    }

    func testPointwiseRule() {
        XCTAssertEqual(KernelSet.avx2.pointwise(inChannels: 256, outChannels: 256), .avx2)
        XCTAssertEqual(KernelSet.avx512.pointwise(inChannels: 256, outChannels: 256), .avx512)
        XCTAssertEqual(KernelSet.avx512.pointwise(inChannels: 128, outChannels: 256), .avx512)
        XCTAssertEqual(KernelSet.avx512.pointwise(inChannels: 128, outChannels: 128), .avx2)
        XCTAssertEqual(KernelSet.avx512.pointwise(inChannels: 32, outChannels: 256), .avx2)
    }
}
