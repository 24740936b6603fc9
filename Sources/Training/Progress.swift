import Foundation
import Glibc

/// A progress bar on a terminal (one line redrawn in place), plain lines otherwise (logs, CI).
package final class ProgressReporter {
    private let interactive: Bool
    private let plainEvery: Int
    private var lastLength = 0

    package init(plainEvery: Int = 20) {
        interactive = isatty(STDOUT_FILENO) != 0
        self.plainEvery = plainEvery
    }

    package func step(
        epoch: Int, epochs: Int, batch: Int, batches: Int, classificationLoss: Float, embeddingLoss: Float,
        distillationLoss: Float? = nil, learningRate: Float, imagesPerSecond: Double, etaSeconds: Double
    ) {
        let eta = etaSeconds.isFinite ? String(format: "%d:%02d", Int(etaSeconds) / 60, Int(etaSeconds) % 60) : "?"
        let kd = distillationLoss.map { String(format: "  kd %.4f", $0) } ?? ""
        let text = String(
            format: "epoch %d/%d  step %d/%d  cls %.4f  emb %.4f%@  lr %.2e  %.0f img/s  ETA %@",
            epoch + 1, epochs, batch + 1, batches, classificationLoss, embeddingLoss, kd, learningRate,
            imagesPerSecond, eta)
        if interactive {
            let width = 28
            let filled = batches > 0 ? width * (batch + 1) / batches : width
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            let line = bar + text
            print("\r" + line + String(repeating: " ", count: max(0, lastLength - line.count)), terminator: "")
            lastLength = line.count
            fflush(nil)
        } else if (batch + 1) % plainEvery == 0 || batch + 1 == batches {
            print(text)
            fflush(nil)
        }
    }

    package func line(_ text: String) {
        if interactive && lastLength > 0 {
            print("")
            lastLength = 0
        }
        print(text)
        fflush(nil)
    }
}
