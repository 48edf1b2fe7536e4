import Foundation
import Testing

/// Workbooks written by `report --xlsx` and `query/compare --format xlsx`, read back by a separate
/// XLSX reader (openpyxl, from Debian's python3-openpyxl, which the Makefile installs for tests):
/// cell values and types, number formats, the frozen and filtered bold header, sheet names, and
/// hostile room names stored as the text they are.
@Suite(.timeLimit(.minutes(3))) struct WorkbookTests {
    /// The reader: every sheet's name, frozen cell, filter range, and each cell's value, type
    /// (`n` number, `s` text, `d` date), number format and boldness, as JSON.
    static let reader = """
        import json, sys, datetime, openpyxl
        from openpyxl.utils.escape import unescape
        wb = openpyxl.load_workbook(sys.argv[1])
        out = []
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows():
                cells = []
                for c in row:
                    v = c.value
                    if isinstance(v, datetime.datetime): v = v.isoformat()
                    # openpyxl decodes SpreadsheetML's _xHHHH_ escapes in shared strings only; an
                    # inline string's are decoded here, as Excel and LibreOffice decode them.
                    if isinstance(v, str): v = unescape(v)
                    cells.append({"v": v, "t": c.data_type, "f": c.number_format, "b": bool(c.font and c.font.b)})
                rows.append(cells)
            out.append({"name": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "rows": rows})
        print(json.dumps(out))
        """

    struct Cell: Decodable {
        var v: JSONAny?
        var t: String
        var f: String
        var b: Bool
    }

    struct Sheet: Decodable {
        var name: String
        var freeze: String?
        var filter: String?
        var rows: [[Cell]]
    }

    /// A JSON value of any kind, as the reader prints it.
    enum JSONAny: Decodable, Equatable {
        case string(String), number(Double), bool(Bool)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .string(s) }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else { self = .number(try c.decode(Double.self)) }
        }
    }

    static func read(_ cli: CLI, _ path: String) async throws -> [Sheet] {
        let script = cli.write("read_xlsx.py", reader)
        let result = try await cli.run([script, cli.path(path)], binary: "/usr/bin/python3")
        #expect(result.status == 0, "openpyxl could not read \(path): \(result.stderr)")
        return try JSONDecoder().decode([Sheet].self, from: Data(result.stdout.utf8))
    }

    static func job(_ id: String, room: String, name: String, state: String = "SUCCEED", start: String, duration: Int) -> String {
        let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\u{1B}", with: "\\u001b")
        var error = ""
        if state == "FAILED" { error = #","error_info":{"error_code":"MSS.001","error_msg":"failed"}"# }
        return #"{"job_id":"\#(id)","room_id":"\#(room)","room_name":"\#(quoted)","state":"\#(state)","start_time":"\#(start)","create_time":"\#(start)","lastupdate_time":"\#(start)","duration":\#(duration),"stream_duration":\#(duration / 2)\#(error)}"#
    }

    /// Three rooms with names a spreadsheet would run or mangle, one job each in November 2026.
    static func database(_ cli: CLI) async throws -> String {
        let file = cli.write("w.jsonl", [
            job("a", room: "r1", name: "=HYPERLINK(\"http://x\",\"y\")", start: "2026-11-02T16:30:00Z", duration: 7200),
            job("b", room: "r2", name: "-1+2", state: "FAILED", start: "2026-11-03T01:00:00Z", duration: 3600),
            job("c", room: "r3", name: "美妆\u{1B}[31m_x0041_", start: "2026-11-04T01:00:00Z", duration: 1800),
        ].joined(separator: "\n") + "\n")
        let imported = try await cli.run(["import", "--db", "w.sqlite", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        return "w.sqlite"
    }

    @Test func aQueryWorkbookHasTypedCellsAndTextExactlyAsSent() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        let result = try await cli.run(["query", "monthly_usage_by_room", "--db", db, "--param", "month=2026-11",
                                        "--param", "tz=Asia/Shanghai", "--format", "xlsx", "--output", "rooms.xlsx"])
        #expect(result.status == 0 && result.stdout == "wrote 3 rows (xlsx) to rooms.xlsx\n", "\(result.stdout) \(result.stderr)")
        let sheets = try await Self.read(cli, "rooms.xlsx")
        let sheet = try #require(sheets.first)
        #expect(sheets.count == 1 && sheet.name == "Monthly usage by room")
        #expect(sheet.freeze == "A2")
        let header = sheet.rows[0]
        let columns = header.compactMap { cell -> String? in if case .string(let s) = cell.v { return s } else { return nil } }
        #expect(sheet.filter == "A1:\(["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U"][columns.count - 1])4")
        #expect(header.allSatisfy { $0.b }, "the header row is bold")
        func column(_ name: String) throws -> Int { try #require(columns.firstIndex(of: name), "\(name) in \(columns)") }
        let roomName = try column("room_name"), jobs = try column("jobs"), liveHours = try column("live_hours")
        let streamRatio = try column("stream_ratio"), errorRate = try column("error_rate"), roomId = try column("room_id")
        let tz = try column("tz")
        let names = sheet.rows.dropFirst().map { row -> String in
            guard case .string(let s) = row[roomName].v else { return "" }
            return s
        }
        // Text cells, exactly as sent: no formula, no leading ', the escape character kept.
        #expect(Set(names) == ["=HYPERLINK(\"http://x\",\"y\")", "-1+2", "美妆\u{1B}[31m_x0041_"], "\(names)")
        for row in sheet.rows.dropFirst() {
            #expect(row[roomName].t == "s")
            // jobs: 1 each, an integer; hours with two decimals; rates and ratios as percentages of the fraction.
            #expect(row[jobs].v == .number(1) && row[jobs].f == "0")
            #expect(row[liveHours].t == "n" && row[liveHours].f == "0.00")
            #expect(row[streamRatio].v == .number(0.5) && row[streamRatio].f == "0.00%")
        }
        // a: 2 h; b: 1 h, failed (error rate 1 = 100 %); c: 0.5 h.
        let b = try #require(sheet.rows.first { row in row[roomId].v == .string("r2") })
        #expect(b[liveHours].v == .number(1))
        #expect(b[errorRate].v == .number(1) && b[errorRate].f == "0.00%")
        #expect(b[tz].v == .string("Asia/Shanghai"))
    }

    @Test func theReportWorkbookHasASummaryAndASheetPerSectionWithDatesAndTimes() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        let report = try await cli.run(["report", "--db", db, "--month", "2026-11", "--tz", "Asia/Shanghai", "--xlsx", "--out", "r"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: cli.path("r/report.md")))
        let sheets = try await Self.read(cli, "r/report.xlsx")
        let names = sheets.map(\.name)
        #expect(names.first == "Summary")
        #expect(names.contains("Monthly usage by room") && names.contains("Daily live hours") && names.contains("Error codes"))
        #expect(names.allSatisfy { $0.count <= 31 } && Set(names.map { $0.lowercased() }).count == names.count)
        #expect(sheets.allSatisfy { $0.freeze == "A2" })
        // Days are dates: 2026-11-01 is the first row of Daily live hours.
        let daily = try #require(sheets.first { $0.name == "Daily live hours" })
        #expect(daily.rows[1][0].v == .string("2026-11-01T00:00:00") && daily.rows[1][0].t == "d" && daily.rows[1][0].f == "yyyy-mm-dd")
        // Instants are date-times of the report's zone: b was created 2026-11-03T01:00:00Z, 09:00 in Shanghai.
        let errors = try #require(sheets.first { $0.name == "Error codes" })
        let header = errors.rows[0].compactMap { cell -> String? in if case .string(let s) = cell.v { return s } else { return nil } }
        let firstSeen = try #require(header.firstIndex(of: "first_seen"))
        #expect(errors.rows[1][firstSeen].v == .string("2026-11-03T09:00:00") && errors.rows[1][firstSeen].f == "yyyy-mm-dd hh:mm:ss",
                "\(errors.rows[1][firstSeen])")
        // The Summary is month_summary's row: 3 jobs, 3.5 hours.
        let summary = sheets[0]
        let summaryHeader = summary.rows[0].compactMap { cell -> String? in if case .string(let s) = cell.v { return s } else { return nil } }
        #expect(summary.rows[1][try #require(summaryHeader.firstIndex(of: "jobs"))].v == .number(3))
        #expect(summary.rows[1][try #require(summaryHeader.firstIndex(of: "live_hours"))].v == .number(3.5))
    }

    @Test func compareWritesAWorkbookAndAnUnwritableOutputIsOneLine() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        let compare = try await cli.run(["compare", "r1", "r2", "--db", db, "--format", "xlsx", "--output", "c.xlsx"])
        #expect(compare.status == 0, "\(compare.stderr)")
        let sheets = try await Self.read(cli, "c.xlsx")
        #expect(sheets.first?.name == "Comparison" && sheets.first?.rows.first?.count == 3)
        let refused = try await cli.run(["query", "month_summary", "--db", db, "--param", "month=2026-11", "--format", "xlsx",
                                         "--output", "no/such/folder/x.xlsx"])
        #expect(refused.status == 1 && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("no/such/folder/x.xlsx"))
    }
    /// The spreadsheet program itself: LibreOffice (headless, from the Makefile's packages) opens
    /// the report's workbook and saves each sheet as CSV with the values as it displays them, so
    /// the number formats are LibreOffice's reading of them: percentages, two-decimal hours, dates,
    /// date-times, and the hostile names as text.
    @Test(.timeLimit(.minutes(3))) func libreOfficeOpensTheWorkbookAndShowsItsFormats() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        let report = try await cli.run(["report", "--db", db, "--month", "2026-11", "--tz", "Asia/Shanghai", "--xlsx", "--out", "r"])
        #expect(report.status == 0, "\(report.stderr)")
        // Its own profile folder, so that it neither touches the user's nor waits on another run's lock.
        let profile = URL(fileURLWithPath: cli.path("lo-profile")).absoluteString
        // CSV options: comma, double quote, UTF-8 (76), from line 1, values as shown (the 9th), every sheet (-1).
        let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
        let converted = try await cli.run(["--headless", "--norestore", "-env:UserInstallation=\(profile)", "--convert-to", filter,
                                           "--outdir", cli.path("lo"), cli.path("r/report.xlsx")], binary: "/usr/bin/soffice")
        #expect(converted.status == 0, "\(converted.stdout) \(converted.stderr)")
        func sheet(_ name: String) throws -> [String] {
            try String(contentsOfFile: cli.path("lo/report-\(name).csv"), encoding: .utf8).components(separatedBy: "\n")
        }
        // Monthly usage by room: b (r2) 1 job, 1 h, 0.5 h streamed (ratio 50.00%), failed (error rate 100.00%).
        let rooms = try sheet("Monthly usage by room")
        #expect(rooms.first?.hasPrefix("project_id,region,room_id,room_name,jobs,live_hours,streamed_hours,stream_ratio,") == true)
        #expect(rooms.contains { $0.hasPrefix(",,r2,-1+2,1,1.00,0.50,50.00%,1.00,0,100.00%,0.00%,1,0,0,") }, "\(rooms)")
        #expect(rooms.contains { $0.hasPrefix(",,r1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1,2.00,1.00,50.00%,") }, "\(rooms)")
        // Days as dates, times as date-times of Shanghai (b was created 2026-11-03T01:00:00Z, 09:00 there).
        #expect(try sheet("Daily live hours").dropFirst().first?.hasPrefix("2026-11-01,") == true)
        let errors = try sheet("Error codes")
        #expect(errors.contains { $0.contains(",2026-11-03 09:00:00,") }, "\(errors)")
    }
}
