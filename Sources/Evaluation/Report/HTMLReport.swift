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

/// `evaluate`'s `report.html`: one self-contained page (inline SVG, inline CSS, no scripts) with every table
/// and plot of an evaluation. With test-time augmentation the page has two columns, the same figure without
/// and with TTA side by side in each row.
package enum HTMLReport {
    package static func render(
        _ report: EvaluationReport, tta: EvaluationReport? = nil, sample: EmbeddingSample?
    ) -> String {
        var html = """
            <h1>Evaluation of \(escape(report.model))</h1>
            <p>split <code>\(escape(report.split))</code>, \(report.images) images\(tta == nil ? "" : "; with test-time augmentation: " + escape(tta!.tta ?? ""))</p>
            """
        html += HTMLPage.notes(EvaluationReport.notes(of: [report] + (tta.map { [$0] } ?? [])))
        let runs = [("", report)] + (tta.map { [(" (TTA)", $0)] } ?? [])
        let headings = tta == nil ? [] : ["without test-time augmentation", "with test-time augmentation"]
        // With TTA each figure kind is one row of the two-column grid: plain left, TTA right.
        func row(_ figure: (String, EvaluationReport) -> String) -> [String] { runs.map { figure($0.0, $0.1) } }
        if report.classification != nil {
            html += "<h2>Classification head</h2>"
            var cells = row { _, r in r.classification.map(classificationTables) ?? "" }
            cells += row { suffix, r in
                r.classification.map { ReportFigures.confusionHeatMap($0, suffix: suffix) } ?? ""
            }
            cells += row { suffix, r in
                guard let c = r.classification else { return "" }
                return ReportFigures.classROC(
                    title: "One-vs-rest ROC" + suffix,
                    c.rocCurves.enumerated().map { k, curve in
                        (
                            (k < c.classNames.count ? c.classNames[k] : "\(k)")
                                + (c.auroc[k].map { String(format: " (%.3f)", $0) } ?? ""), curve
                        )
                    })
            }
            if report.classification?.accuracyF1VersusThreshold != nil {
                cells += row { suffix, r in
                    guard let curve = r.classification?.accuracyF1VersusThreshold else { return "" }
                    return ReportFigures.thresholdCurves(
                        title: "Accuracy and F1 vs threshold (positive class)" + suffix, x: "probability threshold",
                        [("", curve)])
                }
            }
            html += HTMLPage.grid(cells, headings: headings)
        }
        if let breakdowns = report.breakdowns, !breakdowns.isEmpty {
            html += "<h2>Classification accuracy by attribute</h2>"
            html += HTMLPage.grid(breakdowns.map(breakdownTable))
        }
        if report.verification != nil {
            html += "<h2>Embedding head (verification)</h2>"
            var cells = row { _, r in r.verification.map(verificationTables) ?? "" }
            for log in [false, true] {
                cells += row { suffix, r in
                    r.verification.map {
                        ReportFigures.verificationROC(title: "Verification ROC", [("", $0)], log: log, suffix: suffix)
                    }
                        ?? ""
                }
            }
            cells += row { suffix, r in
                r.verification.map {
                    ReportFigures.thresholdCurves(
                        title: "Accuracy and F1 vs threshold" + suffix, x: "cosine similarity threshold",
                        [("", $0.accuracyF1VersusThreshold)])
                } ?? ""
            }
            cells += row { suffix, r in r.verification.map { ReportFigures.histograms($0, suffix: suffix) } ?? "" }
            html += HTMLPage.grid(cells, headings: headings)
        }
        if let sample, sample.count >= 4 {
            html += "<h2>Embeddings (\(sample.count) images)</h2>"
            let pca = Projection.pca(sample.vectors, count: sample.count, dimension: sample.dimension)
            let tsne = Projection.tsne(sample.vectors, count: sample.count, dimension: sample.dimension)
            let byClass = ReportFigures.colours(sample.classes, top: 10)
            let byIdentity = ReportFigures.colours(sample.identities, top: 10)
            let pcaAxes = ("principal component 1", "principal component 2")
            let tsneAxes = ("t-SNE dimension 1", "t-SNE dimension 2")
            html += HTMLPage.grid([
                ReportFigures.scatter(pca, "PCA, coloured by class", axes: pcaAxes, byClass),
                ReportFigures.scatter(pca, "PCA, coloured by identity (10 largest)", axes: pcaAxes, byIdentity),
                ReportFigures.scatter(tsne, "t-SNE, coloured by class", axes: tsneAxes, byClass),
                ReportFigures.scatter(tsne, "t-SNE, coloured by identity (10 largest)", axes: tsneAxes, byIdentity),
            ])
        }
        html += "<p class=\"note\">Metrics equal scikit-learn's definitions; \(escape(ROC.rule)).</p>"
        return HTMLPage.document(title: "ClassifyEmbed evaluation", body: html)
    }

    /// One `--breakdown` column: per value, the accuracy, right / all, and what the wrong ones were taken for.
    static func breakdownTable(_ b: AccuracyBreakdown) -> String {
        var t =
            "<p><b>by \(escape(b.attribute))</b></p><table><tr><th class=\"name\">\(escape(b.attribute))</th>"
            + "<th>accuracy</th><th>right</th><th>images</th><th class=\"name\">wrong ones taken for</th></tr>"
        for g in b.groups {
            let wrong = g.mistakenFor.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .map { "\(escape($0.key)) \($0.value)" }.joined(separator: ", ")
            t +=
                "<tr><td class=\"name\">\(escape(g.value))</td>"
                + String(format: "<td>%.4f</td><td>%d</td><td>%d</td>", g.accuracy, g.correct, g.images)
                + "<td class=\"name\">\(wrong)</td></tr>"
        }
        t += "</table>"
        if b.unlisted > 0 {
            t += "<p class=\"note\">\(b.unlisted) labelled images are not listed in the breakdown file</p>"
        }
        return t
    }

    /// The classification head's figures (a column heading says whether they are with TTA).
    static func classificationTables(_ c: ClassificationEvaluation) -> String {
        let m = c.metrics
        var t = String(
            format: "<p><b>accuracy %.4f, macro-F1 %.4f, weighted-F1 %.4f</b></p>", m.accuracy, m.macroF1,
            m.weightedF1)
        t +=
            "<table><tr><th class=\"name\">class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>AUROC</th></tr>"
        for k in 0..<m.classes {
            t +=
                "<tr><td class=\"name\">\(escape(k < c.classNames.count ? c.classNames[k] : "\(k)"))</td>"
                + String(
                    format: "<td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td>",
                    m.precision[k], m.recall[k], m.f1[k], m.support[k])
                + "<td>\(c.auroc[k].map { String(format: "%.4f", $0) } ?? "n/a")</td></tr>"
        }
        t += "</table><p class=\"note\">AUROC: each class against the rest</p>"
        if let table = c.tprAtFPR { t += operatingTable(table) }
        return t
    }

    static func verificationTables(_ v: VerificationReport) -> String {
        var t = String(
            format:
                "<p><b>AUROC %.6f</b> over %d pairs (%d positive); best accuracy %.4f at %.4f, best F1 %.4f at %.4f</p>",
            v.auroc, v.pairs, v.positives, v.bestAccuracy.accuracy, v.bestAccuracy.threshold, v.bestF1.f1,
            v.bestF1.threshold)
        t += operatingTable(v.tprAtFPR)
        return t + "<p class=\"note\">\(escape(v.rule))</p>"
    }

    static func operatingTable(_ table: [ROC.OperatingPoint]) -> String {
        var t = "<table><tr><th>FPR ≤</th><th>TPR</th><th>FPR</th><th>threshold</th></tr>"
        for p in table {
            t += String(
                format: "<tr><td>%@</td><td>%.4f</td><td>%.2e</td><td>%@</td></tr>", fprLabel(p.fprTarget), p.tpr,
                p.fpr,
                threshold(p.threshold))
        }
        return t + "</table>"
    }

    /// A threshold for a table cell: ±∞ (the first ROC point) as "inf".
    static func threshold(_ t: Double) -> String {
        t.isFinite ? String(format: "%.4f", t) : (t > 0 ? "inf" : "-inf")
    }
}
