import Evaluation
import Foundation
import XCTest

/// report.html's layout rules: legends below the plotted area (never over a curve or a point), axis titles on
/// every plot, the notes on the page, and comparison tables that bold only a best value the table shows.
final class ReportLayoutTests: XCTestCase {
    /// (label, y) of every `<text>` in `svg`.
    private func texts(_ svg: String) -> [(String, Double)] {
        let pattern = try! NSRegularExpression(pattern: #"<text x="[-0-9.]+" y="([-0-9.]+)"[^>]*>([^<]*)</text>"#)
        return pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map { m in
            let s = svg as NSString
            return (s.substring(with: m.range(at: 2)), Double(s.substring(with: m.range(at: 1)))!)
        }
    }

    func testLegendSitsBelowThePlottedAreaAndGrowsTheFigure() {
        var plot = SVGPlot(title: "t", xLabel: "x title", yLabel: "y title", x: 0...1, y: 0...1)
        for i in 0..<12 { plot.line([(0, 0), (1, Double(i) / 12)], colour: "#000", label: "series number \(i)") }
        let svg = plot.svg
        // The plotted area ends 44 px above the base height; the x-axis title sits below it.
        let plotBottom = SVGPlot.baseHeight - 44
        let labels = texts(svg).filter { $0.0.hasPrefix("series number") }
        XCTAssertEqual(labels.count, 12)
        for (label, y) in labels { XCTAssertGreaterThan(y, plotBottom + 32, label) }
        let xTitle = try! XCTUnwrap(texts(svg).first { $0.0 == "x title" })
        XCTAssertGreaterThan(xTitle.1, plotBottom)
        XCTAssertTrue(svg.contains(">y title</text>"))
        let height = Double(svg.components(separatedBy: "height=\"")[1].prefix { $0 != "\"" })!
        XCTAssertGreaterThan(height, SVGPlot.baseHeight, "the legend's rows make the figure taller")
        XCTAssertGreaterThan(height, labels.map(\.1).max()!, "and stay inside it")
    }

    func testEvaluationPageShowsTheNotesAndAxisTitles() throws {
        // Class "c" never occurs in the truth: macro-F1 still averages over it, which the page must say.
        let n = 24
        var report = EvaluationReport(model: "m", split: "s", images: n)
        report.classification = try ClassificationEvaluation(
            logits: (0..<n).map { [Float]($0 % 2 == 0 ? [2, 0, 0] : [0, 2, 0]) }, truth: (0..<n).map { $0 % 2 },
            classNames: ["a", "b", "c"], binary: false)
        var vectors: [Float] = []
        for i in 0..<n {
            for k in 0..<4 { vectors.append((k == i % 3 ? 1 : 0) + Float(i) * 1e-3) }
        }
        let v = try vectors.withUnsafeBufferPointer {
            try PairVerification(
                embeddings: $0.baseAddress!, count: n, dimension: 4, identities: (0..<n).map { $0 % 3 })
        }
        report.verification = VerificationReport(v)
        let sample = EmbeddingSample(
            vectors: vectors, dimension: 4, classes: (0..<n).map { $0 % 2 == 0 ? "a" : "b" },
            identities: (0..<n).map { "\($0 % 3)" })
        let html = HTMLReport.render(report, sample: sample)
        XCTAssertTrue(html.contains("<ul class=\"notes\">"))
        XCTAssertTrue(html.contains("no row of the split is c; macro-F1 still averages over all 3 classes"))
        XCTAssertTrue(html.contains("scored all 276 unordered pairs"))
        XCTAssertTrue(html.contains("zero-shot protocol not checked"))
        for title in [
            "principal component 1", "principal component 2", "t-SNE dimension 1", "predicted class",
            "true class", "false positive rate (log scale)", "cosine similarity threshold",
        ] {
            XCTAssertTrue(html.contains(">\(title)</text>"), title)
        }
    }

    func testMarkdownBoldsOnlyAShownDifference() throws {
        let vectors: [Float] = [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9]
        let v = try vectors.withUnsafeBufferPointer {
            try PairVerification(embeddings: $0.baseAddress!, count: 4, dimension: 2, identities: [0, 0, 1, 1])
        }
        let rows = [(0.91, 5.5801), (0.93, 5.5802)].enumerated().map { i, values in
            var evaluation = EvaluationReport(model: "m\(i)", split: "s", images: 4)
            evaluation.verification = VerificationReport(v)
            evaluation.verification!.auroc = values.0
            return ComparisonRow(
                name: "m|\(i)", model: "m\(i)", modelID: "", inputSize: 128, embeddingSize: 2, classNames: ["a"],
                sizeMiB: values.1, latency: Latency(singleImageMs: 1, batchedMsPerImage: 1), evaluation: evaluation,
                classificationColumns: true)
        }
        let report = ComparisonReport(
            split: "s", images: 4, trainSplit: nil, classNames: nil, notes: [], latencyMethod: "", rows: rows)
        let lines = ComparisonTable.markdown(report, columns: ComparisonTable.headline(report)).split(separator: "\n")
        XCTAssertEqual(
            lines[0], "| Name | TPR@FPR=1e-4 | ROC | latency (ms) | Size (MiB) |", "no classification columns")
        XCTAssertEqual(lines[1], "| --- | :---: | :---: | :---: | :---: |")
        // AUROC differs in the shown digits: the higher is bold. Sizes, latencies and TPRs look the same: no bold.
        XCTAssertEqual(lines[2], "| m\\|0 | 1.000 | 0.9100 | 1.00 | 5.58 |")
        XCTAssertEqual(lines[3], "| m\\|1 | 1.000 | **0.9300** | 1.00 | 5.58 |")
    }
}
