/// The frame every report page shares: one self-contained document (inline CSS, no scripts), the figure
/// grid and the notes box. `evaluate`'s report.html and `compare`'s use it, so they look alike.
package enum HTMLPage {
    /// Every figure is `SVGPlot.width` wide, so a grid of columns that wide lines plots up in rows and columns
    /// whatever their legends add below them; fixed columns also keep a row's text from widening its column.
    /// Three columns fit a 1400-pixel window.
    private static let column = Int(SVGPlot.width)
    private static let gap = 16
    private static let style = """
        body{font-family:sans-serif;margin:20px;color:#222;max-width:1500px}
        h1{font-size:22px} h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}
        th{background:#f3f3f3} td.name,th.name{text-align:left} td.best{font-weight:bold}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,\(column)px);gap:18px \(gap)px;align-items:start;margin:10px 0}
        .grid.pairs{grid-template-columns:repeat(2,\(column)px)}
        .grid svg{display:block} .colhead{font-weight:bold;font-size:14px;margin:0}
        .notes{background:#fff8e1;border:1px solid #e8d48a;padding:8px 12px 8px 30px;font-size:13px;max-width:1100px}
        .notes li{margin:3px 0} .note{color:#666;font-size:12px} .wide{overflow-x:auto}
        """

    /// A complete page around `body`.
    package static func document(title: String, body: String) -> String {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>\(escape(title))</title><style>\(style)</style>"
            + "</head><body>\(body)</body></html>"
    }

    /// Figures (or tables) in the page's grid. With `headings`, the grid has one column per heading (a run
    /// without and with test-time augmentation) and `cells` fill it row by row.
    package static func grid(_ cells: [String], headings: [String] = []) -> String {
        let items = cells.filter { !$0.isEmpty }
        guard !items.isEmpty else { return "" }
        if headings.count > 1 {
            return "<div class=\"grid pairs\">"
                + headings.map { "<p class=\"colhead\">\(escape($0))</p>" }.joined()
                + cells.map { "<div>\($0)</div>" }.joined() + "</div>"
        }
        return "<div class=\"grid\">" + items.map { "<div>\($0)</div>" }.joined() + "</div>"
    }

    /// The notes a reader needs before trusting the figures, as a highlighted list (nothing when empty).
    package static func notes(_ notes: [String]) -> String {
        guard !notes.isEmpty else { return "" }
        return "<ul class=\"notes\">" + notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
    }
}
