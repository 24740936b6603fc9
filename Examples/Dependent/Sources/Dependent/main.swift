import ClassifyEmbed
import Foundation

// Classifies the images named on the command line with the shipped model (found through $CLASSIFY_EMBED_MODEL
// here, since this executable does not live beside an install or inside a ClassifyEmbed checkout), then
// times single-image predictions: how fast they are depends on the CPU target this package was built for
// (README, "Using the library from another package").
let predictor: Predictor
do { predictor = try Predictor() } catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
for path in CommandLine.arguments.dropFirst() {
    do {
        let p = try predictor.predict(contentsOf: URL(fileURLWithPath: path))
        print("\(path): \(p.label) \(String(format: "%.3f", p.probabilities[p.classIndex]))")
    } catch {
        print("\(path): \(error)")
    }
}
let side = 128
let pixels = (0..<side * side * 3).map { UInt8(truncatingIfNeeded: $0 &* 7) }
var times: [Double] = []
for _ in 0..<200 {
    let start = DispatchTime.now().uptimeNanoseconds
    _ = try predictor.predict(rgb: pixels, width: side, height: side)
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}
times.sort()
print(String(format: "one 128×128 image: %.3f ms (median of %d)", times[times.count / 2], times.count))
