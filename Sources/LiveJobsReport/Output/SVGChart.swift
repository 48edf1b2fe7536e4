import Foundation
import MetaStudio

/// Horizontal bars, one per label, for comparing totals across rooms; reads well with many long names.
///
/// Rows beyond `min(labels.count, values.count)` are ignored; negative and non-finite values draw no bar.
public struct BarChart: Sendable, Equatable {
    /// Shown on top and as the SVG `<title>`, which screen readers announce.
    public var title: String
    /// One per bar, e.g. room names; cut to ~24 columns with `…`, full text kept in a hover `<title>`.
    public var labels: [String]
    /// Bar lengths, scaled so the largest fills the width.
    public var values: [Double]
    /// Appended to each value, e.g. `h` for hours; empty for plain counts.
    public var unit: String

    public init(title: String, labels: [String], values: [Double], unit: String = "") {
        self.title = title
        self.labels = labels
        self.values = values
        self.unit = unit
    }

    /// A standalone SVG document GitHub and browsers render; the same input always gives the same bytes.
    public func render() -> String {
        let count = min(labels.count, values.count)
        guard count > 0 else { return SVG.noData(title: title) }
        let rowHeight = 28.0, barHeight = 18.0, top = 48.0
        let height = top + Double(count) * rowHeight + 12
        let shown = labels.prefix(count).map { SVG.truncated(SVG.visible($0), columns: 24) }
        let valueTexts = values.prefix(count).map { SVG.valueText($0, unit: unit) }
        let labelWidth = max(shown.map { SVG.estimatedWidth($0, fontSize: 12) }.max() ?? 0, 24)
        let barX = SVG.margin + labelWidth + 10
        let valueSpace = (valueTexts.map { SVG.estimatedWidth($0, fontSize: 12) }.max() ?? 0) + 12
        let barMax = max(SVG.width - SVG.margin - valueSpace - barX, 40)
        let maxValue = values.prefix(count).filter { $0.isFinite }.max() ?? 0

        var svg = SVG.open(title: title, height: height)
        for index in 0..<count {
            let y = top + Double(index) * rowHeight
            let value = values[index]
            let length = maxValue > 0 && value.isFinite && value > 0 ? value / maxValue * barMax : 0
            let textY = SVG.n(y + rowHeight / 2 + 4)
            svg += "<g><title>\(SVG.escaped(labels[index])): \(SVG.escaped(valueTexts[index]))</title>"
            svg += "<text x=\"\(SVG.n(barX - 10))\" y=\"\(textY)\" text-anchor=\"end\">\(SVG.escaped(shown[index]))</text>"
            if length > 0 {
                svg += "<rect x=\"\(SVG.n(barX))\" y=\"\(SVG.n(y + (rowHeight - barHeight) / 2))\" width=\"\(SVG.n(length))\""
                    + " height=\"\(SVG.n(barHeight))\" fill=\"\(SVG.barColor)\"/>"
            }
            svg += "<text x=\"\(SVG.n(barX + length + 6))\" y=\"\(textY)\">\(SVG.escaped(valueTexts[index]))</text></g>\n"
        }
        return svg + "</svg>\n"
    }
}

/// Vertical columns over a 0-based y axis with nice ticks, for a value per day across a month.
///
/// Columns beyond `min(labels.count, values.count)` are ignored; every n-th x label is shown so none overlap.
public struct ColumnChart: Sendable, Equatable {
    /// Shown on top and as the SVG `<title>`, which screen readers announce.
    public var title: String
    /// One per column, e.g. `2025-06-01`.
    public var labels: [String]
    /// Column heights against a y axis that starts at zero.
    public var values: [Double]
    /// Shown above the y axis, e.g. `h` for hours.
    public var unit: String

    public init(title: String, labels: [String], values: [Double], unit: String = "") {
        self.title = title
        self.labels = labels
        self.values = values
        self.unit = unit
    }

