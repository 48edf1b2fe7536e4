import Foundation
import Testing

/// The report's Anomalies sections (`room_anomalies`, `job_anomalies`) and its billing split
/// (`billing_modes`), run by the real binary on a real SQLite file of hand-made jobs whose right
/// answers are worked out below. November 2026 is the month; August to October the baseline.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AnomalyTests {
    /// One job as the API sends it; `duration` and `stream` in seconds, nil leaves the field out.
    static func job(_ id: String, room: String, state: String = "SUCCEED", start: String, duration: Double?,
                    stream: Double?, lastUpdate: String? = nil, billing: String? = nil) -> String {
        var fields = [#""job_id":"\#(id)""#, #""room_id":"\#(room)""#, #""room_name":"Room \#(room)""#,
                      #""state":"\#(state)""#, #""start_time":"\#(start)""#, #""create_time":"\#(start)""#,
                      #""lastupdate_time":"\#(lastUpdate ?? start)""#]
        if let duration { fields.append(#""duration":\#(duration)"#) }
        if let stream { fields.append(#""stream_duration":\#(stream)"#) }
        if state == "FAILED" { fields.append(#""error_info":{"error_code":"MSS.001","error_msg":"failed"}"#) }
        if let billing { fields.append(#""used_resource_type":"\#(billing)""#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// `count` jobs of one room, one a day from `month`-01 at 10:00 UTC; the first `failed` FAILED.
    static func days(_ prefix: String, room: String, month: String, count: Int, failed: Int = 0,
                     hours: Double, streamShare: Double = 0.9, billing: [String?] = []) -> [String] {
        (0..<count).map { i in
            job("\(prefix)-\(month)-\(i)", room: room, state: i < failed ? "FAILED" : "SUCCEED",
                start: "\(month)-\(String(format: "%02d", i + 1))T10:00:00Z", duration: hours * 3600,
                stream: hours * 3600 * streamShare, billing: i < billing.count ? billing[i] : nil)
        }
    }

    static let baselineMonths = ["2026-08", "2026-09", "2026-10"]

    /// Project pA: `shared` (error rate jumps), `quiet` (jumps too, under the job minimum), `shrink`
    /// (hours collapse; the billing modes), `odd` (the odd jobs). Project pB: a room also called
    /// `shared`, steady. Both in region cn-north-4.
    static func database() async throws -> CLI {
        let cli = CLI()
        var a: [String] = []
        for month in baselineMonths {
            // shared: 20 jobs a month of 1 h, two FAILED in August: 2 failures in 60 rated jobs.
            a += days("shared", room: "shared", month: month, count: 20, failed: month == "2026-08" ? 2 : 0, hours: 1)
            a += days("quiet", room: "quiet", month: month, count: 20, hours: 1)
            // shrink: 20 jobs a month of 1 h: 60 h over 3 months, 20 h a month.
            a += days("shrink", room: "shrink", month: month, count: 20, hours: 1)
        }
        // shared in November: 20 jobs of 1 h, 6 FAILED.
        a += days("shared", room: "shared", month: "2026-11", count: 20, failed: 6, hours: 1)
        // quiet in November: 19 jobs (one short of min_jobs = 20), 10 FAILED: must not show.
        a += days("quiet", room: "quiet", month: "2026-11", count: 19, failed: 10, hours: 1)
        // shrink in November: 20 jobs of 0.25 h = 5 h, with every kind of billing mode.
        let modes = [String](repeating: "PERIOD", count: 8) + [String](repeating: "ONDEMAND", count: 4)
            + ["ONE_TIME", "ONE_TIME", "UNKNOW", "UNKNOW", "PREPAID_X", "PREPAID_X"] // the last 2: none
        a += days("shrink", room: "shrink", month: "2026-11", count: 20, hours: 0.25, billing: modes)
        // odd: 6 SUCCEED jobs of 2 h in October make its usual length.
        a += days("odd", room: "odd", month: "2026-10", count: 6, hours: 2)
        a.append(job("odd-ratio", room: "odd", start: "2026-11-03T10:00:00Z", duration: 3600, stream: 3602))
        a.append(job("odd-zero", room: "odd", start: "2026-11-05T10:00:00Z", duration: 0, stream: 0))
        // Still PROCESSING: 30 h and 5 h between start and last update (both flagged stale by now).
        a.append(job("odd-long", room: "odd", state: "PROCESSING", start: "2026-11-20T00:00:00Z", duration: nil,
                     stream: nil, lastUpdate: "2026-11-21T06:00:00Z"))
        a.append(job("odd-short", room: "odd", state: "PROCESSING", start: "2026-11-20T00:00:00Z", duration: nil,
                     stream: nil, lastUpdate: "2026-11-20T05:00:00Z"))
        var b: [String] = []
        // pB's shared: no failure at all, 20 jobs of 1 h a month. Merged with pA's room of the same
        // id it would read 2/120 before and 6/40 = 0.15 now, one row with a value of 0.15.
        for month in baselineMonths { b += days("b-shared", room: "shared", month: month, count: 20, hours: 1) }
        b += (0..<20).map { i in
            job("b-shared-11-\(i)", room: "shared", start: "2026-11-\(String(format: "%02d", i + 1))T12:00:00Z",
                duration: 3600, stream: 3240)
        }
        let fileA = cli.write("a.jsonl", a.joined(separator: "\n") + "\n")
        let fileB = cli.write("b.jsonl", b.joined(separator: "\n") + "\n")
        for (project, file) in [("pA", fileA), ("pB", fileB)] {
            let r = try await cli.run(["import", "--db", "a.sqlite", "--project-id", project, "--region", "cn-north-4", file])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return cli
    }

    /// The query's rows as JSON objects.
    static func rows(_ cli: CLI, _ query: String, _ params: [String] = []) async throws -> [[String: Any]] {
        let r = try await cli.run(["query", query, "--db", "a.sqlite", "--param", "month=2026-11", "--format", "json"]
                                  + params.flatMap { ["--param", $0] })
        #expect(r.status == 0, "\(r.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(parsed as? [[String: Any]], "\(r.stdout)")
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test func roomsAreComparedWithTheirOwnBaseline() async throws {
        let cli = try await Self.database()
        let rows = try await Self.rows(cli, "room_anomalies")
        let shown = rows.map { "\($0["project_id"] ?? "-")/\($0["room_id"] ?? "-")/\($0["figure"] ?? "-")" }
        // Only pA's shared (error rate) and pA's shrink (live hours): not quiet (19 jobs < 20), not
        // pB's shared (0 before, 0 now), not odd (6 baseline jobs < 30).
        #expect(shown == ["pA/shared/error_rate", "pA/shrink/live_hours"], "\(rows)")
        let jump = try #require(rows.first)
        // Baseline: 2 failed of 60 rated = 0.0333; November: 6 of 20 = 0.3; change 0.2667.
        #expect(Self.number(jump["value"]) == 0.3)
        #expect(Self.number(jump["baseline"]) == 0.0333)
        #expect(Self.number(jump["change"]) == 0.2667)
        #expect(jump["threshold_on"] as? String == "change")
        #expect(Self.number(jump["threshold"]) == 0.1)
        #expect(Self.number(jump["jobs"]) == 20 && Self.number(jump["baseline_jobs"]) == 60)
        #expect(jump["room_name"] as? String == "Room shared")
        let shrink = try #require(rows.last)
        // Baseline 60 h / 3 months = 20 h; November 20 × 0.25 h = 5 h; 5 / 20 - 1 = -0.75.
        #expect(Self.number(shrink["value"]) == 5 && Self.number(shrink["baseline"]) == 20)
        #expect(Self.number(shrink["change"]) == -15 && Self.number(shrink["relative_change"]) == -0.75)
        #expect(shrink["threshold_on"] as? String == "relative_change" && Self.number(shrink["threshold"]) == 0.5)
        #expect(Self.number(shrink["baseline_months"]) == 3)

        // The thresholds are parameters: with min_jobs 19, quiet shows (0 of 60 before, 10 of 19 now);
        // with live_hours_change 0.8, shrink's -0.75 does not.
        let tuned = try await Self.rows(cli, "room_anomalies", ["min_jobs=19", "live_hours_change=0.8"])
        #expect(tuned.map { "\($0["room_id"] ?? "-")/\($0["figure"] ?? "-")" } == ["quiet/error_rate", "shared/error_rate"])
        #expect(Self.number(tuned.first?["value"]) == 0.5263) // 10 / 19
        // Scoped to pB, nothing moved.
        let scoped = try await cli.run(["query", "room_anomalies", "--db", "a.sqlite", "--param", "month=2026-11",
                                        "--project", "pB", "--format", "csv"])
        #expect(scoped.status == 0, "\(scoped.stderr)")
        #expect(scoped.stdout.split(separator: "\n").count == 1, "\(scoped.stdout)")
    }

    @Test func oddJobsAreListedAndFlaggedOnesCounted() async throws {
        let cli = try await Self.database()
        let rows = try await Self.rows(cli, "job_anomalies")
        #expect(rows.map { "\($0["kind"] ?? "-")/\($0["job_id"] ?? "-")" }
                == ["stream_ratio_high/odd-ratio", "zero_length/odd-zero", "long_processing/odd-long", "flagged/<null>"], "\(rows)")
        let byKind = Dictionary(rows.map { ($0["kind"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        // 3602 s streamed / 3600 s live = 1.000556.
        #expect(Self.number(byKind["stream_ratio_high"]?["stream_ratio"]) == 1.0006)
        #expect(byKind["stream_ratio_high"]?["detail"] as? String == "streamed 3602 s while live 3600 s")
        #expect(byKind["stream_ratio_high"]?["project_id"] as? String == "pA")
        #expect(Self.number(byKind["zero_length"]?["live_hours"]) == 0)
        // odd's SUCCEED lengths: 0, 3600, and 6 × 7200 s: the median (4th and 5th of 8) is 7200 s = 2 h.
        // odd-long has run 30 h > 3 × 2 h and ≥ 24 h; odd-short's 5 h is under both.
        let long = try #require(byKind["long_processing"])
        #expect(Self.number(long["live_hours"]) == 30 && Self.number(long["room_median_hours"]) == 2)
        #expect(long["detail"] as? String == "still PROCESSING after 30.0 h, 15.0 times the room's median of 2.0 h")
        // Both PROCESSING jobs were last updated more than 7 days ago: flagged stale at import.
        #expect(Self.number(byKind["flagged"]?["jobs"]) == 2)
        #expect(byKind["flagged"]?["detail"] as? String == "2 of this month's jobs flagged at import: see the Data quality section")

        // processing_times 15 (30 h is 15 times 2 h, not more) leaves odd-long out; with
        // processing_min_hours 5 and processing_times 2, odd-short (5 h, 2.5 times) is shown too.
        let tuned = try await Self.rows(cli, "job_anomalies", ["processing_times=15"])
        #expect(!tuned.contains { $0["kind"] as? String == "long_processing" })
        let low = try await Self.rows(cli, "job_anomalies", ["processing_times=2", "processing_min_hours=5"])
        #expect(low.filter { $0["kind"] as? String == "long_processing" }.compactMap { $0["job_id"] as? String } == ["odd-long", "odd-short"])
    }

    /// A job with a stream time and no live time (no duration, no end) adds streamed hours and no
    /// live hours, so its room streams more than it is live: it is listed, and so is a zero-length
    /// job; a job with both is not.
    @Test func aJobStreamedWithNoLiveTimeIsListed() async throws {
        let cli = CLI()
        let file = cli.write("s.jsonl", [
            Self.job("sl", room: "s", start: "2026-11-03T10:00:00Z", duration: nil, stream: 3600),
            Self.job("zl", room: "s", start: "2026-11-04T10:00:00Z", duration: 0, stream: nil),
            Self.job("ok", room: "s", start: "2026-11-05T10:00:00Z", duration: 3600, stream: 1800),
        ].joined(separator: "\n") + "\n")
        let imported = try await cli.run(["import", "--db", "a.sqlite", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let result = try await cli.run(["query", "job_anomalies", "--db", "a.sqlite", "--param", "month=2026-11", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        // sl: 3600 s streamed, no live time; zl: live 0 s; ok: 0.5 ratio, nothing odd.
        #expect(rows.map { "\($0["kind"] ?? "") \($0["job_id"] ?? "")" } == ["stream_without_live sl", "zero_length zl"], "\(rows)")
        #expect(rows.first?["detail"] as? String == "streamed 3600 s with no live time known (no duration and no end)")
    }

    @Test func billingModesSplitHoursAndJobs() async throws {
        let cli = try await Self.database()
        let rows = try await Self.rows(cli, "billing_modes")
        func row(_ room: String?, _ project: String?, _ mode: String) -> [String: Any]? {
            rows.first { ($0["room_id"] as? String) == room && ($0["project_id"] as? String) == project
                && ($0["used_resource_type"] as? String) == mode }
        }
        // shrink in November: 20 jobs of 0.25 h = 5 h; 8 PERIOD = 2 h = 0.4 of it, 4 ONDEMAND = 1 h,
        // 0.2; 2 ONE_TIME, 2 UNKNOW, 2 PREPAID_X (kept as sent) and 2 without = 0.5 h, 0.1 each.
        for (mode, jobs, hours, share) in [("PERIOD", 8, 2.0, 0.4), ("ONDEMAND", 4, 1.0, 0.2), ("ONE_TIME", 2, 0.5, 0.1),
                                           ("UNKNOW", 2, 0.5, 0.1), ("PREPAID_X", 2, 0.5, 0.1), ("(none)", 2, 0.5, 0.1)] {
            let r = try #require(row("shrink", "pA", mode), "\(mode): \(rows)")
            #expect(Self.number(r["jobs"]) == Double(jobs) && Self.number(r["live_hours"]) == hours
                    && Self.number(r["share_of_live_hours"]) == share, "\(mode): \(r)")
        }
        // All rooms: November has 20 + 19 + 20 + 4 (odd) jobs in pA and 20 in pB = 83, live
        // 20 + 19 + 5 + 1 (odd-ratio; odd-zero 0, the stale PROCESSING jobs none) + 20 = 65 h.
        // Without a mode: 83 - 18 = 65 jobs, 65 - 4.5 = 60.5 h, 60.5 / 65 = 0.9308.
        let none = try #require(row(nil, nil, "(none)"))
        #expect(none["room_name"] as? String == "(all rooms)")
        #expect(Self.number(none["jobs"]) == 65 && Self.number(none["live_hours"]) == 60.5
                && Self.number(none["share_of_live_hours"]) == 0.9308, "\(none)")
        #expect(Self.number(row(nil, nil, "PERIOD")?["share_of_live_hours"]) == 0.0308) // 2 / 65
        #expect(rows.first?["room_name"] as? String == "(all rooms)")
        // The two rooms called shared stay apart: 20 jobs in each project.
        #expect(Self.number(row("shared", "pA", "(none)")?["jobs"]) == 20)
        #expect(Self.number(row("shared", "pB", "(none)")?["jobs"]) == 20)
        #expect(rows.filter { ($0["room_id"] as? String) == "shared" }.count == 2)
    }

    @Test func theReportHasTheSectionsAndSaysWhenOneIsEmpty() async throws {
        let cli = try await Self.database()
        let r = try await cli.run(["report", "--db", "a.sqlite", "--month", "2026-11", "--out", "nov"])
        #expect(r.status == 0, "\(r.stderr)")
        let md = try String(contentsOfFile: cli.path("nov/report.md"), encoding: .utf8)
        for title in ["## Rooms that changed", "## Odd jobs", "## Billing modes"] { #expect(md.contains(title), "\(title)") }
        #expect(md.contains("Rooms whose figures this month moved well away from their own usual level"))
        // August has no baseline and no odd job: each section is one line.
        let aug = try await cli.run(["report", "--db", "a.sqlite", "--month", "2026-08", "--out", "aug", "--project", "pA"])
        #expect(aug.status == 0, "\(aug.stderr)")
        let early = try String(contentsOfFile: cli.path("aug/report.md"), encoding: .utf8)
        #expect(early.contains("No room's error rate, block rate, stream ratio or live hours moved past its threshold this month."))
        #expect(early.contains("No odd job and no flagged job this month."))
    }
}
