import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(5))) struct CLITests {
    func job(_ id: String, room: String = "r1", name: String = "Room One", state: String = "SUCCEED",
             start: String = "2026-10-05T10:00:00Z", duration: Double = 7200, stream: Double = 6000) -> String {
        #"{"job_id":"\#(id)","room_id":"\#(room)","room_name":"\#(name)","state":"\#(state)","start_time":"\#(start)","duration":\#(duration),"stream_duration":\#(stream),"create_time":"\#(start)","lastupdate_time":"\#(start)"}"#
    }

    @Test func importThenReportWritesMarkdownCSVAndChartsForTheLatestMonth() async throws {
        let cli = CLI()
        let pages = CLI.samplePages
        #expect(pages.count >= 20)
        let imported = try await cli.run(["import", "--db", "s.sqlite"] + pages)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported \(pages.count) of \(pages.count) files"))
        let report = try await cli.run(["report", "--db", "s.sqlite"])
        #expect(report.status == 0, "\(report.stderr)")
        let dir = cli.workDir.appendingPathComponent("reports/2026-11")
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("# Livestream usage, 2026-11 (UTC)"))
        #expect(markdown.contains("## Headline"))
        #expect(markdown.contains("## Monthly usage by room"))
        #expect(markdown.contains("![Monthly usage by room](monthly_usage_by_room.svg)"))
        let csv = try String(contentsOf: dir.appendingPathComponent("monthly_usage_by_room.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("room_id,room_name,jobs,live_hours,streamed_hours,stream_ratio,error_rate,block_rate"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("daily_live_hours.svg").path))
        // Secrets in the sample never reach the report or the database.
        let dbBytes = try Data(contentsOf: cli.workDir.appendingPathComponent("s.sqlite"))
        let sample = try String(contentsOfFile: pages[0], encoding: .utf8)
        if let range = sample.range(of: #""signature":""#) {
            let secret = sample[range.upperBound...].prefix(while: { $0 != "\"" })
            #expect(secret.count > 8)
            #expect(dbBytes.range(of: Data(secret.utf8)) == nil)
            #expect(!markdown.contains(secret))
        }
    }

    @Test func reportSplitsHoursByTimeZoneAndExcelCSVHasBOMAndCRLF() async throws {
        let cli = CLI()
        let file = cli.write("p.json", #"{"count":1,"smart_live_jobs":["# + job("x", start: "2026-01-31T23:00:00Z") + "]}")
        #expect(try await cli.run(["import", "--db", "t.sqlite", file]).status == 0)
        let utc = try await cli.run(["query", "monthly_trend", "--db", "t.sqlite", "--param", "month=2026-02", "--format", "csv"])
        #expect(utc.status == 0, "\(utc.stderr)")
        #expect(utc.stdout.contains("\n2026-01,1,1,1,") && utc.stdout.contains("\n2026-02,0,1,1,"))
        let sh = try await cli.run(["report", "--db", "t.sqlite", "--month", "2026-02", "--tz", "Asia/Shanghai", "--excel"])
        #expect(sh.status == 0, "\(sh.stderr)")
        let csv = try Data(contentsOf: cli.workDir.appendingPathComponent("reports/2026-02_Asia-Shanghai/monthly_usage_by_room.csv"))
        #expect(csv.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: csv.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("room_id,room_name,jobs,live_hours,streamed_hours,stream_ratio,error_rate,block_rate"))
        #expect(text.contains("\r\nr1,Room One,1,2,"))
    }

    @Test func queryFormatsAndReadOnlyRefusal() async throws {
        let cli = CLI()
        let file = cli.write("p.json", #"{"count":2,"smart_live_jobs":["# + job("a") + "," + job("b", room: "r2", name: "=HYPERLINK(\\\"x\\\")", state: "FAILED") + "]}")
        #expect(try await cli.run(["import", "--db", "q.sqlite", file]).status == 0)
        let json = try await cli.run(["query", "jobs_per_state_per_room", "--db", "q.sqlite", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains(#"{"room_id":"r1","room_name":"Room One","state":"SUCCEED","jobs":1}"#))
        let csv = try await cli.run(["query", "jobs_per_state_per_room", "--db", "q.sqlite", "--format", "csv"])
        #expect(csv.stdout.contains(#"r2,"'=HYPERLINK(""x"")",FAILED,1"#))
        let writer = cli.write("evil.sql", "-- title: evil\nDELETE FROM jobs\n")
        let refused = try await cli.run(["query", writer, "--db", "q.sqlite"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("tries to change the database"))
        #expect(try await cli.run(["query", "jobs_per_state_per_room", "--db", "q.sqlite", "--format", "csv"]).stdout.split(separator: "\n").count == 3)
    }

    @Test func everyKindOfBadInputGetsOneLineAndANonZeroExit() async throws {
        let cli = CLI()
        let good = cli.write("good.json", #"{"count":1,"smart_live_jobs":["# + job("keep") + "]}")
        #expect(try await cli.run(["import", "--db", "e.sqlite", good]).status == 0)
        let cases: [(args: [String], code: Int32, needle: String)] = [
            (["import", "--db", "e.sqlite", cli.write("bad.json", "{\"count\": 1, \"smart_live_jobs\": [")], 65, "bad.json:1: malformed JSON"),
            (["import", "--db", "e.sqlite", "--strict", cli.write("type.jsonl", job("t").replacingOccurrences(of: "\"duration\":7200.0", with: "\"duration\":true"))], 65, "job 0 (job_id t): field 'duration': expected a number, got boolean (--strict)"),
            (["import", "--db", "e.sqlite", cli.path("missing.json")], 65, "missing.json: cannot read"),
            (["report", "--db", "e.sqlite", "--month", "2026-13"], 64, "--month takes YYYY-MM"),
            (["report", "--db", "e.sqlite", "--tz", "Mars/Olympus"], 64, "unknown time zone"),
            (["query", "no_such_query", "--db", "e.sqlite"], 65, "unknown query 'no_such_query'"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite"], 65, "needs parameter 'month'"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite", "--param", "month=May"], 65, "parameter 'month': expected a month as YYYY-MM"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite", "--param", "month=2026-10", "--param", "colour=red"], 65, "has no parameter 'colour'"),
            (["query", cli.write("syntax.sql", "-- title: x\nSELEC 1\n"), "--db", "e.sqlite"], 65, "syntax.sql): SQL error"),
            (["query", cli.write("undeclared.sql", "-- title: x\nSELECT :who\n"), "--db", "e.sqlite"], 65, "uses :who but its header declares no such parameter"),
            (["query", cli.write("header.sql", "-- param: month decade required x\nSELECT 1\n"), "--db", "e.sqlite"], 65, "header.sql:1: parameter 'month' has unknown type"),
            (["report", "--db", cli.path("nothing.sqlite")], 1, "no database at"),
            (["compare", "--db", "e.sqlite", "Nobody's Room"], 65, "no room with id or exact name"),
            (["import", "--db", "e.sqlite", "--bogus", good], 64, "--bogus"),
        ]
        for c in cases {
            let r = try await cli.run(c.args)
            #expect(r.status == c.code, "\(c.args): status \(r.status), stderr \(r.stderr)")
            #expect(r.stderr.contains(c.needle), "\(c.args): \(r.stderr)")
            if c.code == 65 || c.code == 1 {
                #expect(r.stderr.split(separator: "\n").count == 1, "\(c.args): more than one line: \(r.stderr)")
            }
        }
        let count = try await cli.run(["query", cli.write("count.sql", "-- title: n\nSELECT count(*) AS n FROM jobs\n"), "--db", "e.sqlite", "--format", "csv"])
        #expect(count.stdout == "n\n1\n")
    }

    @Test func compareShowsRoomsSideBySideByIdOrName() async throws {
        let cli = CLI()
        let jobs = [job("a"), job("b", room: "r2", name: "美妆直播间", duration: 3600, stream: 1800), job("c", room: "r2", name: "美妆直播间", state: "BLOCKED")]
        let file = cli.write("p.jsonl", jobs.joined(separator: "\n"))
        #expect(try await cli.run(["import", "--db", "c.sqlite", file]).status == 0)
        let r = try await cli.run(["compare", "--db", "c.sqlite", "r1", "美妆直播间", "--month", "2026-10", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "figure,Room One,美妆直播间")
        #expect(lines.contains("jobs,1,2"))
        #expect(lines.contains("live_hours,2,3"))
        #expect(lines.contains("block_rate,0,0.5"))
    }

    @Test func helpShowsAnExampleForEveryCommand() async throws {
        let cli = CLI()
        for command in ["import", "query", "report", "compare"] {
            let r = try await cli.run([command, "--help"])
            #expect(r.status == 0)
            #expect(r.stdout.contains("livejobs \(command)"), "\(command) --help has no example")
            #expect(r.stdout.contains("--db"))
        }
    }
}
