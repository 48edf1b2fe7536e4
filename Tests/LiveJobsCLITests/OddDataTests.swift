import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// Jobs whose values cannot be used, through the real binary: they are stored flagged and never cost
/// the other jobs, a sync, or the report; no number or timestamp traps or changes its day.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OddDataTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let token = "TOKEN-odd-data-5e1f"

    /// `count` generated jobs ending now (so none is stale), as JSON objects.
    func tenant(_ count: Int, seed: UInt64) -> [JSONObject] {
        Array(JobGenerator(options: .init(jobs: count, seed: seed, start: FetchTests.recentStart)).jobs())
    }

    /// A SUCCEED job of `room` with `duration` (any JSON number text), created `daysAgo` days ago.
    func job(_ id: String, duration: String, daysAgo: Double = 2, extra: [(key: String, value: JSONValue)] = []) -> JSONObject {
        let start = RFC3339.format((Date().timeIntervalSince1970 - daysAgo * 86_400).rounded(.down))
        var job = JSONObject([("job_id", .string(id)), ("room_id", .string("odd-room")), ("room_name", .string("Odd Room")),
                              ("state", .string("SUCCEED")), ("duration", .number(duration)), ("stream_duration", .number("30")),
                              ("start_time", .string(start)), ("create_time", .string(start)), ("lastupdate_time", .string(start))])
        for (key, value) in extra { job[key] = value }
        return job
    }

    func page(_ jobs: [JSONObject]) -> String {
        JSONObject([("count", .number("\(jobs.count)")), ("smart_live_jobs", .array(jobs.map { .object($0) }))]).serialized()
    }

    /// Serves `jobs` behind token auth for the length of `body`.
    func withTenant<T>(_ jobs: [JSONObject], _ body: (String) async throws -> T) async throws -> T {
        var config = SimulatorConfig()
        config.auth = .token(OddDataTests.token)
        return try await withSimulator(MetaStudioSimulator(jobs: jobs, config: config), body)
    }

    /// The issue's example for import: 300 ordinary jobs and one SUCCEED job with `"duration": -5.0`.
    /// All 301 are stored, one flagged, exit 0; --json lists it; the report shows it under Data quality
    /// and leaves it out of the hours; --strict refuses the whole file and stores nothing of it.
    @Test func oneOddJobAmongThreeHundredIsStoredFlaggedAndCostsNothingElse() async throws {
        let cli = CLI()
        var jobs = tenant(300, seed: 31)
        jobs.insert(job("minus-five", duration: "-5.0"), at: 150)
        let file = cli.write("p.json", page(jobs))
        let r = try await cli.run(["import", "--db", "o.sqlite", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.contains("301 jobs read, 301 new, 0 updated, 0 unchanged, 1 flagged"), "\(r.stdout)")
        #expect(r.stdout.split(separator: "\n").count == 1)
        let db = cli.path("o.sqlite")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 301)
        #expect(try strings(db, "SELECT job_id || ' ' || field || ' ' || reason FROM job_flags") == ["minus-five duration negative"])
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id = 'minus-five' AND live_seconds IS NULL AND raw_json LIKE '%-5.0%'") == 1)

        let json = try await cli.run(["import", "--db", "o.sqlite", "--json", file])
        #expect(json.status == 0, "\(json.stderr)")
        let summary = try #require(try JSONParser.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue)
        #expect(summary["flagged"] == .number("1") && summary["unchanged"] == .number("301"))
        let flag = try #require(summary["flags"]?.arrayValue?.first?.objectValue)
        #expect(flag["job_id"]?.stringValue == "minus-five" && flag["field"]?.stringValue == "duration"
                && flag["reason"]?.stringValue == "negative")

        let month = String(try #require(try strings(db, "SELECT substr(start_time, 1, 7) FROM jobs WHERE job_id = 'minus-five'").first))
        let report = try await cli.run(["report", "--db", "o.sqlite", "--month", month, "--out", "rep"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOfFile: cli.path("rep/report.md"), encoding: .utf8)
        // 1 flagged job, none the month before (month_over_month: "new").
        #expect(markdown.contains("- **Data quality:** 1 (+1, new) job flagged"), "\(markdown.prefix(900))")
        let section = try #require(markdown.range(of: "## Data quality")).upperBound
        #expect(markdown[section...].contains("| duration | negative | odd-room | Odd Room | 1 | live hours, stream ratio | \(month) | minus-five | negative (-5) |"))
        let csv = try String(contentsOfFile: cli.path("rep/data_quality.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("field,reason,project_id,region,room_id,room_name,jobs,left_out_of,counted_in,example_job_id,example_detail,tz\n"))
        // The odd job adds no hour anywhere, but is one of the month's jobs.
        #expect(try count(db, "SELECT count(*) FROM job_day_usage WHERE job_id = 'minus-five' AND live_seconds IS NOT NULL") == 0)
        #expect(try count(db, "SELECT count(*) FROM job_day_usage WHERE job_id = 'minus-five' AND is_home = 1 AND tz = 'UTC'") == 1)

        let strict = try await cli.run(["import", "--db", "s.sqlite", "--strict", file])
        #expect(strict.status == 65)
        #expect(strict.stderr.split(separator: "\n").count == 1)
        #expect(strict.stderr.contains("job 150 (job_id minus-five): field 'duration': negative (-5) (--strict)"), "\(strict.stderr)")
        #expect(try count(cli.path("s.sqlite"), "SELECT count(*) FROM jobs") == 0)
    }

    /// The issue's example for fetch: a tenant with 300 ordinary jobs and one SUCCEED job with
    /// `"duration": -5.0` used to fail every fetch at the same page. Now every job is stored, the run
    /// succeeds with one flagged job, and the next fetch is incremental from where it ended.
    @Test func aTenantWithOneOddJobSyncsAndTheNextFetchAdvances() async throws {
        var jobs = tenant(300, seed: 32)
        jobs.insert(job("minus-five", duration: "-5.0"), at: 150)
        let cli = CLI()
        let db = cli.path("t.sqlite")
        let env = ["METASTUDIO_AUTH_TOKEN": OddDataTests.token]
        let (first, second) = try await withTenant(jobs) { base -> (CLI.Result, CLI.Result) in
            let args = ["fetch", "--db", "t.sqlite", "--endpoint", base, "--project-id", OddDataTests.project]
            return (try await cli.run(args, environment: env), try await cli.run(args, environment: env))
        }
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("fetch succeeded: 301 jobs (API count 301)"), "\(first.stdout)")
        #expect(first.stdout.contains(", 1 flagged;"), "\(first.stdout)")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 301)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("since "), "\(second.stdout)")
        #expect(try strings(db, "SELECT mode || ' ' || outcome || ' ' || flagged FROM sync_runs ORDER BY id")
                == ["full succeeded 1", "incremental succeeded 0"])
    }

    /// `{"job_id":"x","duration":1e19}` used to kill `import` with an illegal-instruction trap, and
    /// through `fetch` left the run `running` and killed every later fetch. Every kind of number no
    /// figure can hold is now a flag, through import and fetch alike.
    @Test func hugeNumbersNeverTrapImportOrFetch() async throws {
        let cli = CLI()
        let odd = [
            job("x", duration: "1e19"), job("inf", duration: "1e400"), job("neg-inf", duration: "-1e400"),
            job("ctime", duration: "60", extra: [("rtc_room_info", .object(JSONObject([("users", .array([
                .object(JSONObject([("user_id", .string("u")), ("ctime", .number("1e19"))])),
                .object(JSONObject([("user_id", .string("v")), ("ctime", .number("-9.3e18"))])),
            ]))])))]),
            job("stream", duration: "60", extra: [("stream_duration", .number("9e307"))]),
        ]
        let imported = try await cli.run(["import", "--db", "i.sqlite", cli.write("x.jsonl", "{\"job_id\":\"x\",\"duration\":1e19}\n")])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("1 jobs read, 1 new, 0 updated, 0 unchanged, 1 flagged"), "\(imported.stdout)")
        #expect(try strings(cli.path("i.sqlite"), "SELECT reason FROM job_flags") == ["over_366_days"])

        let all = try await cli.run(["import", "--db", "i.sqlite", "--json", cli.write("odd.json", page(odd))])
        #expect(all.status == 0, "\(all.stderr)")
        let reasons = try strings(cli.path("i.sqlite"), "SELECT job_id || ':' || field || ':' || reason FROM job_flags ORDER BY job_id, field")
        #expect(reasons == ["ctime:rtc_room_info.users[0].ctime:out_of_range", "ctime:rtc_room_info.users[1].ctime:out_of_range",
                            "inf:duration:out_of_range", "neg-inf:duration:out_of_range", "stream:stream_duration:over_366_days",
                            "x:duration:over_366_days"])
        #expect(all.stdout.contains("number 1e400 is out of range"))

        let env = ["METASTUDIO_AUTH_TOKEN": OddDataTests.token]
        let (fetched, again) = try await withTenant(tenant(150, seed: 33) + odd) { base -> (CLI.Result, CLI.Result) in
            let args = ["fetch", "--db", "f.sqlite", "--endpoint", base, "--project-id", OddDataTests.project]
            return (try await cli.run(args, environment: env), try await cli.run(args, environment: env))
        }
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(again.status == 0, "\(again.stderr)")
        let db = cli.path("f.sqlite")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 155)
        #expect(try strings(db, "SELECT outcome FROM sync_runs ORDER BY id") == ["succeeded", "succeeded"])
        #expect(try count(db, "SELECT count(DISTINCT job_id) FROM job_flags") == 5)
    }

    /// An error line quotes a job_id or a file name from outside: a megabyte of it is cut, and its
    /// control characters are escaped, whatever the input.
    @Test func errorLinesAreCappedAndTerminalSafe() async throws {
        let cli = CLI()
        let longId = String(repeating: "a", count: 1 << 20)
        let hostile = "evil\u{1B}]0;pwned\u{07}\u{9B}31m"
        let file = cli.write("long.jsonl", page([job(longId, duration: "-1"), job(hostile, duration: "-1")]))
        let r = try await cli.run(["import", "--db", "l.sqlite", "--strict", file])
        #expect(r.status == 65)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.utf8.count < 2_500, "\(r.stderr.utf8.count) bytes")
        #expect(r.stderr.contains("more characters"))
        let second = try await cli.run(["import", "--db", "l.sqlite", "--strict", cli.write("hostile.jsonl", page([job(hostile, duration: "-1")]))])
        #expect(second.status == 65)
        #expect(!second.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "\(second.stderr)")
        #expect(second.stderr.contains("evil\\u{1B}]0;pwned\\u{7}\\u{9B}31m"), "\(second.stderr)")
        // Printed back as data, the same id is escaped in every output format.
        _ = try await cli.run(["import", "--db", "h.sqlite", cli.write("h.json", page([job(hostile, duration: "60")]))])
        for format in ["table", "markdown", "csv", "json"] {
            let out = try await cli.run(["query", "--db", "h.sqlite", "--format", format,
                                   cli.write("ids.sql", "-- title: ids\nSELECT job_id FROM jobs\n")])
            #expect(out.status == 0, "\(format): \(out.stderr)")
            #expect(out.stdout.contains("pwned"), "\(format): \(out.stdout)")
            #expect(!out.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "\(format)")
        }
    }

    /// Fractions of a second beyond the stored millisecond are cut: a job started in the last
    /// instant of 2025 is a 2025 job (a year in the past: a future date-time is flagged), in its stored text, its day and its month.
    @Test func timestampsKeepTheirDayMonthAndYear() async throws {
        let cli = CLI()
        let jobs = [
            #"{"job_id":"nye","state":"SUCCEED","start_time":"2025-12-31T23:59:59.9999Z","create_time":"2025-12-31T23:59:59.99999Z","duration":0.0001}"#,
            #"{"job_id":"leap","state":"SUCCEED","start_time":"2026-06-30T23:59:60Z","duration":0}"#,
            #"{"job_id":"east","state":"SUCCEED","start_time":"2026-01-01T07:59:59.9999999+08:00","duration":0}"#,
        ]
        let r = try await cli.run(["import", "--db", "t.sqlite", cli.write("t.jsonl", jobs.joined(separator: "\n"))])
        #expect(r.status == 0, "\(r.stderr)")
        let db = cli.path("t.sqlite")
        #expect(try strings(db, "SELECT job_id || ' ' || start_time FROM jobs ORDER BY job_id")
                == ["east 2025-12-31T23:59:59.999Z", "leap 2026-06-30T23:59:59.999Z", "nye 2025-12-31T23:59:59.999Z"])
        #expect(try strings(db, "SELECT job_id || ' ' || day FROM job_day_usage WHERE is_home = 1 ORDER BY job_id")
                == ["east 2025-12-31", "leap 2026-06-30", "nye 2025-12-31"])
        let trend = try await cli.run(["query", "monthly_trend", "--db", "t.sqlite", "--param", "month=2026-01", "--format", "csv"])
        #expect(trend.status == 0, "\(trend.stderr)")
        #expect(trend.stdout.contains("\n2025-12,2,"), "\(trend.stdout)")
        #expect(!trend.stdout.contains("\n2026-01,1,") && !trend.stdout.contains("\n2026-01,2,") && !trend.stdout.contains("\n2026-01,3,"))
    }

    /// A job PROCESSING for months is flagged stale, left out of the ongoing figures, and no longer
    /// drags every incremental fetch back to its creation.
    @Test func aStaleProcessingJobIsFlaggedAndDoesNotHoldTheIncrementalFetchBack() async throws {
        let longAgo = RFC3339.format((Date().timeIntervalSince1970 - 200 * 86_400).rounded(.down))
        let stuck = JSONObject([("job_id", .string("stuck")), ("room_id", .string("r")), ("state", .string("PROCESSING")),
                                ("start_time", .string(longAgo)), ("create_time", .string(longAgo)), ("lastupdate_time", .string(longAgo))])
        let cli = CLI()
        let env = ["METASTUDIO_AUTH_TOKEN": OddDataTests.token]
        let jobs = [stuck] + tenant(300, seed: 34).filter { $0["state"]?.stringValue != "PROCESSING" && $0["state"]?.stringValue != "WAITING" }
        let (first, second) = try await withTenant(jobs) { base -> (CLI.Result, CLI.Result) in
            let args = ["fetch", "--db", "s.sqlite", "--endpoint", base, "--project-id", OddDataTests.project]
            return (try await cli.run(args, environment: env), try await cli.run(args, environment: env))
        }
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        let db = cli.path("s.sqlite")
        #expect(try strings(db, "SELECT field || ' ' || reason FROM job_flags WHERE job_id = 'stuck'") == ["state stale_unfinished"])
        #expect(try count(db, "SELECT is_ongoing FROM jobs WHERE job_id = 'stuck'") == 0)
        let since = try #require(try strings(db, "SELECT create_since FROM sync_runs WHERE mode = 'incremental'").first)
        #expect(since > longAgo, "the incremental start \(since) went back to the stale job of \(longAgo)")
    }

    /// A job without a job_id (or with a number for one) is still one of the jobs the API counts: the
    /// fetch stores it under the id made from its content and ends complete, not "incomplete".
    @Test func jobsWithoutAUsableIdAreCountedStoredAndFlagged() async throws {
        var jobs = tenant(250, seed: 35)
        var noId = job("x", duration: "60")
        noId["job_id"] = nil
        var numeric = job("x", duration: "61")
        numeric["job_id"] = .number("12345")
        jobs.insert(noId, at: 120)
        jobs.insert(numeric, at: 180)
        let cli = CLI()
        let r = try await withTenant(jobs) { base in
            try await cli.run(["fetch", "--db", "n.sqlite", "--endpoint", base, "--project-id", OddDataTests.project],
                              environment: ["METASTUDIO_AUTH_TOKEN": OddDataTests.token])
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("fetch succeeded: 252 jobs (API count 252)"), "\(r.stdout)")
        #expect(r.stdout.contains(", 2 flagged;"), "jobs read twice count once: \(r.stdout)")
        let db = cli.path("n.sqlite")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 252)
        #expect(try strings(db, "SELECT reason FROM job_flags WHERE field = 'job_id' ORDER BY reason") == ["missing", "wrong_type"])
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id = '12345' OR job_id LIKE 'missing-job-id-%'") == 2)
    }
}
