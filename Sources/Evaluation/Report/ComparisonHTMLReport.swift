import Foundation

/// `compare`'s `report.html`: the comparison tables (one row per model, best values in bold) and every
/// model's curves overlaid in one plot per figure, on the same page frame and figures as `evaluate`'s report.
package enum ComparisonHTMLReport {
    package static func render(_ report: ComparisonReport) -> String {
        let rows = report.rows
        var html = """
            <h1>Comparison of \(rows.count) model\(rows.count == 1 ? "" : "s")</h1>
            <p>split <code>\(escape(report.split))</code>, \(report.images) images; every model scored by the same \
            evaluator as <code>classify-and-embed evaluate</code></p>
            """
        html += HTMLPage.notes(report.notes)
        html += "<h2>Summary</h2>"
        html += ComparisonTable.html(report, columns: ComparisonTable.headline(report), caption: "")
        html += "<h2>Models</h2>" + ComparisonTable.html(report, columns: modelColumns(report), caption: "")
        html += "<p class=\"note\">latency: \(escape(report.latencyMethod))</p><ul class=\"note\">"
        html += rows.map { "<li><b>\(escape($0.name))</b>: <code>\(escape($0.model))</code> (id \($0.modelID))</li>" }
            .joined()
        html += "</ul>"
        if let names = report.classNames, rows.contains(where: { $0.macroF1 != nil }) {
            html += "<h2>Classification head</h2>"
            html += ComparisonTable.html(report, columns: classificationColumns(report, names), caption: "")
            let curves = names.indices.map { k in
                ReportFigures.classROC(
                    title: "One-vs-rest ROC: \(names[k])",
                    rows.compactMap { row in
                        guard let c = row.evaluation.classification, k < c.rocCurves.count else { return nil }
                        return (
                            row.name + (c.auroc[k].map { String(format: " (%.3f)", $0) } ?? ""), c.rocCurves[k]
                        )
                    })
            }
            html += HTMLPage.grid(curves)
        }
        let verified = rows.compactMap { row in row.evaluation.verification.map { (label: row.name, report: $0) } }
        if !verified.isEmpty {
            html += "<h2>Embedding head (verification)</h2>"
            html += ComparisonTable.html(report, columns: verificationColumns(report), caption: "")
            let curves = verified.map { (label: $0.label, curve: $0.report.accuracyF1VersusThreshold) }
            html += HTMLPage.grid(
                [false, true].map { ReportFigures.verificationROC(title: "Verification ROC", verified, log: $0) }
                    + ReportFigures.ThresholdMetric.allCases.map { metric in
                        ReportFigures.thresholdCurves(
                            title: "\(metric == .accuracy ? "Accuracy" : "F1") vs threshold",
                            x: "cosine similarity threshold", curves, metrics: [metric])
                    })
        }
        html += "<p class=\"note\">Metrics equal scikit-learn's definitions; \(escape(ROC.rule)).</p>"
        return HTMLPage.document(title: "ClassifyEmbed comparison", body: html)
    }

    static func modelColumns(_ report: ComparisonReport) -> [ComparisonTable.Column] {
        let rows = report.rows
        return [
            .init(header: "input (px)", values: rows.map { Double($0.inputSize) }, best: .none, decimals: 0),
            .init(header: "embedding", values: rows.map { Double($0.embeddingSize) }, best: .none, decimals: 0),
            .init(header: "size (MiB)", values: rows.map(\.sizeMiB), best: .lowest, decimals: 2),
            .init(
                header: "latency, batch 1 (ms)", values: rows.map { $0.latency.singleImageMs }, best: .lowest,
                decimals: 3),
            .init(
                header: "batched (ms/image)", values: rows.map { $0.latency.batchedMsPerImage }, best: .lowest,
                decimals: 3),
        ]
    }

    static func classificationColumns(_ report: ComparisonReport, _ names: [String]) -> [ComparisonTable.Column] {
        let rows = report.rows
        var columns: [ComparisonTable.Column] = [
            .init(header: "accuracy", values: rows.map(\.accuracy), best: .highest, decimals: 4),
            .init(header: "macro-F1", values: rows.map(\.macroF1), best: .highest, decimals: 4),
        ]
        for (k, name) in names.enumerated() {
            columns.append(
                .init(header: "F1 \(name)", values: rows.map { $0.f1PerClass?[k] }, best: .highest, decimals: 4))
        }
        for (k, name) in names.enumerated() {
            columns.append(
                .init(
                    header: "AUROC \(name)", values: rows.map { $0.aurocPerClass?[k] ?? nil }, best: .highest,
                    decimals: 4))
        }
        return columns
    }

    static func verificationColumns(_ report: ComparisonReport) -> [ComparisonTable.Column] {
        let rows = report.rows
        var columns: [ComparisonTable.Column] = [
            .init(header: "AUROC", values: rows.map(\.auroc), best: .highest, decimals: 4)
        ]
        for target in ROC.standardTargets where target < 1 {
            columns.append(
                .init(
                    header: "TPR@FPR=\(fprLabel(target))", values: rows.map { $0.tpr(atFPR: target) },
                    best: .highest, decimals: 4))
        }
        columns += [
            .init(header: "best accuracy", values: rows.map { $0.bestAccuracy?.accuracy }, best: .highest, decimals: 4),
            .init(header: "at threshold", values: rows.map { $0.bestAccuracy?.threshold }, best: .none, decimals: 4),
            .init(header: "best F1", values: rows.map { $0.bestF1?.f1 }, best: .highest, decimals: 4),
            .init(header: "at threshold", values: rows.map { $0.bestF1?.threshold }, best: .none, decimals: 4),
        ]
        return columns
    }
}
