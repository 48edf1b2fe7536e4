import Foundation

/// The one place numbers become text, so CSV, Markdown, SVG and the terminal agree digit for digit.
public enum CellFormatter {
    /// Decimals kept for reals by default: enough for hours and money, never noise like `0.30000000000000004`.
    public static let defaultMaxDecimals = 6

    /// A cell as plain text (numbers via `number`, text unchanged, null empty), before any format's escaping.
    public static func plain(_ cell: Cell) -> String {
        switch cell {
        case .null: return ""
        case .integer(let value): return String(value)
        case .real(let value): return number(value)
        case .text(let text): return text
        }
    }

    /// A real in fixed notation with `.` whatever the locale, rounded, trailing zeros trimmed; NaN and ±inf are empty.
    ///
    /// `3.0` → `3`, `0.25` → `0.25`, `1e-7` → `0`, `-0.0` → `0`, `1e20` → `100000000000000000000`.
    public static func number(_ value: Double, maxDecimals: Int = defaultMaxDecimals) -> String {
        guard value.isFinite else { return "" }
        let decimals = min(max(maxDecimals, 0), 17)
        // printf's %f never uses an exponent and rounds the exact binary value; Swift never calls
        // setlocale, and Foundation formats with a nil locale, so the separator is always `.`.
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        // Negative values that round to zero (`-0.0`, `-1e-9`) would otherwise print as `-0`.
        if text == "-0" { return "0" }
        return text
    }
}
