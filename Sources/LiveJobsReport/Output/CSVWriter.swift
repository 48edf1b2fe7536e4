import Foundation
import MetaStudio

/// How to write CSV: plain RFC 4180 for tools, or the variant spreadsheets need to open UTF-8 correctly.
public struct CSVOptions: Sendable, Equatable {
    /// Start with a UTF-8 BOM and end records with CRLF, so Excel reads Chinese room names as UTF-8.
    public var excel: Bool

    public init(excel: Bool = false) {
        self.excel = excel
    }
}

/// RFC 4180 CSV of a query result, with formula injection neutralized so hostile room names open as text.
///
/// Numbers stay numbers (`CellFormatter`), null is an empty field, every record (header included)
/// ends with a line ending. Line breaks inside a quoted field are written as they are in the data;
/// other control characters are written as visible escapes (`SafeText`), so a CSV printed to a
/// terminal cannot drive it.
public enum CSVWriter {
    /// The UTF-8 bytes of the CSV; bytes rather than `String` because the BOM and CRLF are byte-level promises.
    public static func render(_ table: ResultTable, options: CSVOptions = CSVOptions()) -> [UInt8] {
        var out: [UInt8] = options.excel ? [0xEF, 0xBB, 0xBF] : []
        let lineEnding: [UInt8] = options.excel ? [0x0D, 0x0A] : [0x0A]

        func append(record fields: [String]) {
            if fields.count == 1 && fields[0].isEmpty {
                // A lone empty field would be a blank line, which many readers skip; `""` keeps the row.
                out.append(contentsOf: Array("\"\"".utf8))
            } else {
                for (index, field) in fields.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: Array(field.utf8))
                }
            }
            out.append(contentsOf: lineEnding)
        }

        // Column names may be text from outside too (`compare` names its columns after rooms).
        append(record: table.columns.map { quoted(neutralized(SafeText.escaped($0, limit: nil, keepingLayout: true))) })
        for row in table.rows {
            append(record: table.columns.indices.map { index in
                field(index < row.count ? row[index] : .null)
            })
        }
        return out
    }

    /// Writes the CSV to `url` atomically, so a failed run never leaves half a report behind.
    /// Throws `OutputFileError` (the path and why) when it cannot be written.
    public static func write(_ table: ResultTable, to url: URL, options: CSVOptions = CSVOptions()) throws {
        try OutputFileError.writing(url.path) { try Data(render(table, options: options)).write(to: url, options: .atomic) }
    }

    /// One cell as a finished CSV field: numbers bare, text neutralized then quoted if needed.
    static func field(_ cell: Cell) -> String {
        switch cell {
        case .null: return ""
        case .integer, .real: return CellFormatter.plain(cell)
        case .text(let text): return quoted(neutralized(SafeText.escaped(text, limit: nil, keepingLayout: true)))
        }
    }

    /// Characters that make a spreadsheet evaluate a cell as a formula (OWASP CSV injection list).
    static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// Text with a leading `'` when it starts like a formula, so Excel, LibreOffice and Sheets show it as text.
    static func neutralized(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, formulaTriggers.contains(first) else { return text }
        return "'" + text
    }

    /// The field quoted per RFC 4180 when it holds a separator, quote, line break or edge whitespace.
    static func quoted(_ field: String) -> String {
        let scalars = field.unicodeScalars
        let needsQuotes = scalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
            || scalars.first.map(isEdgeSpace) == true
            || scalars.last.map(isEdgeSpace) == true
        guard needsQuotes else { return field }
        // Scalar by scalar: a `"` followed by a combining mark is one Character but must still be doubled.
        var result = String.UnicodeScalarView()
        result.append("\"")
        for scalar in scalars {
            result.append(scalar)
            if scalar == "\"" { result.append(scalar) }
        }
        result.append("\"")
        return String(result)
    }

    private static func isEdgeSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t"
    }
}
