import Foundation
import Testing
@testable import LiveJobsReport

/// The query file header of docs/QUERIES.md, read by `QueryFile`: each key, each parameter form and
/// type, and every mistake reported with the file and the header line it is on.
@Suite(.timeLimit(.minutes(1))) struct QueryFileTests {
    func parse(_ text: String, path: String = "/q/my_query.sql") throws -> QueryFile {
        try QueryFile(path: path, text: text)
    }

    /// The message of the `QueryError` that reading `text` throws ("" when it throws none).
    func problem(_ text: String, path: String = "/q/bad.sql") -> String {
        do {
            _ = try QueryFile(path: path, text: text)
            return ""
        } catch {
            return (error as? QueryError)?.description ?? "not a QueryError: \(error)"
        }
    }

    @Test func everyHeaderKeyIsRead() throws {
        let q = try parse("""
            -- title: Monthly usage by room
            -- description: Per room, the jobs counted in the month
            -- description: and the hours live and streamed in it.
            -- param: month month required The calendar month, YYYY-MM.
            -- param: tz timezone default=UTC IANA zone of the month's days.
            -- report: 3
            -- chart: bar room_name live_hours
            SELECT 1
            """)
        #expect(q.name == "my_query" && q.path == "/q/my_query.sql")
        #expect(q.title == "Monthly usage by room")
        #expect(q.summary == "Per room, the jobs counted in the month and the hours live and streamed in it.")
        #expect(q.parameters == [
            QueryParameter(name: "month", kind: .month, required: true, defaultValue: nil, summary: "The calendar month, YYYY-MM."),
            QueryParameter(name: "tz", kind: .timezone, required: false, defaultValue: "UTC", summary: "IANA zone of the month's days."),
        ])
        #expect(q.reportOrder == 3)
        #expect(q.chart == QueryFile.ChartSpec(style: .bar, labelColumn: "room_name", valueColumn: "live_hours"))
    }

    /// Without a header the file's name is its title, and it is in no report and draws no chart.
    @Test func aFileWithoutAHeaderIsNamedByItsFileAndStaysOutOfTheReport() throws {
        let q = try parse("SELECT count(*) AS n FROM jobs\n", path: "/tmp/count_jobs.sql")
        #expect(q.name == "count_jobs" && q.title == "count_jobs" && q.summary.isEmpty)
        #expect(q.parameters.isEmpty && q.reportOrder == nil && q.chart == nil)
        #expect(q.sql == "SELECT count(*) AS n FROM jobs\n")
    }

    /// The header is the comment lines at the top (blank lines and unknown keys pass); the first
    /// other line ends it, so a `-- param:` inside the SQL declares nothing.
    @Test func theHeaderEndsAtTheFirstLineThatIsNotAComment() throws {
        let q = try parse("""

            -- TITLE: Upper-case keys count
            --author: someone (an unknown key is a comment)
            -- a comment without a colon

            -- param: :since date optional First day.
            SELECT :since
            -- param: late text required Not in the header.
            """)
        #expect(q.title == "Upper-case keys count")
        #expect(q.parameters.map(\.name) == ["since"], "a leading ':' on the name is allowed and dropped")
        #expect(q.parameters.first?.required == false && q.parameters.first?.defaultValue == nil)
    }

    @Test func everyTypeOfTheDocumentationIsKnown() throws {
        // The type table of docs/QUERIES.md, read from the page.
        let page = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/QUERIES.md"), encoding: .utf8)
        let documented = page.components(separatedBy: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            let word = String(line[line.index(line.startIndex, offsetBy: 3)..<end])
            return line.contains(" | ") && ["TEXT", "INTEGER", "REAL"].contains(where: line.contains) ? word : nil
        }
        #expect(Set(documented) == Set(QueryParameter.Kind.allCases.map(\.rawValue)), "the page documents \(documented)")
        for kind in QueryParameter.Kind.allCases {
            let q = try parse("-- param: p \(kind.rawValue) optional\nSELECT :p\n")
            #expect(q.parameters.first?.kind == kind)
        }
        #expect(try parse("-- param: p MONTH required\nSELECT :p\n").parameters.first?.kind == .month, "types are read in any case")
    }

    /// Every mistake in a header names the file and its line (blank lines counted), and what the
    /// line should read.
    @Test func headerMistakesNameTheFileAndLine() {
        let cases: [(text: String, message: String)] = [
            ("-- param: month decade required x\nSELECT 1",
             "/q/bad.sql:1: parameter 'month' has unknown type \"decade\" (one of: text, integer, real, month, date, timezone, list, instant)"),
            ("-- title: t\n\n-- param: month month\nSELECT 1",
             "/q/bad.sql:3: a parameter reads `-- param: NAME TYPE required|optional|default=VALUE description`, got \"month month\""),
            ("-- param: mo-nth text optional\nSELECT 1", "/q/bad.sql:1: parameter name \"mo-nth\" must be letters, digits and _"),
            ("-- param: month month sometimes\nSELECT 1",
             "/q/bad.sql:1: parameter 'month': expected required, optional or default=VALUE, got \"sometimes\""),
            ("-- param: month month default=2026-13\nSELECT 1",
             "/q/bad.sql:1: parameter 'month': expected a month as YYYY-MM, got \"2026-13\""),
            ("-- param: tz timezone default=CST\nSELECT 1", "/q/bad.sql:1: parameter 'tz': 'CST' is an abbreviation"),
            ("-- title: x\n-- report: third\nSELECT 1",
             "/q/bad.sql:2: 'report:' takes a number (its position in the report), got \"third\""),
            ("-- chart: pie a b\nSELECT 1",
             "/q/bad.sql:1: a chart reads `-- chart: bar|column LABEL_COLUMN VALUE_COLUMN`, got \"pie a b\""),
            ("-- chart: bar a\nSELECT 1",
             "/q/bad.sql:1: a chart reads `-- chart: bar|column LABEL_COLUMN VALUE_COLUMN`, got \"bar a\""),
            ("-- param: a text optional\n-- param: a integer optional\nSELECT :a", "/q/bad.sql: parameter 'a' is declared twice"),
            (" \n\n", "/q/bad.sql: the file holds no SQL"),
        ]
        for c in cases {
            let message = problem(c.text)
            #expect(message.hasPrefix(c.message), "\(c.text.debugDescription): \(message)")
            #expect(!message.contains("\n"), "one line: \(message)")
        }
    }

    /// A default value is checked when the file is read, not first when a report needs it.
    @Test func aDefaultIsCheckedAgainstItsType() throws {
        #expect(try parse("-- param: n integer default=7\nSELECT :n").parameters.first?.defaultValue == "7")
        #expect(problem("-- param: n integer default=seven\nSELECT :n").hasPrefix("/q/bad.sql:1: parameter 'n': expected an integer"))
        #expect(problem("-- param: d date default=2026-1-03\nSELECT :d").hasPrefix("/q/bad.sql:1: parameter 'd': expected a date as YYYY-MM-DD"))
    }

    /// `-- range: NAME MIN [MAX]` bounds a number parameter: a value outside is a bad flag (exit 64)
    /// naming the range, a default outside is a bad query file, and the line must name a number
    /// parameter declared above it.
    @Test func aRangeBoundsANumberParameterAndItsDefault() throws {
        let q = try parse("-- param: months integer default=3 Months.\n-- range: months 1 120\n-- param: share real default=0.5\n-- range: share 0\nSELECT :months, :share")
        let months = try #require(q.parameters.first)
        #expect(months.minimum == 1 && months.maximum == 120)
        #expect(try ParameterBinder.bind(["months": "120", "share": "0"], to: q)["months"] == 120.databaseValue)
        for (name, value, expected) in [("months", "0", "an integer from 1 to 120"), ("months", "121", "an integer from 1 to 120"),
                                        ("share", "-0.1", "a number of at least 0")] {
            do {
                _ = try ParameterBinder.bind([name: value], to: q)
                Issue.record("\(name)=\(value) was accepted")
            } catch let error as QueryError {
                #expect(error.isBadFlag && error.description.contains("expected \(expected), got \"\(value)\""), "\(error)")
            }
        }
        #expect(problem("-- param: n integer default=0\n-- range: n 1\nSELECT :n").hasPrefix("/q/bad.sql:2: parameter 'n': expected an integer of at least 1"))
        #expect(problem("-- range: n 1\nSELECT 1").contains("range for 'n', which is no integer or real parameter declared above"))
        #expect(problem("-- param: t text default=a\n-- range: t 1\nSELECT :t").contains("range for 't'"))
        #expect(problem("-- param: n integer default=1\n-- range: n one\nSELECT :n").contains("a range reads `-- range: NAME MIN [MAX]`"))
    }

    /// Every bundled query reads, declares the parameters its SQL uses, and the report's queries take
    /// only month and tz (or optional ones), as docs/QUERIES.md requires.
    @Test func everyBundledQueryReadsAndTheReportsTakeOnlyMonthAndZone() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("queries").path
        let catalog = try QueryCatalog(directory: folder)
        #expect(catalog.queries.count >= 8)
        #expect(!catalog.reportQueries.isEmpty)
        for q in catalog.queries {
            let declared = Set(q.parameters.map(\.name))
            // Named parameters outside comments and string literals ('10:30' names none).
            let code = q.sql.components(separatedBy: "\n").map { $0.components(separatedBy: "--")[0] }.joined(separator: "\n")
                .replacing(#/'[^']*'/#, with: "")
            let used = Set(code.matches(of: #/:([A-Za-z_][A-Za-z0-9_]*)/#).map { String($0.output.1) })
            #expect(used.isSubset(of: declared), "\(q.name) uses \(used.subtracting(declared).sorted()) undeclared")
        }
        for q in catalog.reportQueries {
            let mandatory = Set(q.parameters.filter { $0.required && $0.defaultValue == nil }.map(\.name))
            #expect(mandatory.isSubset(of: ["month", "tz"]), "\(q.name) needs \(mandatory.sorted())")
        }
    }
}
