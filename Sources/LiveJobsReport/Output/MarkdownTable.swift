import Foundation
import MetaStudio

/// A GitHub-flavoured Markdown table of a query result, safe for any room name a user typed.
///
/// Numeric columns are right-aligned; `|`, `\`, `[` and `]` are backslash-escaped (no link or image can be made), line breaks become `<br>`,
/// `<` `>` `&` become entities so cell text can neither break the table nor inject HTML, and other
/// control characters are shown as `\u{1B}` escapes, never written raw.
public enum MarkdownTable {
    /// The table followed by a newline; an empty result keeps its header and says `_No rows._` below it.
    public static func render(_ table: ResultTable) -> String {
        guard !table.columns.isEmpty else { return "_No rows._\n" }
        let numeric = table.columns.indices.map { isNumericColumn(table, $0) }
        var lines = [line(table.columns.map(escapeInline))]
        lines.append(line(numeric.map { $0 ? "---:" : "---" }))
        for row in table.rows {
            lines.append(line(table.columns.indices.map { index in
                escapeInline(CellFormatter.plain(index < row.count ? row[index] : .null))
            }))
        }
        if table.rows.isEmpty {
            // The blank line ends the table; without it GitHub would render the note as a table row.
            lines.append("")
            lines.append("_No rows._")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// User text made safe for a Markdown line outside a table (headlines), with the same escaping as cells.
    public static func escapeInline(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        // Scalars, not Characters: a `|` followed by a combining mark is one Character but still a pipe.
        while let scalar = pending {
            pending = scalars.next()
            switch scalar {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "|": out.append(contentsOf: "\\|".unicodeScalars)
            // A text from outside (a room name, a server's message) must not become a link or an
            // image in the reader's viewer: `[x](http://…)` is shown as typed.
            case "[": out.append(contentsOf: "\\[".unicodeScalars)
            case "]": out.append(contentsOf: "\\]".unicodeScalars)
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\r":
                if pending == "\n" { pending = scalars.next() }  // CRLF is one break
                out.append(contentsOf: "<br>".unicodeScalars)
            case "\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}":
                out.append(contentsOf: "<br>".unicodeScalars)
            case "\t":
                out.append(" ")
            default:
                if SafeText.needsEscape(scalar.value) {
                    // Shown as `\u{1B}` (the backslash itself escaped for Markdown), never sent raw.
                    out.append(contentsOf: "\\\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
        }
        return String(out)
    }

    /// Right-align a column when it has numbers and nothing but numbers (nulls aside).
    static func isNumericColumn(_ table: ResultTable, _ index: Int) -> Bool {
        var sawNumber = false
        for row in table.rows where index < row.count {
            switch row[index] {
            case .null: continue
            case .integer, .real: sawNumber = true
            case .text: return false
            }
        }
        return sawNumber
    }

    private static func line(_ cells: [String]) -> String {
        "| " + cells.joined(separator: " | ") + " |"
    }
}
