import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LiveJobsReport

// MARK: - CellFormatter

@Test(.timeLimit(.minutes(1))) func realsPrintInTrimmedFixedNotation() {
    #expect(CellFormatter.number(3.0) == "3")
    #expect(CellFormatter.number(0.25) == "0.25")
    #expect(CellFormatter.number(1e-7) == "0")
    #expect(CellFormatter.number(-0.0) == "0")
    #expect(CellFormatter.number(-1e-9) == "0")
    #expect(CellFormatter.number(12345678.9) == "12345678.9")
    #expect(CellFormatter.number(0.1 + 0.2) == "0.3")
    #expect(CellFormatter.number(-1.5) == "-1.5")
    #expect(CellFormatter.number(1e20) == "100000000000000000000")
    #expect(CellFormatter.number(0.0000015) == "0.000002")
    #expect(CellFormatter.number(123.456, maxDecimals: 2) == "123.46")
    #expect(CellFormatter.number(2.999, maxDecimals: 2) == "3")
}

@Test(.timeLimit(.minutes(1))) func nonFiniteRealsAreEmpty() {
    #expect(CellFormatter.number(.nan) == "")
    #expect(CellFormatter.number(.infinity) == "")
    #expect(CellFormatter.number(-.infinity) == "")
}

@Test(.timeLimit(.minutes(1))) func plainCellsKeepIntegersAndTextAndBlankNull() {
    #expect(CellFormatter.plain(.null) == "")
    #expect(CellFormatter.plain(.integer(-5)) == "-5")
    #expect(CellFormatter.plain(.integer(Int64.max)) == "9223372036854775807")
    #expect(CellFormatter.plain(.real(3)) == "3")
    #expect(CellFormatter.plain(.text("直播间, 1")) == "直播间, 1")
}

// MARK: - CSV

private func csv(_ table: ResultTable, excel: Bool = false) -> String {
    String(decoding: CSVWriter.render(table, options: CSVOptions(excel: excel)), as: UTF8.self)
}

