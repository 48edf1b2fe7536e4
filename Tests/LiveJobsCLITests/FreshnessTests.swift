import Foundation
import GRDB
import Testing

/// What a report was built from and how fresh it is: the warnings at the top of report.md
/// (`queries/report_warnings.sql`), the section "Where the figures come from"
/// (`queries/data_sources.sql`) and `livejobs status` (`status_summary`, `status_places`,
/// `data_sources`), against a database of two projects built by the real binary, with fetch runs
/// of each outcome written in by hand. Every expected value is worked out below from the fixture.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FreshnessTests {
    static func job(_ id: String, room: String, state: String = "SUCCEED", start: String, duration: Double = 3600) -> String {
        #"{"job_id":"\#(id)","room_id":"\#(room)","room_name":"Room \#(room)","state":"\#(state)","start_time":"\#(start)","duration":\#(duration),"stream_duration":\#(max(duration, 0) / 2),"create_time":"\#(start)","lastupdate_time":"\#(start)"}"#
    }

    static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// The month in progress (UTC) and a start time in it: an hour ago, or the month's first second
    /// when an hour ago was still last month.
    static func thisMonth() -> (month: String, start: String) {
        let now = Date()
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let first = utc.date(from: utc.dateComponents([.year, .month], from: now))!
        let start = max(now.addingTimeInterval(-3600), first)
        return (String(rfc3339(now).prefix(7)), rfc3339(start))
    }

    /// The fixture:
    /// - proj-a, cn-north-4, imported from `saved/a-2026.json` (a0 in 2026-08 room r1; a1 in
    ///   2026-10 room r1; a2 in 2026-10 room r2, FAILED) then `a-now.json` (a3 in this month, room r1):
    ///   4 jobs, 2 rooms (r1, r2), months 2026-08, 2026-10 and this month.
    /// - proj-b, cn-east-3, imported from `b.json`: b1 (2026-10-07, room r1: the same room_id as
    ///   proj-a's r1, another room), b2 (2026-10-21, room r9, FAILED), b3 (2026-10-22, room r9, a
    ///   negative duration: flagged): 3 jobs, 2 rooms, one flagged, all in 2026-10.
    /// - fetch runs (sync_runs), in this order (ids 1-4):
    ///   1 proj-a succeeded, all jobs, 2026-10-31T23:00:00Z to 2026-11-01T00:30:00Z, 3 jobs
    ///   2 proj-b succeeded, all jobs, 2026-10-25T11:00:00Z to 2026-10-25T12:00:00Z, 2 jobs
    ///   3 proj-a failed, 2026-12-01T05:00:00Z to 05:01:00Z, 0 jobs, message "HTTP 401 APIGW.0301: Incorrect IAM authentication information"
    ///   4 proj-b incomplete, 2026-11-02T07:00:00Z to 08:00:00Z, 5 jobs, API count 7, message "count 7 but 5 jobs listed"
    static func database(_ cli: CLI) async throws -> (db: String, month: String) {
        let now = thisMonth()
        _ = cli.write("saved/a-2026.json", "[" + [
            job("a0", room: "r1", start: "2026-08-10T10:00:00Z"),
            job("a1", room: "r1", start: "2026-10-05T10:00:00Z", duration: 7200),
            job("a2", room: "r2", state: "FAILED", start: "2026-10-20T10:00:00Z"),
        ].joined(separator: ",") + "]")
        _ = cli.write("a-now.json", "[" + job("a3", room: "r1", start: now.start, duration: 60) + "]")
        _ = cli.write("b.json", "[" + [
            job("b1", room: "r1", start: "2026-10-07T10:00:00Z"),
            job("b2", room: "r9", state: "FAILED", start: "2026-10-21T10:00:00Z"),
            job("b3", room: "r9", start: "2026-10-22T10:00:00Z", duration: -5),
        ].joined(separator: ",") + "]")
        let a = try await cli.run(["import", "--db", "f.sqlite", "--project-id", "proj-a", "--region", "cn-north-4",
                                   "saved/a-2026.json", "a-now.json"])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try await cli.run(["import", "--db", "f.sqlite", "--project-id", "proj-b", "--region", "cn-east-3", "b.json"])
        #expect(b.status == 0, "\(b.stderr)")
        let db = cli.path("f.sqlite")
        try await DatabaseQueue(path: db).write { db in
            let insert = """
                INSERT INTO sync_runs (id, project_id, region, endpoint, query, mode, started_at, finished_at, outcome, jobs,
                                       expected_count, message)
                VALUES (?, ?, ?, 'http://127.0.0.1:9', 'all jobs', ?, ?, ?, ?, ?, ?, ?)
                """
            try db.execute(sql: insert, arguments: [1, "proj-a", "cn-north-4", "full", "2026-10-31T23:00:00Z", "2026-11-01T00:30:00Z",
                                                    "succeeded", 3, 3, nil])
            try db.execute(sql: insert, arguments: [2, "proj-b", "cn-east-3", "full", "2026-10-25T11:00:00Z", "2026-10-25T12:00:00Z",
                                                    "succeeded", 2, 2, nil])
            try db.execute(sql: insert, arguments: [3, "proj-a", "cn-north-4", "incremental", "2026-12-01T05:00:00Z",
                                                    "2026-12-01T05:01:00Z", "failed", 0, nil,
                                                    "HTTP 401 APIGW.0301: Incorrect IAM authentication information"])
            try db.execute(sql: insert, arguments: [4, "proj-b", "cn-east-3", "incremental", "2026-11-02T07:00:00Z",
                                                    "2026-11-02T08:00:00Z", "incomplete", 5, 7, "count 7 but 5 jobs listed"])
        }
        return (db, now.month)
    }

    /// The `warning` column of `report_warnings` with `now` pinned.
    static func warnings(_ cli: CLI, month: String, tz: String = "UTC", now: String, scope: [String] = []) async throws -> [String] {
        let r = try await cli.run(["query", "report_warnings", "--db", "f.sqlite", "--param", "month=\(month)", "--param", "tz=\(tz)",
                                   "--param", "now=\(now)", "--format", "json"] + scope)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        return rows.map { $0["warning"] as? String ?? "?" }
    }

    static let failedA = "The last fetch of project proj-a, region cn-north-4 failed (started 2026-12-01T05:00:00Z, ended 2026-12-01T05:01:00Z): "
        + "HTTP 401 APIGW.0301: Incorrect IAM authentication information. Its figures may lack jobs created or changed since the last "
        + "complete fetch (ended 2026-11-01T00:30:00Z)."
    static let incompleteB = "The last fetch of project proj-b, region cn-east-3 was incomplete (ended 2026-11-02T08:00:00Z, 5 jobs stored, "
        + "the API counted 7): count 7 but 5 jobs listed. Its figures may lack jobs created or changed since the last complete fetch "
        + "(ended 2026-10-25T12:00:00Z)."

    /// October 2026, a month that is over: run 3 failed and run 4 was incomplete (one warning each);
    /// proj-b's last complete fetch (run 2) ended 2026-10-25T12:00:00Z, before the month's end
    /// 2026-11-01T00:00:00Z UTC; proj-a's (run 1) ended 2026-11-01T00:30:00Z, after it. In
    /// Asia/Shanghai (UTC+8) October ends 2026-10-31T16:00:00Z: the same three. In America/New_York
    /// (EDT, UTC-4, until 2026-11-01 06:00 UTC) it ends 2026-11-01T04:00:00Z, after run 1 ended
    /// (00:30): proj-a was fetched before October ended there, and it is named too.
    @Test func warningsForAFinishedMonthNameEachFetchProblem() async throws {
        let cli = CLI()
        _ = try await Self.database(cli)
        let now = "2026-12-08T00:00:00Z"
        let oct = try await Self.warnings(cli, month: "2026-10", now: now)
        #expect(oct == [
            Self.failedA, Self.incompleteB,
            "Project proj-b, region cn-east-3 was last fetched completely at 2026-10-25T12:00:00Z, before 2026-10 (UTC) ended "
                + "(2026-11-01T00:00:00Z): its jobs created since are not in the figures below.",
        ])
        let shanghai = try await Self.warnings(cli, month: "2026-10", tz: "Asia/Shanghai", now: now)
        #expect(shanghai.count == 3)
        // Every instant of every warning in Shanghai's time: run 4 ended 2026-11-02T08:00:00Z, 16:00 there;
        // run 2, the last complete fetch of proj-b, 2026-10-25T12:00:00Z, 20:00 there.
        #expect(shanghai[1] == "The last fetch of project proj-b, region cn-east-3 was incomplete (ended 2026-11-02T16:00:00+08:00, "
                + "5 jobs stored, the API counted 7): count 7 but 5 jobs listed. Its figures may lack jobs created or changed since "
                + "the last complete fetch (ended 2026-10-25T20:00:00+08:00).", "\(shanghai)")
        #expect(!shanghai.joined().contains("Z,") && !shanghai.joined().contains("Z)"), "\(shanghai)")
        // Instants in the report's zone: 2026-10-25T12:00:00Z is 20:00 in Shanghai, October's end
        // 2026-10-31T16:00:00Z is midnight there.
        #expect(shanghai.last == "Project proj-b, region cn-east-3 was last fetched completely at 2026-10-25T20:00:00+08:00, before "
                + "2026-10 (Asia/Shanghai) ended (2026-11-01T00:00:00+08:00): its jobs created since are not in the figures below.")
        let newYork = try await Self.warnings(cli, month: "2026-10", tz: "America/New_York", now: now)
        #expect(newYork.dropFirst(2) == [
            // EDT (UTC-4): 00:30 UTC is 20:30 the day before, 04:00 UTC is midnight, 12:00 UTC is 08:00.
            "Project proj-a, region cn-north-4 was last fetched completely at 2026-10-31T20:30:00-04:00, before 2026-10 (America/New_York) "
                + "ended (2026-11-01T00:00:00-04:00): its jobs created since are not in the figures below.",
            "Project proj-b, region cn-east-3 was last fetched completely at 2026-10-25T08:00:00-04:00, before 2026-10 (America/New_York) "
                + "ended (2026-11-01T00:00:00-04:00): its jobs created since are not in the figures below.",
        ])
        // Scoped to proj-a, only its own runs speak.
        let onlyA = try await Self.warnings(cli, month: "2026-10", now: now, scope: ["--project", "proj-a"])
        #expect(onlyA == [Self.failedA])
        // Before the fetch failed (now 2026-11-15), October was over and run 4 incomplete already.
        let mid = try await Self.warnings(cli, month: "2026-10", now: "2026-11-15T00:00:00Z")
        #expect(mid == oct)
        // A fetch killed mid-run (interrupted, no end recorded) and one still running: run 5 for
        // proj-b, run 6 for proj-a, now the last of each; the complete fetches stay runs 1 and 2.
        try await DatabaseQueue(path: cli.path("f.sqlite")).write { db in
            try db.execute(sql: """
                INSERT INTO sync_runs (id, project_id, region, endpoint, query, mode, started_at, finished_at, outcome, jobs, message)
                VALUES (5, 'proj-b', 'cn-east-3', 'http://127.0.0.1:9', 'all jobs', 'incremental', '2026-12-02T01:00:00Z', '',
                        'interrupted', 40, 'the fetch (process 77) ended without recording its end'),
                       (6, 'proj-a', 'cn-north-4', 'http://127.0.0.1:9', 'all jobs', 'incremental', '2026-12-03T02:00:00Z', NULL,
                        'running', 0, NULL)
                """)
        }
        let later = try await Self.warnings(cli, month: "2026-10", now: now)
        #expect(Array(later.prefix(2)) == [
            "The last fetch of project proj-a, region cn-north-4 is still running, or was killed and not yet noticed (started "
                + "2026-12-03T02:00:00Z). Its figures may lack jobs created or changed since the last complete fetch (ended 2026-11-01T00:30:00Z).",
            "The last fetch of project proj-b, region cn-east-3 was interrupted (started 2026-12-02T01:00:00Z): the fetch (process 77) "
                + "ended without recording its end. Its figures may lack jobs created or changed since the last complete fetch (ended "
                + "2026-10-25T12:00:00Z).",
        ])
        let sources = try await cli.run(["query", "data_sources", "--db", "f.sqlite", "--format", "csv"])
        #expect(sources.stdout.contains("\nproj-b,cn-east-3,fetch,3,2026-12-02T01:00:00Z,interrupted,40,2026-10-25T12:00:00Z,"
                                        + "the fetch (process 77) ended without recording its end,UTC\n"), "\(sources.stdout)")
        #expect(sources.stdout.contains("\nproj-a,cn-north-4,fetch,3,2026-12-03T02:00:00Z,running,0,2026-11-01T00:30:00Z,"
                                        + "\"started 2026-12-03T02:00:00Z: still running, or killed and not yet noticed\",UTC\n"), "\(sources.stdout)")
        // `now` is an instant: an offset is read (08:00 at UTC+8 is midnight UTC), a date-time that is
        // not RFC 3339 is refused in one line, exit 64, never replaced by the clock.
        let offset = try await Self.warnings(cli, month: "2026-12", now: "2026-12-08T08:00:00+08:00")
        #expect(offset.first == "2026-12 (UTC) is not over yet: it ends 2027-01-01T00:00:00Z and it is now 2026-12-08T00:00:00Z, "
                + "so every figure below will still change.")
        let bad = try await cli.run(["query", "report_warnings", "--db", "f.sqlite", "--param", "month=2026-10", "--param", "now=yesterday"])
        #expect(bad.status == 64)
        #expect(bad.stderr == "livejobs query: error: query 'report_warnings': parameter 'now': expected an RFC 3339 date-time such as "
                + "2026-12-08T00:15:00Z, got \"yesterday\"\n", "\(bad.stderr)")
    }

    /// Months with no job counted: 2026-09 lies between 2026-08 and 2026-10 (a gap), 2026-07 before
    /// the first month, and 2099-01 after the last and not begun (now 2026-12-08T00:00:00Z; it begins
    /// 2099-01-01T00:00:00Z). 2026-08 has a0, so no such line.
    @Test func aMonthWithoutJobsSaysWhyItsFiguresAreZeros() async throws {
        let cli = CLI()
        let (_, month) = try await Self.database(cli)
        let now = "2026-12-08T00:00:00Z"
        let gap = try await Self.warnings(cli, month: "2026-09", now: now)
        #expect(gap.first == "No jobs counted in 2026-09 (UTC): the figures below are zeros because no stored job started in it, "
                + "though jobs are stored from 2026-08 to \(month): check the fetches and imports below for a gap.")
        let before = try await Self.warnings(cli, month: "2026-07", now: now)
        #expect(before.first == "No jobs counted in 2026-07 (UTC): the figures below are zeros because the stored jobs begin in 2026-08: "
                + "no job of this month was fetched or imported, not because nothing happened.")
        let future = try await Self.warnings(cli, month: "2099-01", now: now)
        #expect(Array(future.prefix(2)) == [
            "2099-01 (UTC) has not begun yet: it begins 2099-01-01T00:00:00Z and it is now 2026-12-08T00:00:00Z, so no figure below can be final.",
            "No jobs counted in 2099-01 (UTC): the figures below are zeros because no stored job started after \(month) (the last month "
                + "with jobs): either none started since, or they have not been fetched or imported yet (when the last fetch ended "
                + "is said below, and under \"Where the figures come from\").",
        ])
        let august = try await Self.warnings(cli, month: "2026-08", now: now)
        #expect(!august.contains { $0.hasPrefix("No jobs counted") })
        // The same line at the top of a real report of the gap month, before the headline.
        let r = try await cli.run(["report", "--db", "f.sqlite", "--month", "2026-09", "--out", "r9"])
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOfFile: cli.path("r9/report.md"), encoding: .utf8)
        let top = md.components(separatedBy: "## Headline")[0]
        #expect(top.contains("> - No jobs counted in 2026-09 (UTC): the figures below are zeros because no stored job started in it"))
    }

    /// The month in progress, reported with the real clock: it ends on the first of next month
    /// (UTC), after now, so the report says so first; then run 3 failed, run 4 incomplete, and both
    /// projects' last complete fetches (2026-11-01T00:30:00Z and 2026-10-25T12:00:00Z) ended before
    /// this month ends. The lines are at the top of report.md, before the headline, and the section
    /// "Where the figures come from" lists both projects' fetches and files.
    @Test func theReportOfTheMonthInProgressWarnsAtTheTop() async throws {
        let cli = CLI()
        let (_, month) = try await Self.database(cli)
        let before = Date()
        let r = try await cli.run(["report", "--db", "f.sqlite", "--month", month, "--out", "now"])
        let after = Date()
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOfFile: cli.path("now/report.md"), encoding: .utf8)
        let parts = md.components(separatedBy: "## Headline")
        #expect(parts.count == 2)
        let items = parts[0].components(separatedBy: "\n").filter { $0.hasPrefix("> - ") }.map { String($0.dropFirst(4)) }
        #expect(items.count == 5, "\(parts[0])")
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let monthStart = utc.date(from: utc.dateComponents([.year, .month], from: ISO8601DateFormatter().date(from: month + "-01T00:00:00Z")!))!
        let end = Self.rfc3339(utc.date(byAdding: .month, value: 1, to: monthStart)!)
        let first = items.first ?? ""
        let lead = "\(month) (UTC) is not over yet: it ends \(end) and it is now "
        #expect(first.hasPrefix(lead), "\(first)")
        #expect(first.hasSuffix(", so every figure below will still change."))
        // The instant printed is the clock's while the report ran.
        let printed = ISO8601DateFormatter().date(from: String(first.dropFirst(lead.count).prefix(20)))
        #expect(printed != nil)
        if let printed { #expect(printed >= before.addingTimeInterval(-1) && printed <= after) }
        #expect(Array(items.dropFirst()) == [
            Self.failedA, Self.incompleteB,
            "Project proj-a, region cn-north-4 was last fetched completely at 2026-11-01T00:30:00Z, before \(month) (UTC) ends "
                + "(\(end)): its jobs created since are not in the figures below.",
            "Project proj-b, region cn-east-3 was last fetched completely at 2026-10-25T12:00:00Z, before \(month) (UTC) ends "
                + "(\(end)): its jobs created since are not in the figures below.",
        ])
        #expect(parts[1].contains("## Where the figures come from"))
        let csv = try String(contentsOfFile: cli.path("now/data_sources.csv"), encoding: .utf8)
        #expect(csv.components(separatedBy: "\n").first == "project_id,region,source,runs,last_at,last_outcome,last_jobs,last_complete_fetch_at,detail,tz")
        #expect(csv.contains("\nproj-a,cn-north-4,fetch,2,2026-12-01T05:01:00Z,failed,0,2026-11-01T00:30:00Z,HTTP 401 APIGW.0301: Incorrect IAM authentication information,UTC\n"))
        #expect(csv.contains("\nproj-b,cn-east-3,fetch,2,2026-11-02T08:00:00Z,incomplete,5,2026-10-25T12:00:00Z,count 7 but 5 jobs listed,UTC\n"))
        // Files by their stored names without folders, newest first: "saved/a-2026.json" is a-2026.json.
        #expect(csv.contains("\"2 files, 4 jobs read: a-now.json, a-2026.json\""), "\(csv)")
        #expect(!csv.contains("saved/"))
        #expect(csv.contains("1 file, 3 jobs read: b.json"))
    }

    /// `livejobs status`, text and JSON, whole and scoped. By hand: 7 jobs (proj-a 4, proj-b 3),
    /// rooms 4 (proj-a r1 r2, proj-b r1 r9: r1 twice, two rooms), 2 projects, 2 regions, months
    /// 2026-08 to this month (2026-08, 2026-10 and this one: 3 unless this month is one of them),
    /// 1 flagged (b3), 4 fetches, 3 imported files.
    @Test func statusSaysWhatTheDatabaseHolds() async throws {
        let cli = CLI()
        let (db, month) = try await Self.database(cli)
        let months = Set(["2026-08", "2026-10", month]).count
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let text = try await cli.run(["status", "--db", "f.sqlite"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Jobs: 7 in 4 rooms, 2 projects, 2 regions\n"), "\(text.stdout)")
        #expect(text.stdout.contains("Months (UTC): 2026-08 to \(month), \(months) with jobs\n"))
        #expect(text.stdout.contains("Flagged jobs: 1 "))
        #expect(text.stdout.contains("Runs recorded: 4 fetches, 3 file imports\n"))
        #expect(text.stdout.contains("HTTP 401 APIGW.0301"))
        // Nothing written: the file is byte for byte what it was.
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)

        let json = try await cli.run(["status", "--db", "f.sqlite", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(object["database"] as? String == "f.sqlite")
        #expect(object["jobs"] as? Int == 7)
        #expect(object["rooms"] as? Int == 4)
        #expect(object["projects"] as? Int == 2)
        #expect(object["regions"] as? Int == 2)
        #expect(object["first_month"] as? String == "2026-08")
        #expect(object["last_month"] as? String == month)
        #expect(object["months_with_jobs"] as? Int == months)
        #expect(object["flagged_jobs"] as? Int == 1)
        #expect(object["fetches"] as? Int == 4)
        #expect(object["imports"] as? Int == 3)
        let places = object["places"] as? [[String: Any]] ?? []
        #expect(places.count == 2)
        #expect(places.first?["project_id"] as? String == "proj-a")
        #expect(places.first?["jobs"] as? Int == 4)
        #expect(places.first?["rooms"] as? Int == 2)
        #expect(places.first?["flagged_jobs"] as? Int == 0)
        #expect(places.last?["project_id"] as? String == "proj-b")
        #expect(places.last?["jobs"] as? Int == 3)
        #expect(places.last?["rooms"] as? Int == 2)
        #expect(places.last?["first_month"] as? String == "2026-10")
        #expect(places.last?["last_month"] as? String == "2026-10")
        #expect(places.last?["flagged_jobs"] as? Int == 1)
        let sources = object["sources"] as? [[String: Any]] ?? []
        #expect(sources.map { "\($0["project_id"] ?? "") \($0["source"] ?? "") \($0["last_outcome"] ?? "")" }
                == ["proj-a fetch failed", "proj-a import imported", "proj-b fetch incomplete", "proj-b import imported"])
        #expect(sources.first?["last_complete_fetch_at"] as? String == "2026-11-01T00:30:00Z")
        #expect(sources.first?["detail"] as? String == "HTTP 401 APIGW.0301: Incorrect IAM authentication information")
        #expect(sources[1]["last_jobs"] as? Int == 1)          // a-now.json, the last file, read one job
        #expect(sources[2]["last_jobs"] as? Int == 5)
        #expect(sources[2]["runs"] as? Int == 2)

        let scoped = try await cli.run(["status", "--db", "f.sqlite", "--json", "--project", "proj-b"])
        #expect(scoped.status == 0, "\(scoped.stderr)")
        let b = try JSONSerialization.jsonObject(with: Data(scoped.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(b["jobs"] as? Int == 3)
        #expect(b["rooms"] as? Int == 2)
        #expect(b["fetches"] as? Int == 2)
        #expect(b["imports"] as? Int == 1)
        #expect((b["sources"] as? [[String: Any]])?.count == 2)
    }

    /// An empty livejobs database is fine (exit 0, says it holds no jobs); a missing file and a file
    /// that is not a livejobs database are one error line and exit 1, the file left alone.
    @Test func statusOfAnEmptyMissingOrForeignFile() async throws {
        let cli = CLI()
        _ = cli.write("empty.json", "[]")
        let made = try await cli.run(["import", "--db", "e.sqlite", "empty.json"])
        #expect(made.status == 0, "\(made.stderr)")
        let empty = try await cli.run(["status", "--db", "e.sqlite"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("It holds no jobs"), "\(empty.stdout)")
        #expect(empty.stdout.contains("Runs recorded: 0 fetches, 1 file import\n"))
        let emptyJSON = try await cli.run(["status", "--db", "e.sqlite", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(emptyJSON.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(object["jobs"] as? Int == 0)
        #expect(object["first_month"] is NSNull)
        #expect((object["places"] as? [Any])?.isEmpty == true)

        let missing = try await cli.run(["status", "--db", "nowhere.sqlite"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("livejobs status: error: "))
        #expect(missing.stderr.components(separatedBy: "\n").count == 2, "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("nowhere.sqlite")))
        let foreign = cli.write("notes.sqlite", "not a database\n")
        let refused = try await cli.run(["status", "--db", foreign])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("livejobs status: error: "))
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "not a database\n")
    }
    /// Jobs imported with no project or region, and no fetch: their data ends when their last file
    /// was imported. Imported now, in the month in progress, that is before the month ends (the
    /// first of next month, UTC); status counts the job as one with no project.
    @Test func importedFilesOnlyEndWhenTheLastWasImported() async throws {
        let cli = CLI()
        let now = Self.thisMonth()
        _ = cli.write("x/only.json", "[" + Self.job("n1", room: "r1", start: now.start, duration: 60) + "]")
        let before = Date()
        let imported = try await cli.run(["import", "--db", "n.sqlite", "x/only.json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let at = try strings(cli.path("n.sqlite"), "SELECT started_at FROM import_runs")
        #expect(at.count == 1)
        let importedAt = at.first.flatMap { ISO8601DateFormatter().date(from: $0) }
        #expect(importedAt != nil && importedAt! >= before.addingTimeInterval(-1) && importedAt! <= Date())
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let monthStart = ISO8601DateFormatter().date(from: now.month + "-01T00:00:00Z")!
        let end = Self.rfc3339(utc.date(byAdding: .month, value: 1, to: monthStart)!)
        let clock = Self.rfc3339(Date())
        let r = try await cli.run(["query", "report_warnings", "--db", "n.sqlite", "--param", "month=\(now.month)",
                                   "--param", "now=\(clock)", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.map { $0["kind"] as? String ?? "?" } == ["month_not_over", "imported_before_month_end"])
        #expect(rows.first?["warning"] as? String == "\(now.month) (UTC) is not over yet: it ends \(end) and it is now \(clock), "
                + "so every figure below will still change.")
        #expect(rows.last?["warning"] as? String == "The jobs imported with no project or region given come from files only, the last "
                + "imported at \(at.first ?? "?"), before \(now.month) (UTC) ends (\(end)): jobs created after the files were saved are "
                + "not in the figures below.")
        let status = try await cli.run(["status", "--db", "n.sqlite"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("Jobs: 1 in 1 room, 0 projects, 0 regions (1 job with no project: imported without --project-id)\n"),
                "\(status.stdout)")
        #expect(status.stdout.contains("1 file, 1 jobs read: only.json"))
    }
}
