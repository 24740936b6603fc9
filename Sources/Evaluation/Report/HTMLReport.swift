import Foundation

/// Embeddings to draw in the report's scatter plots: a subsample with each point's class and identity.
package struct EmbeddingSample: Sendable {
    package var vectors: [Float]
    package var dimension: Int
    package var classes: [String]
    package var identities: [String]

    package init(vectors: [Float], dimension: Int, classes: [String], identities: [String]) {
        self.vectors = vectors
        self.dimension = dimension
        self.classes = classes
        self.identities = identities
    }
    package var count: Int { classes.count }
}

/// `report.html`: one self-contained page (inline SVG, inline CSS, no scripts) with every table and plot of an
/// evaluation, and the same figures without and with test-time augmentation side by side when both exist.
package enum HTMLReport {
    package static func render(
        _ report: EvaluationReport, tta: EvaluationReport? = nil, sample: EmbeddingSample?
    ) -> String {
        var html = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>ClassifyEmbed evaluation</title><style>
            body{font-family:sans-serif;margin:24px;color:#222;max-width:1500px} h1{font-size:22px} h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
            table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px} th{background:#f3f3f3}
            .row{display:flex;flex-wrap:wrap;gap:12px} .note{color:#666;font-size:12px}
            </style></head><body>
            <h1>Evaluation of \(escape(report.model))</h1>
            <p>split <code>\(escape(report.split))</code>, \(report.images) images\(tta == nil ? "" : "; with test-time augmentation: " + escape(tta!.tta ?? ""))</p>
            """
        let runs = [("", report)] + (tta.map { [(" (TTA)", $0)] } ?? [])
        if report.classification != nil {
            html += "<h2>Classification head</h2><div class=\"row\">"
            for (suffix, r) in runs {
                if let c = r.classification { html += "<div>" + classificationTables(c, suffix: suffix) + "</div>" }
            }
            html += "</div><div class=\"row\">"
            for (suffix, r) in runs {
                if let c = r.classification {
                    html += confusionHeatMap(c, suffix: suffix) + classROC(c, suffix: suffix)
                    if let curve = c.accuracyF1VersusThreshold {
                        html += thresholdCurves(
                            curve, title: "Accuracy and F1 vs threshold (positive class)" + suffix,
                            x: "probability threshold")
                    }
                }
            }
            html += "</div>"
        }
        if report.verification != nil {
            html += "<h2>Embedding head (verification)</h2><div class=\"row\">"
            for (suffix, r) in runs {
                if let v = r.verification { html += "<div>" + verificationTables(v, suffix: suffix) + "</div>" }
            }
            html += "</div><div class=\"row\">"
            for (suffix, r) in runs {
                guard let v = r.verification else { continue }
                html += verificationROC(v, log: false, suffix: suffix) + verificationROC(v, log: true, suffix: suffix)
                html += thresholdCurves(
                    v.accuracyF1VersusThreshold, title: "Accuracy and F1 vs threshold" + suffix,
                    x: "cosine similarity threshold")
                html += histograms(v, suffix: suffix)
            }
            html += "</div>"
        }
        if let z = report.zeroShot {
            html +=
                "<h2>Zero-shot protocol</h2><p>"
                + (z.holds
                    ? "No test identity occurs in <code>\(escape(z.trainSplit))</code>."
                    : "VIOLATED: \(z.sharedIdentities.count) test identities also occur in <code>\(escape(z.trainSplit))</code>: "
                        + escape(z.sharedIdentities.prefix(20).joined(separator: ", "))) + "</p>"
        }
        if let sample, sample.count >= 4 {
            html += "<h2>Embeddings (\(sample.count) images)</h2><div class=\"row\">"
            let pca = Projection.pca(sample.vectors, count: sample.count, dimension: sample.dimension)
            let tsne = Projection.tsne(sample.vectors, count: sample.count, dimension: sample.dimension)
            html += scatter(pca, "PCA, coloured by class", colours(sample.classes, top: 10))
            html += scatter(pca, "PCA, coloured by identity (10 largest)", colours(sample.identities, top: 10))
            html += scatter(tsne, "t-SNE, coloured by class", colours(sample.classes, top: 10))
            html += scatter(tsne, "t-SNE, coloured by identity (10 largest)", colours(sample.identities, top: 10))
            html += "</div>"
        }
        return html
            + "<p class=\"note\">Metrics equal scikit-learn's definitions; \(escape(ROC.rule)).</p></body></html>"
    }

    static func classificationTables(_ c: ClassificationEvaluation, suffix: String) -> String {
        let m = c.metrics
        var t = String(
            format: "<p><b>accuracy %.4f, macro-F1 %.4f, weighted-F1 %.4f</b>%@</p>", m.accuracy, m.macroF1,
            m.weightedF1, suffix)
        t +=
            "<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>AUROC (one-vs-rest)</th></tr>"
        for k in 0..<m.classes {
            t +=
                "<tr><td>\(escape(k < c.classNames.count ? c.classNames[k] : "\(k)"))</td>"
                + String(
                    format: "<td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td>",
                    m.precision[k], m.recall[k], m.f1[k], m.support[k])
                + "<td>\(c.auroc[k].map { String(format: "%.4f", $0) } ?? "n/a")</td></tr>"
        }
        t += "</table>"
        if let table = c.tprAtFPR { t += operatingTable(table) }
        return t
    }

    static func verificationTables(_ v: VerificationReport, suffix: String) -> String {
        var t = String(
            format:
                "<p><b>AUROC %.6f</b> over %d pairs (%d positive)%@; best accuracy %.4f at %.4f, best F1 %.4f at %.4f</p>",
            v.auroc, v.pairs, v.positives, suffix, v.bestAccuracy.accuracy, v.bestAccuracy.threshold, v.bestF1.f1,
            v.bestF1.threshold)
        t += operatingTable(v.tprAtFPR)
        return t + "<p class=\"note\">\(escape(v.rule))</p>"
    }

    static func operatingTable(_ table: [ROC.OperatingPoint]) -> String {
        var t = "<table><tr><th>FPR ≤</th><th>TPR</th><th>FPR</th><th>threshold</th></tr>"
        for p in table {
            t += String(
                format: "<tr><td>%g</td><td>%.4f</td><td>%.2e</td><td>%@</td></tr>", p.fprTarget, p.tpr, p.fpr,
                p.threshold.isFinite ? String(format: "%.4f", p.threshold) : "inf")
        }
        return t + "</table>"
    }

    static func confusionHeatMap(_ c: ClassificationEvaluation, suffix: String) -> String {
        let m = c.metrics.confusion
        let k = m.count
        let cell = 64.0
        let left = 120.0
        let top = 40.0
        let size = (left + cell * Double(k) + 20, top + cell * Double(k) + 50)
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size.0))\" height=\"\(Int(size.1))\" font-family=\"sans-serif\" font-size=\"11\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s +=
            "<text x=\"\(Int(size.0 / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">Confusion matrix\(escape(suffix)) (rows true)</text>"
        for i in 0..<k {
            let total = max(1, m[i].reduce(0, +))
            for j in 0..<k {
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
                left + (Double(i) + 0.3) * cell, top + Double(k) * cell + 12, name)
        }
        return s + "</svg>"
    }

    static func classROC(_ c: ClassificationEvaluation, suffix: String) -> String {
        var plot = SVGPlot(
            title: "One-vs-rest ROC" + suffix, xLabel: "false positive rate", yLabel: "true positive rate", x: 0...1,
            y: 0...1)
        for (k, curve) in c.rocCurves.enumerated() where !curve.isEmpty {
            plot.line(
                curve.map { ($0[0], $0[1]) }, colour: SVGPlot.palette[k % 10],
                label: (k < c.classNames.count ? c.classNames[k] : "\(k)")
                    + (c.auroc[k].map { String(format: " (%.3f)", $0) } ?? ""))
        }
        plot.line([(0, 0), (1, 1)], colour: "#999", dashed: true)
        return plot.svg
    }

    static func verificationROC(_ v: VerificationReport, log: Bool, suffix: String) -> String {
        var points = v.accuracyF1VersusThreshold.map { ($0.fpr, $0.tpr) } + v.tprAtFPR.map { ($0.fpr, $0.tpr) }
        points.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        let lower = log ? max(1e-6, min(1e-4, (points.first { $0.0 > 0 }?.0 ?? 1e-5) / 2)) : 0
        var plot = SVGPlot(
            title: "Verification ROC" + (log ? ", log FPR" : "") + suffix, xLabel: "false positive rate",
            yLabel: "true positive rate", x: lower...1, y: 0...1, logX: log)
        plot.line(
            points.filter { !log || $0.0 > 0 }, colour: SVGPlot.palette[0], label: String(format: "AUROC %.4f", v.auroc)
        )
        return plot.svg
    }

    static func thresholdCurves(_ curve: [PairVerification.ThresholdPoint], title: String, x: String) -> String {
        let pts = curve.filter { $0.threshold.isFinite }
        guard let lo = pts.map(\.threshold).min(), let hi = pts.map(\.threshold).max(), hi > lo else { return "" }
        var plot = SVGPlot(title: title, xLabel: x, yLabel: "score", x: lo...hi, y: 0...1)
        plot.line(
            pts.map { ($0.threshold, $0.accuracy) }.sorted { $0.0 < $1.0 }, colour: SVGPlot.palette[0],
            label: "accuracy")
        plot.line(pts.map { ($0.threshold, $0.f1) }.sorted { $0.0 < $1.0 }, colour: SVGPlot.palette[1], label: "F1")
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

    /// A colour per label: the `top` most frequent labels get the palette (and a legend entry), the rest grey.
    static func colours(_ labels: [String], top: Int) -> (colours: [String], legend: [(String, String)]) {
        var counts: [String: Int] = [:]
        for l in labels { counts[l, default: 0] += 1 }
        let ranked = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(top).map(
            \.key)
        let legend = ranked.count <= 5 ? ranked.enumerated().map { ($0.element, SVGPlot.palette[$0.offset % 10]) } : []
        return (labels.map { l in ranked.firstIndex(of: l).map { SVGPlot.palette[$0 % 10] } ?? "#cccccc" }, legend)
    }

    static func scatter(
        _ points: [(Double, Double)], _ title: String, _ style: (colours: [String], legend: [(String, String)])
    ) -> String {
        let xs = points.map(\.0)
        let ys = points.map(\.1)
        let pad = { (lo: Double, hi: Double) in (lo - (hi - lo) * 0.05 - 1e-9)...(hi + (hi - lo) * 0.05 + 1e-9) }
        var plot = SVGPlot(
            title: title, xLabel: "", yLabel: "", x: pad(xs.min()!, xs.max()!), y: pad(ys.min()!, ys.max()!))
        plot.points(points, colours: style.colours)
        for (label, colour) in style.legend { plot.legendEntry(label, colour: colour) }
        return plot.svg
    }
}