    /// A standalone SVG document GitHub and browsers render; the same input always gives the same bytes.
    public func render() -> String {
        let count = min(labels.count, values.count)
        guard count > 0 else { return SVG.noData(title: title) }
        let height = 320.0, plotTop = 64.0, plotBottom = height - 40
        let maxValue = values.prefix(count).filter { $0.isFinite }.max() ?? 0
        let (step, intervals) = Self.niceTicks(maxValue: maxValue)
        let axisTop = step * Double(intervals)
        let tickTexts = (0...intervals).map { CellFormatter.number(step * Double($0)) }
        let tickWidth = tickTexts.map { SVG.estimatedWidth($0, fontSize: 11) }.max() ?? 0
        let plotLeft = SVG.margin + max(tickWidth, SVG.estimatedWidth(unit, fontSize: 11)) + 8
        let plotRight = SVG.width - SVG.margin
        let plotHeight = plotBottom - plotTop
        let slot = (plotRight - plotLeft) / Double(count)
        let columnWidth = min(slot * 0.7, 48)
        let shown = labels.prefix(count).map { SVG.truncated(SVG.visible($0), columns: 24) }
        let widths = shown.map { SVG.estimatedWidth($0, fontSize: 11) }
        let every = max(1, Int(((widths.max() ?? 0) + 8) / slot) + 1)

        var svg = SVG.open(title: title, height: height)
        if !unit.isEmpty {
            svg += "<text x=\"\(SVG.n(plotLeft - 6))\" y=\"\(SVG.n(plotTop - 12))\" text-anchor=\"end\" font-size=\"11\""
                + " fill=\"#666666\">\(SVG.escaped(unit))</text>\n"
        }
        for (tick, text) in tickTexts.enumerated() {
            let y = SVG.n(plotBottom - Double(tick) / Double(intervals) * plotHeight)
            let stroke = tick == 0 ? "#999999" : "#e0e0e0"
            svg += "<line x1=\"\(SVG.n(plotLeft))\" y1=\"\(y)\" x2=\"\(SVG.n(plotRight))\" y2=\"\(y)\" stroke=\"\(stroke)\"/>"
            svg += "<text x=\"\(SVG.n(plotLeft - 6))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\" font-size=\"11\">\(text)</text>\n"
        }
        for index in 0..<count {
            let value = values[index]
            let columnHeight = value.isFinite && value > 0 ? value / axisTop * plotHeight : 0
            let center = plotLeft + slot * (Double(index) + 0.5)
            svg += "<g><title>\(SVG.escaped(labels[index])): \(SVG.escaped(SVG.valueText(value, unit: unit)))</title>"
            if columnHeight > 0 {
                svg += "<rect x=\"\(SVG.n(center - columnWidth / 2))\" y=\"\(SVG.n(plotBottom - columnHeight))\""
                    + " width=\"\(SVG.n(columnWidth))\" height=\"\(SVG.n(columnHeight))\" fill=\"\(SVG.barColor)\"/>"
            }
            if index % every == 0 {
                // Keep the first and last labels inside the picture.
                let half = widths[index] / 2
                let x = min(max(center, half + 4), SVG.width - half - 4)
                svg += "<text x=\"\(SVG.n(x))\" y=\"\(SVG.n(plotBottom + 16))\" text-anchor=\"middle\" font-size=\"11\">"
                    + "\(SVG.escaped(shown[index]))</text>"
            }
            svg += "</g>\n"
        }
        return svg + "</svg>\n"
    }