@Test(.timeLimit(.minutes(1))) func csvQuotesCommaQuoteNewlineAndEdgeSpaces() {
    let table = ResultTable(columns: ["room", "hours"], rows: [
        [.text("a,b"), .real(1.5)],
        [.text("say \"hi\""), .integer(2)],
        [.text("line1\nline2"), .null],
        [.text("cr\rhere"), .real(0.25)],
        [.text(" padded "), .real(3.0)],
        [.text("plain"), .real(.nan)],
    ])
    #expect(csv(table) == """
        room,hours
        "a,b",1.5
        "say ""hi\""",2
        "line1
        line2",
        "cr\rhere",0.25
        " padded ",3
        plain,

        """)
}

@Test(.timeLimit(.minutes(1))) func csvDoublesQuoteEvenWhenACombiningMarkFollowsIt() {
    let table = ResultTable(columns: ["x"], rows: [[.text("a\"\u{301}b")]])
    #expect(CSVWriter.render(table, options: CSVOptions()) == Array("x\n\"a\"\"\u{301}b\"\n".utf8))
}

@Test(.timeLimit(.minutes(1))) func csvKeepsChineseBytesIntact() {
    let table = ResultTable(columns: ["房间"], rows: [[.text("直播间")]])
    let bytes = CSVWriter.render(table, options: CSVOptions())
    #expect(bytes == Array("房间\n".utf8) + [0xE7, 0x9B, 0xB4, 0xE6, 0x92, 0xAD, 0xE9, 0x97, 0xB4, 0x0A])
}

@Test(.timeLimit(.minutes(1))) func csvDefaultHasNoBOMAndLFEndings() {
    let table = ResultTable(columns: ["a", "b"], rows: [[.integer(1), .text("x")]])
    #expect(CSVWriter.render(table, options: CSVOptions()) == Array("a,b\n1,x\n".utf8))
}

@Test(.timeLimit(.minutes(1))) func csvExcelAddsBOMAndCRLFButLeavesFieldLineBreaks() {
    let table = ResultTable(columns: ["a", "b"], rows: [[.integer(1), .text("x\ny")], [.null, .text("直")]])
    let bytes = CSVWriter.render(table, options: CSVOptions(excel: true))
    #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
    #expect(bytes == [0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,\"x\ny\"\r\n,直\r\n".utf8))
}

@Test(.timeLimit(.minutes(1))) func csvNeutralizesEveryFormulaPrefixInText() {
    let table = ResultTable(columns: ["v"], rows: [
        [.text("=1+2")], [.text("+1")], [.text("-1")], [.text("@SUM(A1)")],
        [.text("\tx")], [.text("\rx")], [.text("\r\nx")],
        [.text("=HYPERLINK(\"http://x\",\"y\")")],
        [.text("a=1")], [.text("'quoted")],
    ])
    #expect(csv(table) == """
        v
        '=1+2
        '+1
        '-1
        '@SUM(A1)
        '\tx
        "'\rx"
        "'\r\nx"
        "'=HYPERLINK(""http://x"",""y"")"
        a=1
        'quoted

        """)
}

@Test(.timeLimit(.minutes(1))) func csvLeavesNegativeNumbersAlone() {
    let table = ResultTable(columns: ["i", "r", "t"], rows: [[.integer(-5), .real(-1.5), .text("-5")]])
    #expect(csv(table) == "i,r,t\n-5,-1.5,'-5\n")
}

@Test(.timeLimit(.minutes(1))) func csvNeutralizesAndQuotesHeaderNames() {
    let table = ResultTable(columns: ["=cmd", "a,b", "房间"], rows: [])
    #expect(csv(table) == "'=cmd,\"a,b\",房间\n")
}

@Test(.timeLimit(.minutes(1))) func csvKeepsAnEmptySingleFieldRowAsQuotes() {
    let table = ResultTable(columns: ["room"], rows: [[.null], [.text("")]])
    #expect(csv(table) == "room\n\"\"\n\"\"\n")
}

@Test(.timeLimit(.minutes(1))) func csvWriteCreatesTheFileWithTheRenderedBytes() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("rooms.csv")
    let table = ResultTable(columns: ["room", "hours"], rows: [[.text("直播间,一"), .real(2.5)], [.text("=1"), .integer(-5)]])
    try CSVWriter.write(table, to: url, options: CSVOptions(excel: true))
    let bytes = [UInt8](try Data(contentsOf: url))
    #expect(bytes == [0xEF, 0xBB, 0xBF] + Array("room,hours\r\n\"直播间,一\",2.5\r\n'=1,-5\r\n".utf8))
}

// MARK: - Markdown

@Test(.timeLimit(.minutes(1))) func markdownEscapesPipesBackslashesLineBreaksAndHTML() {
    let table = ResultTable(columns: ["room", "hours"], rows: [
        [.text("a|b"), .real(1.5)],
        [.text("x\ny\r\nz\rw"), .integer(2)],
        [.text("<script>&</script>"), .null],
        [.text("back\\slash"), .integer(3)],
        [.text("直播间"), .real(0.1 + 0.2)],
    ])
    #expect(MarkdownTable.render(table) == """
        | room | hours |
        | --- | ---: |
        | a\\|b | 1.5 |
        | x<br>y<br>z<br>w | 2 |
        | &lt;script&gt;&amp;&lt;/script&gt; |  |
        | back\\\\slash | 3 |
        | 直播间 | 0.3 |

        """)
}

@Test(.timeLimit(.minutes(1))) func markdownRightAlignsOnlyAllNumericColumns() {
    let table = ResultTable(columns: ["n", "mixed", "empty", "text"], rows: [
        [.integer(1), .integer(2), .null, .text("a")],
        [.null, .text("x"), .null, .text("b")],
    ])
    #expect(MarkdownTable.render(table) == """
        | n | mixed | empty | text |
        | ---: | --- | --- | --- |
        | 1 | 2 |  | a |
        |  | x |  | b |

        """)
}

@Test(.timeLimit(.minutes(1))) func markdownEmptyResultKeepsHeaderAndSaysNoRows() {
    let table = ResultTable(columns: ["room|name", "hours"], rows: [])
    #expect(MarkdownTable.render(table) == "| room\\|name | hours |\n| --- | --- |\n\n_No rows._\n")
}

/// A room name or a server's message written as a Markdown link or image stays text in the report.
@Test(.timeLimit(.minutes(1))) func markdownMakesNoLinkOrImageFromText() {
    #expect(MarkdownTable.escapeInline("[login](http://evil.example)") == "\\[login\\](http://evil.example)")
    #expect(MarkdownTable.escapeInline("![x](http://evil.example/p.png)") == "!\\[x\\](http://evil.example/p.png)")
    let table = ResultTable(columns: ["room_name"], rows: [[.text("[促销](javascript:alert(1))")]])
    #expect(MarkdownTable.render(table).contains("| \\[促销\\](javascript:alert(1)) |"))
}

@Test(.timeLimit(.minutes(1))) func markdownInlineEscapingMatchesCells() {
    #expect(MarkdownTable.escapeInline("直播 | <b>x</b> & \\\nnext") == "直播 \\| &lt;b&gt;x&lt;/b&gt; &amp; \\\\<br>next")
    #expect(MarkdownTable.escapeInline("|\u{301}") == "\\|\u{301}")
}

// MARK: - SVG

/// Checks `svg` is well-formed XML: `XMLParser` rejects bad characters, entities and attributes,
/// the delegate checks tag nesting (Linux's `XMLDocument(xmlString:)` silently repairs broken input).
private func isWellFormedXML(_ svg: String) -> Bool {
    final class Nesting: NSObject, XMLParserDelegate {
        var open: [String] = [], roots = 0, balanced = true
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            if open.isEmpty { roots += 1 }
            open.append(name)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if open.popLast() != name { balanced = false }
        }
    }
    let parser = XMLParser(data: Data(svg.utf8))
    let nesting = Nesting()
    parser.delegate = nesting
    return parser.parse() && nesting.balanced && nesting.open.isEmpty && nesting.roots == 1
}

@Test(.timeLimit(.minutes(1))) func wellFormedCheckRejectsBrokenXML() {
    #expect(!isWellFormedXML("<svg><a></svg>"))
    #expect(!isWellFormedXML("<svg>\u{1}</svg>"))
    #expect(!isWellFormedXML("<svg>a & b</svg>"))
    #expect(!isWellFormedXML("<svg><title>x</title>"))
    #expect(isWellFormedXML("<svg><title>&amp;&apos;直</title></svg>\n"))
}

private let hostile = "<script>alert('x')</script> & \"q\" =HYPERLINK(\"http://x\",\"y\")\u{1}"

@Test(.timeLimit(.minutes(1))) func barChartEscapesHostileLabelsAndParsesAsXML() {
    let svg = BarChart(title: "Rooms <&>", labels: [hostile, "直播间"], values: [2, 1], unit: "h").render()
    #expect(svg.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;"))
    #expect(!svg.contains("<script"))
    #expect(svg.contains("<title>Rooms &lt;&amp;&gt;</title>"))
    #expect(svg.contains("font-family=\"sans-serif\""))
    #expect(svg.contains(">2 h</text>"))
    #expect(svg.contains(">直播间</text>"))
    #expect(isWellFormedXML(svg))
}

@Test(.timeLimit(.minutes(1))) func columnChartEscapesHostileLabelsAndParsesAsXML() {
    let svg = ColumnChart(title: "Days \"quoted\"", labels: [hostile, "b"], values: [1, 2], unit: "<h>").render()
    #expect(!svg.contains("<script"))
    #expect(svg.contains("<title>Days &quot;quoted&quot;</title>"))
    #expect(svg.contains(">&lt;h&gt;</text>"))
    #expect(isWellFormedXML(svg))
}

/// Every control character a room name or title may hold is written as a visible escape, as in the
/// other formats (docs/SECRETS.md, section 4): C0 and NUL, DEL, C1 (U+0080–U+009F, which some
/// terminals obey like ESC when the file is printed) and the bidirectional overrides and isolates
/// (which reorder what a reader sees); tabs and line breaks become spaces.
@Test(.timeLimit(.minutes(1))) func chartsEscapeControlAndBidiCharactersVisibly() {
    let labels = ["D\u{0}E\u{7F}F\u{9B}G", "L\u{202E}R\u{2069}", "a\tb\nc", "x\u{85}\u{2028}\u{FFFE}"]
    let expected = [">D\\u{0}E\\u{7F}F\\u{9B}G</text>", ">L\\u{202E}R\\u{2069}</text>", ">a b c</text>", ">x\\u{85}\\u{2028}\u{FFFD}</text>"]
    let charts = [BarChart(title: "T\u{9B}\u{202D}", labels: labels, values: [1, 2, 3, 4]).render(),
                  ColumnChart(title: "T\u{9B}\u{202D}", labels: labels, values: [1, 2, 3, 4]).render()]
    for svg in charts {
        for text in expected { #expect(svg.contains(text), "\(text) in \(svg)") }
        #expect(svg.contains("<title>T\\u{9B}\\u{202D}</title>"))
        #expect(svg.contains("<title>L\\u{202E}R\\u{2069}: 2</title>"))
        #expect(!svg.unicodeScalars.contains { v in
            (v.value < 0x20 && v != "\n") || (0x7F...0x9F).contains(v.value) || (0x2028...0x202E).contains(v.value)
                || (0x2066...0x2069).contains(v.value) || v.value == 0xFFFE
        }, "\(svg.debugDescription)")
        #expect(isWellFormedXML(svg))
    }
}

@Test(.timeLimit(.minutes(1))) func barChartTruncatesLongLabelsWithEllipsis() {
    let long = "A very long English room name that keeps going"
    let svg = BarChart(title: "t", labels: [long, "宽字符宽字符宽字符宽字符宽字符"], values: [1, 2]).render()
    #expect(svg.contains(">A very long English roo…</text>"))
    #expect(svg.contains(">宽字符宽字符宽字符宽字…</text>"))
    #expect(svg.contains("<title>\(long): 1</title>"))
}

@Test(.timeLimit(.minutes(1))) func chartsAreDeterministic() {
    let bar = BarChart(title: "t", labels: ["a", "b"], values: [1.25, 3], unit: "h")
    let column = ColumnChart(title: "t", labels: ["a", "b"], values: [1.25, 3], unit: "h")
    #expect(bar.render() == bar.render())
    #expect(column.render() == column.render())
}

@Test(.timeLimit(.minutes(1))) func emptyChartsShowTitleAndNoData() {
    let expected = """
        <svg xmlns="http://www.w3.org/2000/svg" width="720" height="120" viewBox="0 0 720 120" role="img" \
        font-family="sans-serif" font-size="12" fill="#333333">
        <title>Hours by room</title>
        <rect width="720" height="120" fill="#ffffff"/>
        <text x="16" y="28" font-size="16" font-weight="bold">Hours by room</text>
        <text x="360" y="80" text-anchor="middle" font-size="14" fill="#666666">No data</text>
        </svg>

        """
    #expect(BarChart(title: "Hours by room", labels: [], values: [], unit: "h").render() == expected)
    #expect(ColumnChart(title: "Hours by room", labels: [], values: [], unit: "h").render() == expected)
    #expect(isWellFormedXML(expected))
}

@Test(.timeLimit(.minutes(1))) func allZeroChartsDrawNoBarsAndNoNaN() {
    let bar = BarChart(title: "z", labels: ["a", "b"], values: [0, 0], unit: "h").render()
    #expect(!bar.contains("fill=\"#4e79a7\""))
    #expect(bar.contains(">0 h</text>"))
    #expect(!bar.lowercased().contains("nan") && !bar.contains("inf"))
    #expect(isWellFormedXML(bar))

    let column = ColumnChart(title: "z", labels: ["a", "b"], values: [0, 0], unit: "h").render()
    #expect(!column.contains("fill=\"#4e79a7\""))
    #expect(column.contains(">0</text>") && column.contains(">1</text>"))
    #expect(!column.lowercased().contains("nan") && !column.contains("inf"))
    #expect(isWellFormedXML(column))
}

@Test(.timeLimit(.minutes(1))) func nonFiniteAndNegativeValuesDrawNothing() {
    let bar = BarChart(title: "n", labels: ["nan", "neg", "ok"], values: [.nan, -3, 2]).render()
    #expect(bar.components(separatedBy: "fill=\"#4e79a7\"").count == 2)
    #expect(bar.contains(">-3</text>"))
    #expect(isWellFormedXML(bar))
}

@Test(.timeLimit(.minutes(1))) func columnChartTicksAreNiceSteps() {
    func ticks(_ max: Double) -> (Double, Int) { ColumnChart.niceTicks(maxValue: max) }
    #expect(ticks(16.5) == (5, 4))
    #expect(ticks(10) == (2, 5))
    #expect(ticks(7) == (2, 4))
    #expect(ticks(12) == (5, 3))
    #expect(ticks(100) == (20, 5))
    #expect(ticks(0) == (0.2, 5))
    #expect(ticks(1) == (0.2, 5))
    let small = ticks(0.003)
    #expect(abs(small.0 - 0.001) < 1e-12 && small.1 == 3)
    let svg = ColumnChart(title: "t", labels: ["a"], values: [16.5], unit: "h").render()
    for label in ["0", "5", "10", "15", "20"] { #expect(svg.contains(">\(label)</text>")) }
}

@Test(.timeLimit(.minutes(1))) func columnChartShowsEveryNthDayLabel() {
    let days = (1...31).map { "2025-07-" + ($0 < 10 ? "0" : "") + String($0) }
    let svg = ColumnChart(title: "Daily", labels: days, values: days.indices.map(Double.init), unit: "h").render()
    let shown = days.filter { svg.contains(">\($0)</text>") }
    #expect(shown.first == "2025-07-01")
    #expect(shown.count > 3 && shown.count < 16)
    #expect(svg.components(separatedBy: "fill=\"#4e79a7\"").count == 31)  // day 1 is zero: 30 columns
    #expect(isWellFormedXML(svg))
}

// MARK: - XLSXWorkbook

/// Excel's sheet-name rules: at most 31 characters, none of `[ ] : * ? / \`, no quote at either
/// end, never empty, unique whatever the case.
@Test(.timeLimit(.minutes(1))) func workbookSheetNamesFollowExcelsRules() {
    let names = XLSXWorkbook.sheetNames(["Rooms [Nov]: a/b?", "'quoted'", "", "Summary", "summary",
                                         String(repeating: "长", count: 40), String(repeating: "长", count: 40)])
    #expect(names[0] == "Rooms _Nov__ a_b_")
    #expect(names[1] == "quoted")
    #expect(names[2] == "Sheet")
    #expect(names[3] == "Summary" && names[4] == "summary (2)")
    #expect(names[5] == String(repeating: "长", count: 31))
    #expect(names[6] == String(repeating: "长", count: 27) + " (2)" && names[6].count == 31)
}

/// XML cannot carry control characters: they become SpreadsheetML's `_xHHHH_`, and a literal `_x`
/// is escaped so that a reader does not take it for one.
@Test(.timeLimit(.minutes(1))) func workbookTextIsEscapedForXML() {
    #expect(XLSXWorkbook.escaped("a<b>&\"c\"") == "a&lt;b&gt;&amp;&quot;c&quot;")
    #expect(XLSXWorkbook.escaped("x\u{1B}[31m\u{0}") == "x_x001B_[31m_x0000_")
    #expect(XLSXWorkbook.escaped("_x0041_") == "_x005F_x0041_")
    #expect(XLSXWorkbook.escaped("line\nnext\ttab") == "line\nnext\ttab")
    #expect(XLSXWorkbook.columnName(0) == "A" && XLSXWorkbook.columnName(25) == "Z" && XLSXWorkbook.columnName(26) == "AA"
            && XLSXWorkbook.columnName(701) == "ZZ" && XLSXWorkbook.columnName(702) == "AAA")
    #expect(XLSXWorkbook.displayWidth("美妆ab") == 6 && XLSXWorkbook.displayWidth("📱") == 2)
    // Days since 1899-12-30: 2026-11-01 is 46,327; an instant keeps its own wall clock.
    #expect(XLSXWorkbook.dateSerial("2026-11-01") == 46_327)
    #expect(XLSXWorkbook.dateTimeSerial("2026-11-01T12:00:00+08:00") == 46_327.5)
    #expect(XLSXWorkbook.dateTimeSerial("2026-11-01T06:00:00Z") == 46_327.25)
    #expect(XLSXWorkbook.dateSerial("2026-02-30") == nil && XLSXWorkbook.dateTimeSerial("Room 2026-11-01T06:00:00Z") == nil)
}

/// Excel's limits: a cell of more than 32,767 characters is cut with a note of how much, within
/// the limit; a table of more rows than a sheet holds is refused, naming the limit.
@Test(.timeLimit(.minutes(1))) func workbookCellsAndSheetsStayWithinExcelsLimits() throws {
    let long = String(repeating: "长", count: 40_000)
    let cut = XLSXWorkbook.fitted(long)
    #expect(cut.utf16.count <= 32_767 && cut.hasSuffix("more characters)"))
    #expect(cut.hasPrefix(String(repeating: "长", count: 32_000)))
    #expect(XLSXWorkbook.fitted("short") == "short")
    let rows = Array(repeating: [Cell.integer(1)], count: 1_048_576)
    do {
        _ = try XLSXWorkbook(sheets: [.init(name: "Big", table: ResultTable(columns: ["n"], rows: rows))]).data()
        Issue.record("a sheet past Excel's rows was written")
    } catch let error as OutputFileError {
        #expect(error.description.contains("at most 1048575 rows") && error.description.contains("--format csv"), "\(error)")
    }
}
