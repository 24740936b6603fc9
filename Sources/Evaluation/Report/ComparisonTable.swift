import Foundation

/// The comparison's tables as columns of numbers, rendered as Markdown (DocClassifier's README tables:
/// `| Name | TPR@FPR=1e-4 | ROC | … |`, the best value of each column in bold), as aligned text for the
/// terminal, and as HTML for report.html.
package enum ComparisonTable {
    /// Which value of a column is the best one (bold).
    package enum Best {
        case highest, lowest, none
    }

    package struct Column {
        package var header: String
        /// One value per row; nil where the row has none (an unscored head).
        package var values: [Double?]
        package var best: Best
        package var decimals: Int

        /// The rows holding the column's best value as shown (ties all count); none when every row shows the
        /// same value or the column has no winner: bold on a difference the table does not show would mislead.
        var bestRows: Set<Int> {
            let scale = pow(10, Double(decimals))
            let shown = values.map { $0.map { ($0 * scale).rounded() } }
            let present = shown.compactMap { $0 }
            guard Set(present).count > 1, best != .none else { return [] }
            let target = best == .highest ? present.max()! : present.min()!
            return Set(shown.indices.filter { shown[$0] == target })
        }

        func cell(_ row: Int) -> String {
            guard let v = values[row] else { return "–" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            return String(format: "%.\(decimals)f", v)
        }
    }

    /// The headline columns: verification at DocClassifier's FPR level and AUROC ("ROC"), the classification
    /// head's macro-F1 and accuracy, single-image latency and file size. Columns of an unscored head are left out.
    package static func headline(_ report: ComparisonReport) -> [Column] {
        let rows = report.rows
        var columns: [Column] = []
        if rows.contains(where: { $0.auroc != nil }) {
            columns.append(
                Column(header: "TPR@FPR=1e-4", values: rows.map { $0.tpr(atFPR: 1e-4) }, best: .highest, decimals: 3))
            columns.append(Column(header: "ROC", values: rows.map(\.auroc), best: .highest, decimals: 4))
        }
        if rows.contains(where: { $0.macroF1 != nil }) {
            columns.append(Column(header: "macro-F1", values: rows.map(\.macroF1), best: .highest, decimals: 4))
            columns.append(Column(header: "accuracy", values: rows.map(\.accuracy), best: .highest, decimals: 4))
        }
        columns.append(
            Column(header: "latency (ms)", values: rows.map { $0.latency.singleImageMs }, best: .lowest, decimals: 2))
        columns.append(Column(header: "Size (MiB)", values: rows.map(\.sizeMiB), best: .lowest, decimals: 2))
        return columns
    }

    /// A Markdown table: `| Name | … |`, the header rule centring the numbers, best values in bold.
    package static func markdown(_ report: ComparisonReport, columns: [Column]) -> String {
        var lines = [
            "| Name | " + columns.map(\.header).joined(separator: " | ") + " |",
            "| --- | " + columns.map { _ in ":---:" }.joined(separator: " | ") + " |",
        ]
        let best = columns.map(\.bestRows)
        for (i, row) in report.rows.enumerated() {
            let cells = columns.indices.map { c in
                best[c].contains(i) ? "**\(columns[c].cell(i))**" : columns[c].cell(i)
            }
            lines.append("| \(markdownEscaped(row.name)) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// The same table as aligned plain text (the terminal summary).
    package static func text(_ report: ComparisonReport, columns: [Column]) -> String {
        let header = ["name"] + columns.map(\.header)
        let body = report.rows.indices.map { i in [report.rows[i].name] + columns.indices.map { columns[$0].cell(i) } }
        let widths = header.indices.map { c in ([header] + body).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, text in
                c == 0
                    ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - text.count) + text
            }.joined(separator: "  ")
        }
        return ([line(header)] + body.map(line)).joined(separator: "\n")
    }

    /// An HTML table with a name column, best values in bold.
    package static func html(_ report: ComparisonReport, columns: [Column], caption: String) -> String {
        var t =
            "<div class=\"wide\"><table><caption>\(escape(caption))</caption><tr><th class=\"name\">name</th>"
            + columns.map { "<th>\(escape($0.header))</th>" }.joined() + "</tr>"
        let best = columns.map(\.bestRows)
        for (i, row) in report.rows.enumerated() {
            t += "<tr><td class=\"name\">\(escape(row.name))</td>"
            for c in columns.indices {
                t += "<td\(best[c].contains(i) ? " class=\"best\"" : "")>\(columns[c].cell(i))</td>"
            }
            t += "</tr>"
        }
        return t + "</table></div>"
    }

    /// A name in a Markdown cell: a `|` would end the cell.
    static func markdownEscaped(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
}