    /// A tick step of 1, 2 or 5 × 10^k and the number of steps (3 to 5, 4 preferred) that reach `maxValue`.
    static func niceTicks(maxValue: Double) -> (step: Double, intervals: Int) {
        let top = maxValue.isFinite && maxValue > 0 ? maxValue : 1
        let exponent = floor(log10(top / 4))
        var best: (step: Double, intervals: Int)?
        for power in [exponent - 1, exponent, exponent + 1] {
            for mantissa in [1.0, 2.0, 5.0] {
                let step = mantissa * pow(10, power)
                let intervals = Int(ceil(top / step - 1e-9))
                guard (3...5).contains(intervals) else { continue }
                if let current = best, abs(current.intervals - 4) <= abs(intervals - 4) { continue }
                best = (step, intervals)
            }
        }
        // One of 1, 2, 5 always lands in 3...5; the fallback only guards against floating-point surprises.
        return best ?? (top / 4, 4)
    }
}

/// Shared drawing and escaping for the charts; private so it cannot collide with other SVG code.
private enum SVG {
    static let width = 720.0
    static let margin = 16.0
    static let barColor = "#4e79a7"

    static func open(title: String, height: Double) -> String {
        let h = n(height)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"\(h)\" viewBox=\"0 0 720 \(h)\""
            + " role=\"img\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#333333\">\n"
            + "<title>\(escaped(title))</title>\n"
            + "<rect width=\"720\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
            + "<text x=\"\(n(margin))\" y=\"28\" font-size=\"16\" font-weight=\"bold\">"
            + "\(escaped(truncated(visible(title), columns: 64)))</text>\n"
    }

    static func noData(title: String) -> String {
        open(title: title, height: 120)
            + "<text x=\"360\" y=\"80\" text-anchor=\"middle\" font-size=\"14\" fill=\"#666666\">No data</text>\n</svg>\n"
    }

    /// A coordinate with at most two decimals, `.` whatever the locale.
    static func n(_ value: Double) -> String {
        CellFormatter.number(value, maxDecimals: 2)
    }

    static func valueText(_ value: Double, unit: String) -> String {
        let number = CellFormatter.number(value, maxDecimals: 2)
        return unit.isEmpty || number.isEmpty ? number : number + " " + unit
    }

    /// Text safe in XML content and attributes: `visible`, then `&<>"'` as entities.
    static func escaped(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in visible(text).unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&apos;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// Text as a chart shows it: tabs and line breaks become spaces, every other character
    /// `SafeText` escapes (C0 and NUL, DEL, C1, the bidirectional overrides and isolates, U+2028/9)
    /// is written as a visible `\u{202E}`, as in every other output, and the noncharacters
    /// U+FFFE/U+FFFF, which XML forbids, become U+FFFD.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { SafeText.needsEscape($0.value) || $0.value == 0xFFFE || $0.value == 0xFFFF })
        else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0x09 || v == 0x0A || v == 0x0D {
                out.append(" ")
            } else if SafeText.needsEscape(v) {
                out.append(contentsOf: "\\u{\(String(v, radix: 16, uppercase: true))}".unicodeScalars)
            } else if v == 0xFFFE || v == 0xFFFF {
                out.append("\u{FFFD}")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// At most `columns` terminal columns (CJK counts two), ending in `…` when cut; whole Characters only.
    static func truncated(_ text: String, columns: Int) -> String {
        guard displayWidth(text) > columns else { return text }
        var kept = "", width = 0
        for character in text {
            let w = displayWidth(String(character))
            if width + w > columns - 1 { break }
            kept.append(character)
            width += w
        }
        return kept + "…"
    }

    /// Rough rendered width in a sans-serif font: 0.6 em per narrow character, 1 em per wide one.
    static func estimatedWidth(_ text: String, fontSize: Double) -> Double {
        Double(displayWidth(text)) * 0.6 * fontSize - Double(wideCount(text)) * 0.2 * fontSize
    }

    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + scalarWidth($1) }
    }

    private static func wideCount(_ text: String) -> Int {
        text.unicodeScalars.filter { scalarWidth($0) == 2 }.count
    }

    private static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (0x300...0x36F).contains(v) || v == 0x200D || (0xFE00...0xFE0F).contains(v) { return 0 }
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
        return wide ? 2 : 1
    }
}
