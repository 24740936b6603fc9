import Foundation

/// A small SVG chart: axes with ticks and titles, line series, bar series, scatter points and a legend.
/// Self-contained markup (no scripts, no external styles) for `report.html`.
///
/// Every plot has the same plotted area (so plots line up in the report's grid); the legend sits below the
/// x-axis title, outside the plotted area, where it can never cover a curve or a point: its rows make the
/// SVG taller instead.
package struct SVGPlot {
    package static let width = 440.0
    /// Height without the legend: the title, the plotted area and the x axis with its title.
    package static let baseHeight = 320.0
    package var title: String
    package var xLabel: String, yLabel: String
    package var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    /// Logarithmic x axis (decades); values ≤ 0 are clamped to the lower bound.
    package var logX = false
    private var body: [String] = []
    private var legend: [LegendEntry] = []
    private let margin = (left: 56.0, right: 14.0, top: 28.0, bottom: 44.0)

    package static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
        "#bcbd22", "#7f7f7f",
    ]

    /// How a legend entry draws its key: the series it names is a line, bars or points.
    private enum LegendMark {
        case line(dashed: Bool), box, dot
    }

    private struct LegendEntry {
        var label: String
        var colour: String
        var mark: LegendMark
    }

    package init(
        title: String, xLabel: String, yLabel: String, x: ClosedRange<Double>, y: ClosedRange<Double>,
        logX: Bool = false
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        xRange = x
        yRange = y
        self.logX = logX
    }

    private var plotBottom: Double { Self.baseHeight - margin.bottom }

    private func px(_ x: Double) -> Double {
        let w = Self.width - margin.left - margin.right
        if logX {
            let lo = log10(xRange.lowerBound)
            let hi = log10(xRange.upperBound)
            return margin.left + (log10(max(x, xRange.lowerBound)) - lo) / (hi - lo) * w
        }
        return margin.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * w
    }

    private func py(_ y: Double) -> Double {
        let h = plotBottom - margin.top
        return margin.top + h - (min(max(y, yRange.lowerBound), yRange.upperBound) - yRange.lowerBound)
            / (yRange.upperBound - yRange.lowerBound) * h
    }

    package mutating func line(_ points: [(Double, Double)], colour: String, label: String? = nil, dashed: Bool = false)
    {
        guard !points.isEmpty else { return }
        let d = points.map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
        body.append(
            "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\"\(dashed ? " stroke-dasharray=\"4 3\"" : "") points=\"\(d)\"/>"
        )
        if let label { legend.append(LegendEntry(label: label, colour: colour, mark: .line(dashed: dashed))) }
    }

    /// Bars over equal bins spanning the x range (a histogram), drawn translucent so two overlap readably.
    package mutating func bars(_ values: [Double], colour: String, label: String) {
        guard !values.isEmpty else { return }
        let step = (xRange.upperBound - xRange.lowerBound) / Double(values.count)
        for (i, v) in values.enumerated() where v > 0 {
            let x0 = px(xRange.lowerBound + Double(i) * step)
            let x1 = px(xRange.lowerBound + Double(i + 1) * step)
            body.append(
                String(
                    format:
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" fill-opacity=\"0.55\"/>",
                    x0, py(v), max(x1 - x0, 0.5), py(yRange.lowerBound) - py(v), colour))
        }
        legend.append(LegendEntry(label: label, colour: colour, mark: .box))
    }

    package mutating func points(_ points: [(Double, Double)], colours: [String], radius: Double = 2.6) {
        for (p, c) in zip(points, colours) {
            body.append(
                String(
                    format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\" fill-opacity=\"0.8\"/>", px(p.0),
                    py(p.1), radius, c))
        }
    }

    /// A legend entry for scatter points of `colour`.
    package mutating func legendEntry(_ label: String, colour: String) {
        legend.append(LegendEntry(label: label, colour: colour, mark: .dot))
    }

    /// The legend's entries placed in rows below the x-axis title: (entry, x, y of the row's centre).
    private func legendLayout() -> [(LegendEntry, Double, Double)] {
        var placed: [(LegendEntry, Double, Double)] = []
        var x = margin.left
        var y = plotBottom + 50
        for entry in legend {
            // About 6 px per character at font size 11; a wrong guess only shifts where the row breaks.
            let w = 22 + Double(entry.label.count) * 6.2 + 14
            if x + w > Self.width - margin.right && x > margin.left {
                x = margin.left
                y += 16
            }
            placed.append((entry, x, y))
            x += w
        }
        return placed
    }

    package var svg: String {
        let placed = legendLayout()
        let height = placed.last.map { max(Self.baseHeight, $0.2 + 10) } ?? Self.baseHeight
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s +=
            "<text x=\"\(Int(Self.width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>"
        let (l, r, t, b) = (margin.left, Self.width - margin.right, margin.top, plotBottom)
        s += String(
            format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>", l, t,
            r - l, b - t)
        for v in xTicks() {
            let x = px(v)
            s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", x, t, x, b)
            s += String(
                format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", x, b + 14,
                tickLabel(v, log: logX))
        }
        for v in ticks(yRange) {
            let y = py(v)
            s += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", l, y, r, y)
            s += String(
                format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>", l - 4, y + 4,
                tickLabel(v, log: false))
        }
        s += "<text x=\"\(Int((l + r) / 2))\" y=\"\(Int(b + 32))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        s +=
            "<text transform=\"translate(14 \(Int((t + b) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        s += body.joined()
        for (entry, x, y) in placed { s += legendMark(entry, x: x, y: y) }
        return s + "</svg>"
    }

    private func legendMark(_ entry: LegendEntry, x: Double, y: Double) -> String {
        var s: String
        switch entry.mark {
        case .line(let dashed):
            s = String(
                format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\"%@/>",
                x, y, x + 16, y, entry.colour, dashed ? " stroke-dasharray=\"4 3\"" : "")
        case .box:
            s = String(
                format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"10\" fill=\"%@\" fill-opacity=\"0.55\"/>",
                x + 2, y - 5, entry.colour)
        case .dot:
            s = String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%@\"/>", x + 8, y, entry.colour)
        }
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\">%@</text>", x + 22, y + 4, escape(entry.label))
        return s
    }

    private func xTicks() -> [Double] {
        guard logX else { return ticks(xRange) }
        var out: [Double] = []
        var v = pow(10, floor(log10(xRange.lowerBound)))
        while v <= xRange.upperBound * 1.0001 {
            if v >= xRange.lowerBound * 0.9999 { out.append(v) }
            v *= 10
        }
        return out
    }

    private func ticks(_ r: ClosedRange<Double>) -> [Double] {
        let span = r.upperBound - r.lowerBound
        guard span > 0 else { return [r.lowerBound] }
        let raw = span / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var v = ceil(r.lowerBound / step) * step
        while v <= r.upperBound + step * 1e-9 {
            out.append(v)
            v += step
        }
        return out
    }

    private func tickLabel(_ v: Double, log: Bool) -> String {
        if log { return v >= 1 ? "1" : "1e\(Int(log10(v).rounded()))" }
        return abs(v) >= 1000 ? String(format: "%.0f", v) : String(format: "%g", (v * 1000).rounded() / 1000)
    }
}

/// Escapes text for HTML and SVG.
package func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
