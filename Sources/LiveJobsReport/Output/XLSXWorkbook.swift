import Foundation
import LiveJobsStore
import MetaStudio
import ZIPFoundation

/// An Excel workbook (Office Open XML SpreadsheetML, ECMA-376) of query results: one sheet per
/// table, cells typed so a spreadsheet computes with them, and every text a text cell.
///
/// - Counts are integers; hours (`*_hours`) have the number format `0.00`; rates and ratios
///   (`*_rate`, `*_ratio`, `share`, `*_relative_change`, and the rate figures' `*_change`) keep the
///   stored fraction with the format `0.00%`; days (`YYYY-MM-DD`) are dates and instants (RFC 3339,
///   in the query's zone as `ZonedInstants` gives them) are date-times of their own wall clock, the
///   zone being stated by the table's `tz` column.
/// - Text is stored as inline text cells, never as a formula: `=HYPERLINK(...)` and `-1+2` are shown
///   exactly as sent. Characters XML 1.0 cannot carry (control characters) are written as the
///   `_xHHHH_` escapes SpreadsheetML defines for them (ECMA-376 Part 1, §22.9.2.19 ST_Xstring), and a
///   literal `_x` that would read as one is escaped too.
/// - The header row is bold, frozen and has an autofilter; column widths fit their content (an East
///   Asian wide character counts double).
/// - Sheet names are unique, at most 31 characters, without `[ ] : * ? / \` (Excel's rules).
///
/// The ZIP container is written by ZIPFoundation.
public struct XLSXWorkbook {
    /// One sheet: its name (made valid and unique when written) and its rows.
    public struct Sheet {
        public var name: String
        public var table: ResultTable
        public init(name: String, table: ResultTable) {
            self.name = name
            self.table = table
        }
    }

    public var sheets: [Sheet] = []

    public init(sheets: [Sheet] = []) {
        self.sheets = sheets
    }

    /// Writes the workbook to `url` (replacing a file there). Throws `OutputFileError` naming the
    /// path when it cannot be written.
    public func write(to url: URL) throws {
        let data = try self.data()
        try OutputFileError.writing(url.path) { try data.write(to: url, options: .atomic) }
    }

    /// Excel's limits (its "specifications and limits"): a sheet holds 1,048,576 rows and 16,384
    /// columns, a cell 32,767 characters.
    static let maximumRows = 1_048_576, maximumColumns = 16_384, maximumCellCharacters = 32_767

