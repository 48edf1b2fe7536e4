import MetaStudio

/// A table for the terminal: columns padded to their display width (CJK and emoji count two),
/// numbers right-aligned, line breaks inside cells shown as `⏎` so rows stay one line, and every
/// other control character escaped visibly (`SafeText`), so a room name cannot drive the terminal.
public enum TextTable {
    public static func render(_ table: ResultTable) -> String {
        // Column names may be text from outside too (`compare` names its columns after rooms).
        let header = table.columns.map { text(.text($0)) }
        let body = table.rows.map { $0.map(text) }
        let numeric = table.columns.indices.map { c in
            table.rows.allSatisfy { row in
                switch row[c] { case .integer, .real, .null: return true; case .text: return false }
            }
        }
        var widths = header.map(displayWidth)
        for row in body {
            for (c, cell) in row.enumerated() { widths[c] = max(widths[c], displayWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - displayWidth(cell))
                return numeric[c] ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += body.map(line)
        if body.isEmpty { out.append("(no rows)") }
        return out.joined(separator: "\n") + "\n"
    }

    static func text(_ cell: Cell) -> String {
        switch cell {
        case .text(let s):
            let laidOut = String(s.map { $0.isNewline ? "⏎" : ($0 == "\t" ? " " : $0) })
            return SafeText.escaped(laidOut, limit: nil)
        default:
            return CellFormatter.plain(cell)
        }
    }

    /// Columns a terminal uses for `s`: two for East Asian wide characters and emoji.
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            if v < 0x20 || (0x300...0x36F).contains(v) || v == 0x200D || (0xFE00...0xFE0F).contains(v) { return width }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            return width + (wide ? 2 : 1)
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
