import Foundation
import GRDB
import Testing

/// Two projects whose rooms share a room id, `--project`/`--region` on `report`, `query` and
/// `compare`, and every instant of a result in the report's zone. The figures are worked out by
/// hand from the five jobs below.
///
/// | job | project (region)      | room | start (UTC)          | live  | streamed | state   |
/// |-----|-----------------------|------|----------------------|-------|----------|---------|
/// | j1  | P1 (cn-north-4)       | r1   | 2026-11-02T01:00:00Z | 1 h   | 0.5 h    | SUCCEED |
/// | j2  | P1 (cn-north-4)       | r1   | 2026-11-03T01:00:00Z | 2 h   | 2 h      | FAILED (created 2026-11-02T20:00:00Z) |
/// | j5  | P1 (cn-north-4)       | r3   | 2026-11-05T02:00:00Z | 0.25 h| 0.25 h   | SUCCEED |
/// | j3  | P2 (ap-southeast-1)   | r1   | 2026-11-04T00:00:00Z | 0.5 h | none     | SUCCEED |
/// | j4  | P2 (ap-southeast-1)   | r2   | 2026-10-31T16:30:00Z | 1.5 h | 1.5 h    | SUCCEED |
///
/// j4 is October's in UTC and November's in Asia/Shanghai (2026-11-01T00:30:00+08:00).
@Suite(.timeLimit(.minutes(3))) struct ProjectScopeTests {
    static func job(_ id: String, room: String, name: String, state: String = "SUCCEED", start: String,
                    created: String? = nil, duration: Int, stream: Int?, error: Bool = false) -> String {
        var fields = [#""job_id":"\#(id)""#, #""room_id":"\#(room)""#, #""room_name":"\#(name)""#, #""state":"\#(state)""#,
                      #""start_time":"\#(start)""#, #""create_time":"\#(created ?? start)""#, #""lastupdate_time":"\#(start)""#,
                      #""duration":\#(duration)"#]
        if let stream { fields.append(#""stream_duration":\#(stream)"#) }
        if error { fields.append(#""error_info":{"error_code":"MSS.00000001","error_msg":"push failed"}"#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A database of the five jobs, P1's imported with `--project-id P1 --region cn-north-4` and
    /// P2's with `--project-id P2 --region ap-southeast-1`.
    static func database(_ cli: CLI) async throws -> String {
        let p1 = cli.write("p1.jsonl", [
            job("j1", room: "r1", name: "Shared Room", start: "2026-11-02T01:00:00Z", duration: 3600, stream: 1800),
            job("j2", room: "r1", name: "Shared Room", state: "FAILED", start: "2026-11-03T01:00:00Z",
                created: "2026-11-02T20:00:00Z", duration: 7200, stream: 7200, error: true),
            // A room named like an instant: its column holds other names, so it is not an instant column.
            job("j5", room: "r3", name: "2026-11-05T00:00:00Z", start: "2026-11-05T02:00:00Z", duration: 900, stream: 900),
        ].joined(separator: "\n") + "\n")
        let p2 = cli.write("p2.jsonl", [
            job("j3", room: "r1", name: "Shared Room", start: "2026-11-04T00:00:00Z", duration: 1800, stream: nil),
            job("j4", room: "r2", name: "Night Room", start: "2026-10-31T16:30:00Z", duration: 5400, stream: 5400),
        ].joined(separator: "\n") + "\n")
        let a = try await cli.run(["import", "--db", "s.sqlite", "--project-id", "P1", "--region", "cn-north-4", p1])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try await cli.run(["import", "--db", "s.sqlite", "--project-id", "P2", "--region", "ap-southeast-1", p2])
        #expect(b.status == 0, "\(b.stderr)")
        return "s.sqlite"
    }

    /// The rows of `livejobs query … --format json`.
    static func rows(_ cli: CLI, _ arguments: [String]) async throws -> [[String: Any]] {
        let result = try await cli.run(["query"] + arguments + ["--format", "json"])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(parsed as? [[String: Any]], "\(result.stdout)")
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test func twoProjectsSharingARoomIdAreTwoRooms() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        // UTC, November: j1, j2, j5 (P1) and j3 (P2); j4 is October's.
        let summary = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11"]).first)
        #expect(Self.number(summary["jobs"]) == 4)
        // P1/r1, P1/r3 and P2/r1: three rooms, not two.
        #expect(Self.number(summary["rooms"]) == 3)
        // 1 + 2 + 0.25 + 0.5 hours.
        #expect(Self.number(summary["live_hours"]) == 3.75)
        // Streamed over paired jobs: (1800 + 7200 + 900) / (3600 + 7200 + 900) = 9900 / 11700 = 0.84615…
        #expect(Self.number(summary["stream_ratio"]) == 0.8462)
        // 1 failed of 4 finished.
        #expect(Self.number(summary["error_rate"]) == 0.25)

        let rooms = try await Self.rows(cli, ["monthly_usage_by_room", "--db", db, "--param", "month=2026-11"])
        let r1 = rooms.filter { $0["room_id"] as? String == "r1" }
        #expect(r1.count == 2, "\(rooms)")
        let byProject = Dictionary(uniqueKeysWithValues: r1.map { ($0["project_id"] as? String ?? "", $0) })
        #expect(Self.number(byProject["P1"]?["jobs"]) == 2 && Self.number(byProject["P1"]?["live_hours"]) == 3)
        #expect(byProject["P1"]?["region"] as? String == "cn-north-4")
        #expect(Self.number(byProject["P2"]?["jobs"]) == 1 && Self.number(byProject["P2"]?["live_hours"]) == 0.5)
        #expect(byProject["P2"]?["region"] as? String == "ap-southeast-1")

        // compare by the shared id: one column per project's room, told apart in the heading.
        let compare = try await cli.run(["compare", "r1", "--db", db, "--month", "2026-11", "--format", "csv"])
        #expect(compare.status == 0, "\(compare.stderr)")
        let header = try #require(compare.stdout.split(separator: "\n").first)
        #expect(header == "figure,Shared Room (P1 r1),Shared Room (P2 r1)", "\(compare.stdout)")
        #expect(compare.stdout.contains("\njobs,2,1\n"), "\(compare.stdout)")
    }

    @Test func projectAndRegionRestrictEveryFigure() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        let p1 = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11", "--project", "P1"]).first)
        // j1, j2, j5: 3.25 hours in two rooms, the same paired ratio as above (P2's j3 had no stream).
        #expect(Self.number(p1["jobs"]) == 3 && Self.number(p1["rooms"]) == 2 && Self.number(p1["live_hours"]) == 3.25)
        #expect(Self.number(p1["stream_ratio"]) == 0.8462)
        let p2 = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11", "--project", "P2"]).first)
        // j3 alone: half an hour, no stream data, so no ratio.
        #expect(Self.number(p2["jobs"]) == 1 && Self.number(p2["live_hours"]) == 0.5)
        #expect(p2["stream_ratio"] is NSNull)
        // In Asia/Shanghai, j4 (2026-11-01T00:30:00+08:00) is November's too: 0.5 + 1.5 hours.
        let region = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11",
                                                             "--param", "tz=Asia/Shanghai", "--region", "ap-southeast-1"]).first)
        #expect(Self.number(region["jobs"]) == 2 && Self.number(region["rooms"]) == 2 && Self.number(region["live_hours"]) == 2)
        // Repeated: both projects are every job.
        let both = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11",
                                                           "--project", "P1", "--project", "P2"]).first)
        #expect(Self.number(both["jobs"]) == 4)
        // A project and a region that both exist but never together: no job, and zeros said as such.
        let none = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11",
                                                           "--project", "P1", "--region", "ap-southeast-1"]).first)
        #expect(Self.number(none["jobs"]) == 0)
        // '' is the jobs imported without a project: none yet, then one (j6, 2026-11-06, 1 h).
        let noneYet = try await cli.run(["query", "month_summary", "--db", db, "--param", "month=2026-11", "--project", ""])
        #expect(noneYet.status == 65 && noneYet.stderr.contains("--project '': no stored job, fetch or import has no project_id"), "\(noneYet.stderr)")
        let orphan = cli.write("none.jsonl", Self.job("j6", room: "r1", name: "Shared Room", start: "2026-11-06T00:00:00Z", duration: 3600, stream: 3600) + "\n")
        #expect(try await cli.run(["import", "--db", db, orphan]).status == 0)
        let unplaced = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11", "--project", ""]).first)
        #expect(Self.number(unplaced["jobs"]) == 1 && Self.number(unplaced["live_hours"]) == 1)
        // With P1: 3 + 1 jobs, 3.25 + 1 hours, and three rooms (P1's r1 and r3, and the no-project r1).
        let withP1 = try #require(try await Self.rows(cli, ["month_summary", "--db", db, "--param", "month=2026-11", "--project", "", "--project", "P1"]).first)
        #expect(Self.number(withP1["jobs"]) == 4 && Self.number(withP1["live_hours"]) == 4.25 && Self.number(withP1["rooms"]) == 3)
        // Room-level queries and lists of jobs are scoped too (a query reading `jobs` directly).
        let flagged = try await cli.run(["query", "error_codes", "--db", db, "--project", "P2", "--format", "csv"])
        #expect(flagged.status == 0 && !flagged.stdout.contains("MSS.00000001"), "\(flagged.stdout)")
        let mine = cli.write("mine.sql", "-- title: mine\nSELECT count(*) AS n FROM jobs\n")
        #expect(try await Self.rows(cli, [mine, "--db", db, "--project", "P2"]).first?["n"] as? Int == 2)
        #expect(try await Self.rows(cli, [mine, "--db", db]).first?["n"] as? Int == 6)

        // The report names its one project and leaves the columns that would repeat it out.
        let report = try await cli.run(["report", "--db", db, "--month", "2026-11", "--project", "P1", "--out", "p1"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOfFile: cli.path("p1/report.md"), encoding: .utf8)
        #expect(markdown.contains("Project P1, region cn-north-4."))
        #expect(markdown.contains("Only project P1: every other stored project and region is left out of every figure."))
        // Without --out, a limited report goes to its own folder and never overwrites the whole one.
        let twoProjects = try await cli.run(["report", "--db", db, "--month", "2026-11", "--project", "P1", "--project", "P2"])
        #expect(twoProjects.status == 0, "\(twoProjects.stderr)")
        let bothMarkdown = try String(contentsOfFile: cli.path("reports/2026-11_P1+P2/report.md"), encoding: .utf8)
        #expect(bothMarkdown.contains("Only projects P1, P2: every other"), "\(bothMarkdown.prefix(400))")
        #expect(!FileManager.default.fileExists(atPath: cli.path("reports/2026-11/report.md")))
        #expect(!markdown.contains("| project id |"))
        let whole = try await cli.run(["report", "--db", db, "--month", "2026-11", "--out", "all"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try String(contentsOfFile: cli.path("all/report.md"), encoding: .utf8).contains("| project id | region | room id |"))
    }

    @Test func anUnknownProjectOrRegionIsOneLineNamingTheStoredOnes() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        for (flag, value, stored) in [("--project", "P9", "(stored: P1, P2)"), ("--region", "eu-west-0", "(stored: ap-southeast-1, cn-north-4)")] {
            for command in [["query", "month_summary", "--param", "month=2026-11"], ["report"], ["compare", "r1"]] {
                let result = try await cli.run(command + ["--db", db, flag, value])
                #expect(result.status == 65, "\(command) \(flag): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1)
                #expect(result.stderr.contains("\(flag) \(value): no stored job, fetch or import has this") && result.stderr.contains(stored), "\(result.stderr)")
            }
        }
        let control = try await cli.run(["report", "--db", db, "--project", "P\u{1B}[31m"])
        #expect(control.status == 64, "\(control.stderr)")
        #expect(!control.stderr.contains("\u{1B}"))
    }

    @Test func everyInstantIsInTheReportsZoneWithItsOffsetAndTheZoneTravelsWithTheRows() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        // j2 was created 2026-11-02T20:00:00Z: 2026-11-03T04:00:00+08:00 in Shanghai.
        let shanghai = try await Self.rows(cli, ["error_codes", "--db", db, "--param", "month=2026-11", "--param", "tz=Asia/Shanghai"])
        #expect(shanghai.first?["first_seen"] as? String == "2026-11-03T04:00:00+08:00", "\(shanghai)")
        #expect(shanghai.first?["tz"] as? String == "Asia/Shanghai")
        let utc = try await Self.rows(cli, ["error_codes", "--db", db, "--param", "month=2026-11"])
        #expect(utc.first?["first_seen"] as? String == "2026-11-02T20:00:00Z")
        #expect(utc.first?["tz"] as? String == "UTC")
        // St John's is 3 h 30 min behind UTC in November: 16:30 the day before.
        let stJohns = try await Self.rows(cli, ["error_codes", "--db", db, "--param", "month=2026-11", "--param", "tz=America/St_Johns"])
        #expect(stJohns.first?["first_seen"] as? String == "2026-11-02T16:30:00-03:30", "\(stJohns)")

        // compare in Shanghai: j4's start, 2026-10-31T16:30:00Z, is 1 November there.
        let compare = try await cli.run(["compare", "r2", "--db", db, "--month", "2026-11", "--tz", "Asia/Shanghai", "--format", "csv"])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("\nfirst_start,2026-11-01T00:30:00+08:00\n"), "\(compare.stdout)")
        #expect(compare.stdout.contains("\ntz,Asia/Shanghai\n"), "\(compare.stdout)")

        // The report: the CSV keeps the tz column, the Markdown names the zone with its offset.
        let report = try await cli.run(["report", "--db", db, "--month", "2026-11", "--tz", "Asia/Shanghai", "--out", "sh"])
        #expect(report.status == 0, "\(report.stderr)")
        let csv = try String(contentsOfFile: cli.path("sh/error_codes.csv"), encoding: .utf8)
        #expect(csv.contains("2026-11-03T04:00:00+08:00") && csv.contains(",Asia/Shanghai\n"), "\(csv)")
        let markdown = try String(contentsOfFile: cli.path("sh/report.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("# Livestream usage, November 2026, Asia/Shanghai (UTC+08:00)"), "\(markdown.prefix(200))")
        #expect(markdown.contains("2026-11-03T04:00:00+08:00"))
        #expect(!markdown.contains("2026-11-02T20:00:00Z"))
        #expect(markdown.contains("Days and times in Asia/Shanghai (UTC+08:00)."))

        // A name that looks like an instant among other names is a name, printed as sent.
        let rooms = try await Self.rows(cli, ["monthly_usage_by_room", "--db", db, "--param", "month=2026-11", "--param", "tz=Asia/Shanghai"])
        #expect(rooms.contains { $0["room_name"] as? String == "2026-11-05T00:00:00Z" }, "\(rooms)")
    }
    /// What the review of the scope found: a project known only from its fetches can be chosen and
    /// is never shown as another's; a scope with no dated job says so; import refuses project ids
    /// and regions that could not be chosen later; compare says which month has no job.
    @Test func aProjectKnownOnlyFromItsFetchesIsItsOwn() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        // P3 fetched once from cn-north-4 and failed: no job of it is stored.
        try await DatabaseQueue(path: cli.path(db)).write { db in
            try db.execute(sql: """
                INSERT INTO sync_runs (project_id, region, endpoint, query, mode, started_at, finished_at, outcome, message)
                VALUES ('P3', 'cn-north-4', 'http://127.0.0.1:9', 'all jobs', 'full', '2026-12-01T00:00:00Z',
                        '2026-12-01T00:01:00Z', 'failed', 'HTTP 401')
                """)
        }
        let sources = try await Self.rows(cli, ["data_sources", "--db", db, "--project", "P3"])
        #expect(sources.count == 1 && sources.first?["last_outcome"] as? String == "failed", "\(sources)")
        // Region cn-north-4 holds P1's jobs and P3's failed fetch: two projects, so the report's
        // tables keep the project column and P3's failure is not read as P1's.
        let report = try await cli.run(["report", "--db", db, "--month", "2026-11", "--region", "cn-north-4", "--out", "r"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOfFile: cli.path("r/report.md"), encoding: .utf8)
        #expect(!markdown.contains("Project P1, region cn-north-4."))
        #expect(markdown.contains("The last fetch of project P3, region cn-north-4 failed"), "\(markdown.prefix(1500))")
        // A project and region with no job together: said as such, not "import some first".
        let empty = try await cli.run(["report", "--db", db, "--project", "P1", "--region", "ap-southeast-1"])
        #expect(empty.status == 65)
        #expect(empty.stderr.contains("no stored job of project P1; region ap-southeast-1 has a date"), "\(empty.stderr)")
        #expect(!empty.stderr.contains("import some first"))
        // With --month, the report is written and its warning says why it is empty, and so does status.
        let month = try await cli.run(["report", "--db", db, "--project", "P1", "--region", "ap-southeast-1", "--month", "2026-11", "--out", "e"])
        #expect(month.status == 0, "\(month.stderr)")
        let emptyMarkdown = try String(contentsOfFile: cli.path("e/report.md"), encoding: .utf8)
        #expect(emptyMarkdown.contains("no stored job of the projects and regions this report covers has a date"), "\(emptyMarkdown.prefix(800))")
        let status = try await cli.run(["status", "--db", db, "--project", "P1", "--region", "ap-southeast-1"])
        #expect(status.status == 0 && status.stdout.contains("No stored job is of project P1; region ap-southeast-1."), "\(status.stdout)")
        #expect(!status.stdout.contains("import some"))
        // compare names the month nothing is stored for, on stderr (the CSV stays a CSV).
        let compare = try await cli.run(["compare", "r1", "--db", db, "--month", "2026-11", "--against", "2099-01", "--format", "csv"])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stderr.contains("no stored job started in 2099-01 (UTC, --against)"), "\(compare.stderr)")
        #expect(!compare.stderr.contains("2026-11 (UTC"))
        #expect(compare.stdout.hasPrefix("figure,"))
        let unknownRoom = try await cli.run(["compare", "Night Room", "--db", db, "--project", "P1"])
        #expect(unknownRoom.status == 65 && unknownRoom.stderr.contains("\"Night Room\" in project P1"), "\(unknownRoom.stderr)")
        // Import refuses what --project and --region could never choose afterwards.
        let file = cli.write("x.jsonl", Self.job("x1", room: "r9", name: "X", start: "2026-11-09T00:00:00Z", duration: 60, stream: nil) + "\n")
        for flags in [["--project-id", "p\u{1B}[31m"], ["--project-id", "p\nq"], ["--project-id", String(repeating: "a", count: 5000)],
                      ["--region", "cn north"], ["--region", "CN-NORTH-4\t"]] {
            let refused = try await cli.run(["import", "--db", db, file] + flags)
            #expect(refused.status == 64, "\(flags): \(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1 && !refused.stderr.contains("\u{1B}"), "\(refused.stderr)")
        }
        #expect(try count(cli.path(db), "SELECT count(*) FROM jobs WHERE job_id = 'x1'") == 0)
    }
    /// Instants quoted inside a flag's detail are in the report's zone too, and the report's
    /// Markdown shows codes as words (the CSV keeps the codes).
    @Test func instantsInsideTextAndCodesReadAsTheReportsReaderReadsThem() async throws {
        let cli = CLI()
        // Last updated 2026-11-05T20:00:00Z and still PROCESSING weeks later: flagged stale, its
        // detail quoting that instant, which is 2026-11-06T04:00:00+08:00 in Shanghai.
        let file = cli.write("p.jsonl", #"{"job_id":"p1","room_id":"r","room_name":"R","state":"PROCESSING","start_time":"2026-11-05T10:00:00Z","create_time":"2026-11-05T10:00:00Z","lastupdate_time":"2026-11-05T20:00:00Z"}"# + "\n")
        #expect(try await cli.run(["import", "--db", "z.sqlite", file]).status == 0)
        let report = try await cli.run(["report", "--db", "z.sqlite", "--month", "2026-11", "--tz", "Asia/Shanghai", "--out", "z"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOfFile: cli.path("z/report.md"), encoding: .utf8)
        #expect(markdown.contains("| state | stale unfinished | r | R | 1 | live hours, stream ratio, ongoing jobs | 2026-11 | p1 |"), "\(markdown)")
        #expect(markdown.contains("(2026-11-06T04:00:00+08:00) |"), "\(markdown)")
        #expect(!markdown.contains("2026-11-05T20:00:00Z"))
        let csv = try String(contentsOfFile: cli.path("z/data_quality.csv"), encoding: .utf8)
        #expect(csv.contains(",stale_unfinished,") && csv.contains("\"live_hours, stream_ratio, ongoing_jobs\"") && csv.contains("(2026-11-06T04:00:00+08:00)"), "\(csv)")
    }
    /// A month whose only hours come from a livestream that started the month before: "Jobs: 0"
    /// with hours says whose they are. The job runs 2026-10-31T20:00:00Z + 8 h: 4 h in each month (UTC).
    @Test func hoursWithoutJobsSayWhoseTheyAre() async throws {
        let cli = CLI()
        let file = cli.write("c.jsonl", Self.job("c1", room: "r1", name: "Night", start: "2026-10-31T20:00:00Z", duration: 28_800, stream: 28_800) + "\n")
        #expect(try await cli.run(["import", "--db", "c.sqlite", file]).status == 0)
        let report = try await cli.run(["report", "--db", "c.sqlite", "--month", "2026-11", "--out", "c"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOfFile: cli.path("c/report.md"), encoding: .utf8)
        #expect(markdown.contains("- **Jobs:** 0 (-1, -100.0 %) in 1 (±0) room;"), "\(markdown.prefix(900))")
        #expect(markdown.contains("- **Hours live:** 4 (±0) · **hours streamed:** 4 (±0)"), "\(markdown.prefix(900))")
        #expect(markdown.contains("- These hours come from livestreams that started in an earlier month and ran into this one"))
        // October has its job: no such line there.
        let october = try await cli.run(["report", "--db", "c.sqlite", "--month", "2026-10", "--out", "o"])
        #expect(october.status == 0)
        #expect(!(try String(contentsOfFile: cli.path("o/report.md"), encoding: .utf8)).contains("These hours come from"))
    }
    /// A report written into a folder an earlier report used: a chart it does not draw (no rows)
    /// is removed, not left beside the new report as if it were its own.
    @Test func aChartNotDrawnThisTimeIsNotLeftFromAnEarlierReport() async throws {
        let cli = CLI()
        let db = try await Self.database(cli)
        #expect(try await cli.run(["report", "--db", db, "--month", "2026-11", "--out", "same"]).status == 0)
        let chart = cli.path("same/monthly_usage_by_room.svg")
        #expect(FileManager.default.fileExists(atPath: chart))
        let empty = try await cli.run(["report", "--db", db, "--month", "2026-09", "--out", "same"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: chart))
        #expect(!(try String(contentsOfFile: cli.path("same/report.md"), encoding: .utf8)).contains("monthly_usage_by_room.svg"))
    }
}