    /// The workbook as the bytes of an `.xlsx` file. Throws `OutputFileError` for a table past
    /// Excel's rows or columns (a spreadsheet would refuse or cut it).
    public func data() throws -> Data {
        for sheet in sheets where sheet.table.rows.count + 1 > XLSXWorkbook.maximumRows || sheet.table.columns.count > XLSXWorkbook.maximumColumns {
            throw OutputFileError(path: "", reason: "'\(SafeText.escaped(sheet.name))' has \(sheet.table.rows.count) rows and \(sheet.table.columns.count) columns: "
                                  + "an Excel sheet holds at most \(XLSXWorkbook.maximumRows - 1) rows under its header and \(XLSXWorkbook.maximumColumns) columns; use --format csv")
        }
        let archive: Archive
        do {
            archive = try Archive(accessMode: .create)
        } catch {
            throw OutputFileError(path: "(workbook)", reason: "cannot make the ZIP container: \(error)")
        }
        let names = XLSXWorkbook.sheetNames(sheets.map(\.name))
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes()),
            ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbook(names)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships()),
            ("xl/styles.xml", XLSXWorkbook.styles),
        ]
        for (i, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(i + 1).xml", XLSXWorkbook.worksheet(sheet.table)))
        }
        do {
            for (path, text) in parts {
                let bytes = Data(text.utf8)
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count),
                                     compressionMethod: .deflate) { position, size in
                    bytes.subdata(in: Int(position) ..< Int(position) + size)
                }
            }
        } catch {
            throw OutputFileError(path: "(workbook)", reason: "cannot write the ZIP container: \(error)")
        }
        guard let data = archive.data else { throw OutputFileError(path: "(workbook)", reason: "the ZIP container is empty") }
        return data
    }

    // MARK: Package parts

    private func contentTypes() -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        xml += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        xml += #"<Default Extension="xml" ContentType="application/xml"/>"#
        xml += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        xml += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        for i in sheets.indices {
            xml += #"<Override PartName="/xl/worksheets/sheet\#(i + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        return xml + "</Types>"
    }

    private let rootRelationships = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
        + "</Relationships>"

    private func workbook(_ names: [String]) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
        for (i, name) in names.enumerated() {
            xml += #"<sheet name="\#(XLSXWorkbook.escaped(name))" sheetId="\#(i + 1)" r:id="rId\#(i + 1)"/>"#
        }
        xml += "</sheets>"
        // The autofilter of each sheet is named as Excel names it, so that it is a filter there too.
        xml += "<definedNames>"
        for (i, sheet) in sheets.enumerated() where !sheet.table.columns.isEmpty {
            let quoted = "'" + names[i].replacingOccurrences(of: "'", with: "''") + "'"
            let last = XLSXWorkbook.columnName(sheet.table.columns.count - 1)
            xml += #"<definedName name="_xlnm._FilterDatabase" localSheetId="\#(i)" hidden="1">"#
            xml += XLSXWorkbook.escaped("\(quoted)!$A$1:$\(last)$\(sheet.table.rows.count + 1)") + "</definedName>"
        }
        return xml + "</definedNames></workbook>"
    }

    private func workbookRelationships() -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for i in sheets.indices {
            xml += #"<Relationship Id="rId\#(i + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#(i + 1).xml"/>"#
        }
        xml += #"<Relationship Id="rId\#(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        return xml + "</Relationships>"
    }

    /// Cell styles, by index: 0 text, 1 bold header, 2 integer, 3 hours `0.00`, 4 percent
    /// `0.00%`, 5 date, 6 date-time, 7 a number with its own decimals.
    enum Style: Int {
        case text = 0, header, integer, hours, percent, date, dateTime, number
    }

    static let styles = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        + #"<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>"#
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="8">"#
        + #"<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + "</cellXfs>"
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"

    // MARK: Sheets

    /// The style a column's numbers take, from its name (the query's column vocabulary).
    static func numberStyle(_ column: String) -> Style {
        if column.hasSuffix("_hours") || column.hasSuffix("_hours_change") || column == "live_hours_per_job" { return .hours }
        if column.hasSuffix("_rate") || column.hasSuffix("_ratio") || column == "share" || column.hasSuffix("relative_change")
            || column.hasSuffix("_rate_change") || column.hasSuffix("_ratio_change") { return .percent }
        return .number
    }

    static func worksheet(_ table: ResultTable) -> String {
        let count = table.columns.count
        var widths = table.columns.map { displayWidth($0) }
        var rows = ""
        rows += #"<row r="1">"#
        for (c, name) in table.columns.enumerated() {
            rows += #"<c r="\#(columnName(c))1" t="inlineStr" s="\#(Style.header.rawValue)"><is><t xml:space="preserve">\#(escaped(name))</t></is></c>"#
        }
        rows += "</row>"
        for (r, row) in table.rows.enumerated() {
            let ref = r + 2
            rows += #"<row r="\#(ref)">"#
            for c in 0 ..< count {
                let cell = c < row.count ? row[c] : .null
                let at = "\(columnName(c))\(ref)"
                switch cell {
                case .null:
                    continue
                case .integer(let i):
                    let style = numberStyle(table.columns[c])
                    rows += #"<c r="\#(at)" s="\#((style == .number ? Style.integer : style).rawValue)"><v>\#(i)</v></c>"#
                    widths[c] = max(widths[c], String(i).count)
                case .real(let d):
                    guard d.isFinite else { continue }
                    rows += #"<c r="\#(at)" s="\#(numberStyle(table.columns[c]).rawValue)"><v>\#(CellFormatter.number(d, maxDecimals: 15))</v></c>"#
                    widths[c] = max(widths[c], CellFormatter.plain(cell).count + 1)
                case .text(let s):
                    if let serial = dateSerial(s) {
                        rows += #"<c r="\#(at)" s="\#(Style.date.rawValue)"><v>\#(CellFormatter.number(serial))</v></c>"#
                        widths[c] = max(widths[c], 10)
                    } else if let serial = dateTimeSerial(s) {
                        rows += #"<c r="\#(at)" s="\#(Style.dateTime.rawValue)"><v>\#(CellFormatter.number(serial, maxDecimals: 10))</v></c>"#
                        widths[c] = max(widths[c], 19)
                    } else {
                        rows += #"<c r="\#(at)" t="inlineStr" s="\#(Style.text.rawValue)"><is><t xml:space="preserve">\#(escaped(fitted(s)))</t></is></c>"#
                        widths[c] = max(widths[c], displayWidth(s))
                    }
                }
            }
            rows += "</row>"
        }
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        xml += #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>"#
        if count > 0 {
            xml += "<cols>"
            for c in 0 ..< count {
                let width = min(max(widths[c], 6), 80) + 2
                xml += #"<col min="\#(c + 1)" max="\#(c + 1)" width="\#(width)" customWidth="1"/>"#
            }
            xml += "</cols>"
        }
        xml += "<sheetData>" + rows + "</sheetData>"
        if count > 0 {
            xml += #"<autoFilter ref="A1:\#(columnName(count - 1))\#(table.rows.count + 1)"/>"#
        }
        return xml + "</worksheet>"
    }

    /// `text` cut to what an Excel cell holds: past 32,767 characters it ends with
    /// `… (N more characters)`, within the limit (Excel would call a longer cell corrupt).
    static func fitted(_ text: String) -> String {
        let count = text.utf16.count  // Excel counts UTF-16 code units
        guard count > maximumCellCharacters else { return text }
        var kept = ""
        var used = 0
        let room = maximumCellCharacters - 40
        for ch in text {
            let n = ch.utf16.count
            if used + n > room { break }
            kept.append(ch)
            used += n
        }
        return kept + "… (\(count - used) more characters)"
    }

    /// `A`, `B`, ... `Z`, `AA`, ...: the letters of the zero-based column `index`.
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// Excel's day number of `YYYY-MM-DD` (days since 1899-12-30); nil for other text.
    static func dateSerial(_ text: String) -> Double? {
        guard text.utf8.count == 10, ParameterBinder.isDate(text) else { return nil }
        let p = text.split(separator: "-").compactMap { Int($0) }
        return Double(RFC3339.daysFromCivil(year: p[0], month: p[1], day: p[2]) + 25_569)
    }

    /// Excel's serial of an RFC 3339 instant as its own wall clock shows it (`2026-11-01T08:30:00+08:00`
    /// is 1 November 08:30): the zone is the table's, stated by its `tz` column. nil for other text.
    static func dateTimeSerial(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 35, b[10] == UInt8(ascii: "T"), let epoch = RFC3339.parse(text) else { return nil }
        var offset = 0.0
        if b.last != UInt8(ascii: "Z") {
            let tail = String(decoding: b.suffix(6), as: UTF8.self)
            let sign: Double = tail.hasPrefix("-") || tail.hasPrefix("\u{2212}") ? -1 : 1
            let parts = tail.dropFirst().split(separator: ":").compactMap { Double($0) }
            guard parts.count == 2 else { return nil }
            offset = sign * (parts[0] * 3600 + parts[1] * 60)
        }
        return (epoch + offset) / 86_400 + 25_569
    }

    /// Text made safe for an XML text node or attribute value: `& < > "` as entities, and what XML
    /// 1.0 cannot carry (and a literal `_x` that would read as an escape) as `_xHHHH_`.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let scalars = Array(text.unicodeScalars)
        for (i, s) in scalars.enumerated() {
            switch s {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "_" where i + 1 < scalars.count && (scalars[i + 1] == "x" || scalars[i + 1] == "X"):
                out += "_x005F_"
            case "\t", "\n", "\r":
                out.unicodeScalars.append(s)
            default:
                let v = s.value
                if v < 0x20 || (0xFFFE ... 0xFFFF).contains(v) || (0xD800 ... 0xDFFF).contains(v) {
                    out += String(format: "_x%04X_", v)
                } else {
                    out.unicodeScalars.append(s)
                }
            }
        }
        return out
    }

    /// Columns a text takes on screen: an East Asian wide or full-width character (CJK, kana,
    /// Hangul, full-width forms) and an emoji count two.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, s in
            let v = s.value
            let wide = (0x1100 ... 0x115F).contains(v) || (0x2E80 ... 0xA4CF).contains(v) || (0xAC00 ... 0xD7A3).contains(v)
                || (0xF900 ... 0xFAFF).contains(v) || (0xFE30 ... 0xFE4F).contains(v) || (0xFF00 ... 0xFF60).contains(v)
                || (0xFFE0 ... 0xFFE6).contains(v) || (0x1F300 ... 0x1FAFF).contains(v) || (0x20000 ... 0x3FFFD).contains(v)
            return width + (wide ? 2 : (s.properties.generalCategory == .nonspacingMark ? 0 : 1))
        }
    }

    /// Valid, unique sheet names: `[ ] : * ? / \` become `_`, no leading or trailing `'`, at most 31
    /// characters, never empty, and a repeated name gets ` (2)`, ` (3)`, ... within the 31.
    static func sheetNames(_ wanted: [String]) -> [String] {
        var used = Set<String>()
        return wanted.map { raw in
            var name = String(raw.unicodeScalars.map { s -> Character in
                "[]:*?/\\".unicodeScalars.contains(s) || s.value < 0x20 ? "_" : Character(s)
            })
            while name.hasPrefix("'") { name.removeFirst() }
            while name.hasSuffix("'") { name.removeLast() }
            if name.isEmpty { name = "Sheet" }
            name = String(name.prefix(31))
            var candidate = name
            var n = 2
            while used.contains(candidate.lowercased()) {
                let suffix = " (\(n))"
                candidate = String(name.prefix(31 - suffix.count)) + suffix
                n += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }
}
