import Foundation

/// The figures of the report pages, each an inline SVG. A figure takes one or several labelled series, so
/// `evaluate`'s page (one model) and `compare`'s (curves of every model overlaid) draw with the same code.
package enum ReportFigures {
    /// A series' colour: the palette in order, dashed from the eleventh series on so that colours repeat
    /// without two series looking alike.
    static func style(_ i: Int) -> (colour: String, dashed: Bool) {
        (SVGPlot.palette[i % SVGPlot.palette.count], i >= SVGPlot.palette.count)
    }

    /// What a threshold curve plots.
    package enum ThresholdMetric: CaseIterable {
        case accuracy, f1
        var name: String { self == .accuracy ? "accuracy" : "F1" }
        func value(_ p: PairVerification.ThresholdPoint) -> Double { self == .accuracy ? p.accuracy : p.f1 }
    }

    /// Rows true, columns predicted; each cell shaded by its share of the row.
    static func confusionHeatMap(_ c: ClassificationEvaluation, suffix: String) -> String {
        let m = c.metrics.confusion
        let k = max(m.count, 1)
        let cell = min(64.0, 220 / Double(k))
        let left = 150.0
        let top = 40.0
        let bottom = top + cell * Double(k)
        let size = (SVGPlot.width, max(SVGPlot.baseHeight, bottom + 86))
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size.0))\" height=\"\(Int(size.1))\" font-family=\"sans-serif\" font-size=\"11\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s +=
            "<text x=\"\(Int(size.0 / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">Confusion matrix\(escape(suffix))</text>"
        for i in 0..<m.count {
            let total = max(1, m[i].reduce(0, +))
            for j in 0..<m.count {
                let share = Double(m[i][j]) / Double(total)
                let shade = Int(255 - share * 200)
                s += String(
                    format:
                        "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"rgb(%d,%d,255)\" stroke=\"#fff\"/>",
                    left + Double(j) * cell, top + Double(i) * cell, cell, cell, shade, shade)
                s += String(
                    format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"%@\">%d</text>",
                    left + (Double(j) + 0.5) * cell,
                    top + (Double(i) + 0.55) * cell, share > 0.6 ? "white" : "black", m[i][j])
            }
            let name = escape(i < c.classNames.count ? c.classNames[i] : "\(i)")
            s += String(
                format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%@</text>", left - 6,
                top + (Double(i) + 0.55) * cell, name)
            s += String(
                format: "<text transform=\"translate(%.0f %.0f) rotate(25)\">%@</text>",
                left + (Double(i) + 0.3) * cell, bottom + 12, name)
        }
        s += String(
            format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">predicted class</text>",
            left + cell * Double(k) / 2, bottom + 76)
        s += String(
            format: "<text transform=\"translate(16 %.0f) rotate(-90)\" text-anchor=\"middle\">true class</text>",
            (top + bottom) / 2)
        return s + "</svg>"
    }

    /// One-vs-rest ROC curves: every class of one model, or one class of several models.
    static func classROC(title: String, _ series: [(label: String, curve: [[Double]])]) -> String {
        var plot = SVGPlot(
            title: title, xLabel: "false positive rate", yLabel: "true positive rate", x: 0...1, y: 0...1)
        for (i, s) in series.enumerated() where !s.curve.isEmpty {
            let (colour, dashed) = style(i)
            plot.line(s.curve.map { ($0[0], $0[1]) }, colour: colour, label: s.label, dashed: dashed)
        }
        plot.line([(0, 0), (1, 1)], colour: "#999", label: "chance", dashed: true)
        return plot.svg
    }

    /// Verification ROC curves overlaid, on a linear or a logarithmic FPR axis.
    static func verificationROC(
        title: String, _ series: [(label: String, report: VerificationReport)], log: Bool, suffix: String = ""
    ) -> String {
        let curves = series.map { s in
            var points =
                s.report.accuracyF1VersusThreshold.map { ($0.fpr, $0.tpr) } + s.report.tprAtFPR.map { ($0.fpr, $0.tpr) }
            points.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            return points
        }
        let smallest = curves.compactMap { $0.first { $0.0 > 0 }?.0 }.min() ?? 1e-5
        let lower = log ? max(1e-6, min(1e-4, smallest / 2)) : 0
        var plot = SVGPlot(
            title: title + (log ? ", log FPR" : "") + suffix,
            xLabel: "false positive rate" + (log ? " (log scale)" : ""),
            yLabel: "true positive rate", x: lower...1, y: 0...1, logX: log)
        for (i, (s, points)) in zip(series, curves).enumerated() {
            let (colour, dashed) = style(i)
            let auroc = String(format: "AUROC %.4f", s.report.auroc)
            plot.line(
                points.filter { !log || $0.0 > 0 }, colour: colour,
                label: s.label.isEmpty ? auroc : "\(s.label) (\(auroc))", dashed: dashed)
        }
        if !log { plot.line([(0, 0), (1, 1)], colour: "#999", label: "chance", dashed: true) }
        return plot.svg
    }

    /// Accuracy and/or F1 against the threshold. One series: each metric in its own colour; several: one
    /// colour per series (the second metric dashed).
    static func thresholdCurves(
        title: String, x: String, _ series: [(label: String, curve: [PairVerification.ThresholdPoint])],
        metrics: [ThresholdMetric] = ThresholdMetric.allCases
    ) -> String {
        let all = series.flatMap(\.curve).filter { $0.threshold.isFinite }
        guard let lo = all.map(\.threshold).min(), let hi = all.map(\.threshold).max(), hi > lo else { return "" }
        var plot = SVGPlot(
            title: title, xLabel: x, yLabel: metrics.map(\.name).joined(separator: " / "), x: lo...hi, y: 0...1)
        for (i, s) in series.enumerated() {
            let points = s.curve.filter { $0.threshold.isFinite }.sorted { $0.threshold < $1.threshold }
            for (j, metric) in metrics.enumerated() {
                let (colour, dashed) = series.count == 1 ? style(j) : style(i)
                plot.line(
                    points.map { ($0.threshold, metric.value($0)) }, colour: colour,
                    label: [s.label, metrics.count > 1 ? metric.name : ""].filter { !$0.isEmpty }.joined(
                        separator: " "),
                    dashed: dashed || (series.count > 1 && j > 0))
            }
        }
        return plot.svg
    }

    static func histograms(_ v: VerificationReport, suffix: String) -> String {
        guard !v.positiveHistogram.isEmpty else { return "" }
        let pos = v.positiveHistogram.map { Double($0) / Double(max(1, v.positives)) }
        let neg = v.negativeHistogram.map { Double($0) / Double(max(1, v.negatives)) }
        var plot = SVGPlot(
            title: "Similarity of positive and negative pairs" + suffix, xLabel: "cosine similarity",
            yLabel: "share of pairs", x: -1...1, y: 0...max(pos.max() ?? 0, neg.max() ?? 0, 1e-9) * 1.05)
        plot.bars(neg, colour: SVGPlot.palette[1], label: "different identity")
        plot.bars(pos, colour: SVGPlot.palette[0], label: "same identity")
        return plot.svg
    }

    /// The colour of the labels outside the `top` of a scatter plot.
    static let greyColour = "#cccccc"

    /// A colour per label: the `top` most frequent labels get the palette and a legend entry, the rest grey
    /// (one "other" entry).
    static func colours(_ labels: [String], top: Int) -> (colours: [String], legend: [(String, String)]) {
        var counts: [String: Int] = [:]
        for l in labels { counts[l, default: 0] += 1 }
        let ranked = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(top).map(
            \.key)
        // Long identity strings (file paths) would make one legend row per entry.
        func short(_ s: String) -> String { s.count > 28 ? "…" + s.suffix(27) : s }
        var legend = ranked.enumerated().map { (short($0.element), SVGPlot.palette[$0.offset % 10]) }
        if counts.count > ranked.count { legend.append(("\(counts.count - ranked.count) others", greyColour)) }
        return (labels.map { l in ranked.firstIndex(of: l).map { SVGPlot.palette[$0 % 10] } ?? greyColour }, legend)
    }

    static func scatter(
        _ points: [(Double, Double)], _ title: String, axes: (String, String),
        _ style: (colours: [String], legend: [(String, String)])
    ) -> String {
        let xs = points.map(\.0)
        let ys = points.map(\.1)
        let pad = { (lo: Double, hi: Double) in (lo - (hi - lo) * 0.05 - 1e-9)...(hi + (hi - lo) * 0.05 + 1e-9) }
        var plot = SVGPlot(
            title: title, xLabel: axes.0, yLabel: axes.1, x: pad(xs.min()!, xs.max()!), y: pad(ys.min()!, ys.max()!))
        // The grey "others" first, so that they never hide the coloured points.
        let grey = style.colours.indices.filter { style.colours[$0] == greyColour }
        let coloured = style.colours.indices.filter { style.colours[$0] != greyColour }
        plot.points((grey + coloured).map { points[$0] }, colours: (grey + coloured).map { style.colours[$0] })
        for (label, colour) in style.legend { plot.legendEntry(label, colour: colour) }
        return plot.svg
    }
}
