import Foundation

/// A small SVG chart: axes with ticks, line series, bar series, scatter points and a legend. Self-contained
/// markup (no scripts, no external styles) for `report.html`.
package struct SVGPlot {
    package var width = 460.0, height = 320.0
    package var title: String
    package var xLabel: String, yLabel: String
    package var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    /// Logarithmic x axis (decades); values ≤ 0 are clamped to the lower bound.
    package var logX = false
    private var body: [String] = []
    private var legend: [(String, String)] = []
    private let margin = (left: 56.0, right: 14.0, top: 28.0, bottom: 44.0)

    package static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
        "#bcbd22", "#7f7f7f",
    ]

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

    private func px(_ x: Double) -> Double {
        let w = width - margin.left - margin.right
        if logX {
            let lo = log10(xRange.lowerBound)
            let hi = log10(xRange.upperBound)
            return margin.left + (log10(max(x, xRange.lowerBound)) - lo) / (hi - lo) * w
        }
        return margin.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * w
    }

    private func py(_ y: Double) -> Double {
        let h = height - margin.top - margin.bottom
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
        if let label { legend.append((label, colour)) }
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
        legend.append((label, colour))
    }

    package mutating func points(_ points: [(Double, Double)], colours: [String], radius: Double = 2.6) {
        for (p, c) in zip(points, colours) {
            body.append(
                String(
                    format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\" fill-opacity=\"0.8\"/>", px(p.0),
                    py(p.1), radius, c))
        }
    }

    package mutating func legendEntry(_ label: String, colour: String) { legend.append((label, colour)) }

    package var svg: String {
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s +=
            "<text x=\"\(Int(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>"
        let (l, r, t, b) = (margin.left, width - margin.right, margin.top, height - margin.bottom)
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
        s += "<text x=\"\(Int((l + r) / 2))\" y=\"\(Int(height - 8))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        s +=
            "<text transform=\"translate(14 \(Int((t + b) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        s += body.joined()
        for (i, (label, colour)) in legend.enumerated() {
            let y = t + 8 + Double(i) * 15
            s += String(
                format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%@\"/>", r - 150, y, colour)
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\">%@</text>", r - 136, y + 9, escape(label))
        }
        return s + "</svg>"
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
