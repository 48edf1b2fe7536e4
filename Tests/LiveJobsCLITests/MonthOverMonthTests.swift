import Foundation
import Testing

/// Month over month: the headline's changes (`month_over_month`), the rooms' previous month and
/// status (`monthly_usage_by_room`), the per-project breakdown (`month_by_project`) and
/// `compare --against`, on a few jobs written here whose figures are worked out by hand below.
///
/// The fixture, all in UTC, one hour = 3600 s. Project p1 and project p2 (both region cn-north-4)
/// each have a room `r1`: they are two rooms.
///
/// | month   | job | room  | state     | live s | stream s |
/// |---------|-----|-------|-----------|--------|----------|
/// | 2025-11 | n1  | p1 r1 | SUCCEED   | 3600   | 3600     |  (the first month stored)
/// | 2025-12 | d1  | p1 r1 | SUCCEED   | 7200   | 3600     |
/// | 2025-12 | d2  | p1 r1 | SUCCEED   | 3600   | 3600     |
/// | 2025-12 | d3  | p1 r3 | SUCCEED   | 3600   | (none)   |  (r3 is gone in 2026-01)
/// | 2025-12 | d4  | p2 r1 | SUCCEED   | 1800   | 900      |
/// | 2026-01 | j1  | p1 r1 | SUCCEED   | 10800  | 5400     |
/// | 2026-01 | j2  | p1 r1 | FAILED    | 1800   | 1800     |
/// | 2026-01 | j3  | p2 r1 | BLOCKED   | 3600   | 3600     |
/// | 2026-01 | j4  | p1 r2 | SUCCEED   | 3600   | (none)   |  (r2 is new, one job)
/// | 2026-01 | j5  | p1 r1 | SUCCEED   | 1800   | 1800     |
/// | 2026-02 | f1  | p1 r2 | FAILED    | (none) | (none)   |  (a month with 0 live hours)
/// | 2026-03 | m1  | p1 r2 | SUCCEED   | 3600   | 1800     |
@Suite(.timeLimit(.minutes(5))) struct MonthOverMonthTests {
    static func job(_ id: String, room: String, name: String, state: String = "SUCCEED", start: String,
                    duration: Int?, stream: Int?) -> String {
        var fields = [#""job_id":"\#(id)""#, #""room_id":"\#(room)""#, #""room_name":"\#(name)""#, #""state":"\#(state)""#,
                      #""start_time":"\#(start)""#, #""create_time":"\#(start)""#, #""lastupdate_time":"\#(start)""#]
        if let duration { fields.append(#""duration":\#(duration)"#) }
        if let stream { fields.append(#""stream_duration":\#(stream)"#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The fixture above in `m.sqlite`.
    static func imported() async throws -> CLI {
        let cli = CLI()
        let p1 = [
            job("n1", room: "r1", name: "Shared A", start: "2025-11-10T10:00:00Z", duration: 3600, stream: 3600),
            job("d1", room: "r1", name: "Shared A", start: "2025-12-05T10:00:00Z", duration: 7200, stream: 3600),
            job("d2", room: "r1", name: "Shared A", start: "2025-12-06T10:00:00Z", duration: 3600, stream: 3600),
            job("d3", room: "r3", name: "Quiet Room", start: "2025-12-07T10:00:00Z", duration: 3600, stream: nil),
            job("j1", room: "r1", name: "Shared A", start: "2026-01-10T10:00:00Z", duration: 10800, stream: 5400),
            job("j2", room: "r1", name: "Shared A", state: "FAILED", start: "2026-01-11T10:00:00Z", duration: 1800, stream: 1800),
            job("j4", room: "r2", name: "New Room", start: "2026-01-13T10:00:00Z", duration: 3600, stream: nil),
            job("j5", room: "r1", name: "Shared A", start: "2026-01-25T10:00:00Z", duration: 1800, stream: 1800),
            job("f1", room: "r2", name: "New Room", state: "FAILED", start: "2026-02-10T10:00:00Z", duration: nil, stream: nil),
            job("m1", room: "r2", name: "New Room", start: "2026-03-10T10:00:00Z", duration: 3600, stream: 1800),
        ]
        let p2 = [
            job("d4", room: "r1", name: "Shared B", start: "2025-12-08T10:00:00Z", duration: 1800, stream: 900),
            job("j3", room: "r1", name: "Shared B", state: "BLOCKED", start: "2026-01-12T10:00:00Z", duration: 3600, stream: 3600),
        ]
        for (project, jobs) in [("p1", p1), ("p2", p2)] {
            let file = cli.write("\(project).jsonl", jobs.joined(separator: "\n"))
            let r = try await cli.run(["import", "--db", "m.sqlite", "--project-id", project, "--region", "cn-north-4", file])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return cli
    }

    /// `query NAME --param month=M --format csv`, as lines.
    static func csv(_ cli: CLI, _ name: String, month: String) async throws -> [String] {
        let r = try await cli.run(["query", name, "--db", "m.sqlite", "--param", "month=\(month)", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    @Test func everyHeadlineFigureChangesAgainstThePreviousMonthAndARateFromZeroInPoints() async throws {
        let cli = try await Self.imported()
        let lines = try await Self.csv(cli, "month_over_month", month: "2026-01")
        #expect(lines.first == "month,previous_month,figure,kind,value,previous_value,change,relative_change,comparison,tz")
        // 2026-01: jobs j1 j2 j3 j4 j5 = 5; 2025-12: d1..d4 = 4 → +1, 1/4 = 0.25.
        // Rooms: 2026-01 (p1,r1) (p2,r1) (p1,r2) = 3; 2025-12 (p1,r1) (p1,r3) (p2,r1) = 3 → 0, 0/3 = 0.
        // Live: 3 + 0.5 + 1 + 1 + 0.5 = 6 h against 2 + 1 + 1 + 0.5 = 4.5 h → +1.5, 1.5/4.5 = 0.3333.
        // Streamed: 1.5 + 0.5 + 1 + 0.5 = 3.5 h against 1 + 1 + 0.25 = 2.25 h → +1.25, 1.25/2.25 = 0.5556.
        // Stream ratio over jobs with both: 3.5 / (3 + 0.5 + 1 + 0.5 = 5) = 0.7 against 2.25 / (2 + 1 + 0.5 = 3.5)
        //   = 0.642857 → 0.6429; change 0.7 - 0.6429 = 0.0571, in points: no relative change.
        // ratio_live_hours 5 against 3.5 → +1.5, 1.5/3.5 = 0.4286. jobs_without_stream: j4 and d3 → 1, 1 → 0, 0.
        // Error rate: j2 of 5 rated = 0.2 against 0 of 4 = 0 → +0.2 (20 points), never a division by 0.
        // Block rate: j3 of 5 = 0.2 against 0. Failed 1 against 0: `new`, no relative change; blocked the same.
        // Ongoing, without duration and flagged: 0 against 0: change 0, relative n/a.
        #expect(Array(lines.dropFirst()) == [
            "2026-01,2025-12,jobs,count,5,4,1,0.25,percent,UTC",
            "2026-01,2025-12,rooms,count,3,3,0,0,percent,UTC",
            "2026-01,2025-12,live_hours,hours,6,4.5,1.5,0.3333,percent,UTC",
            "2026-01,2025-12,streamed_hours,hours,3.5,2.25,1.25,0.5556,percent,UTC",
            "2026-01,2025-12,stream_ratio,rate,0.7,0.6429,0.0571,,points,UTC",
            "2026-01,2025-12,ratio_live_hours,hours,5,3.5,1.5,0.4286,percent,UTC",
            "2026-01,2025-12,jobs_without_stream,count,1,1,0,0,percent,UTC",
            "2026-01,2025-12,error_rate,rate,0.2,0,0.2,,points,UTC",
            "2026-01,2025-12,block_rate,rate,0.2,0,0.2,,points,UTC",
            "2026-01,2025-12,failed_jobs,count,1,0,1,,new,UTC",
            "2026-01,2025-12,blocked_jobs,count,1,0,1,,new,UTC",
            "2026-01,2025-12,ongoing_jobs,count,0,0,0,,n/a,UTC",
            "2026-01,2025-12,jobs_without_duration,count,0,0,0,,n/a,UTC",
            "2026-01,2025-12,flagged_jobs,count,0,0,0,,n/a,UTC",
        ])
    }

    @Test func aPreviousMonthWithNoHoursGivesNewAndARateWithNoRatedJobsGivesNA() async throws {
        let cli = try await Self.imported()
        // 2026-03 (m1: 1 h live, 0.5 h streamed, SUCCEED) against 2026-02 (f1: FAILED, no duration,
        // no stream: 0 h, error rate 1/1 = 1, stream ratio over no paired time: empty).
        let lines = try await Self.csv(cli, "month_over_month", month: "2026-03")
        #expect(lines.contains("2026-03,2026-02,live_hours,hours,1,0,1,,new,UTC"), "\(lines)")
        #expect(lines.contains("2026-03,2026-02,streamed_hours,hours,0.5,0,0.5,,new,UTC"), "\(lines)")
        #expect(lines.contains("2026-03,2026-02,stream_ratio,rate,0.5,,,,n/a,UTC"), "\(lines)")
        #expect(lines.contains("2026-03,2026-02,error_rate,rate,0,1,-1,,points,UTC"), "\(lines)")
        // jobs_without_duration 0 against 1: -1, relative -1/1 = -1.
        #expect(lines.contains("2026-03,2026-02,jobs_without_duration,count,0,1,-1,-1,percent,UTC"), "\(lines)")
        for line in lines { #expect(!line.lowercased().contains("inf") && !line.contains("nan"), "\(line)") }

        let report = try await cli.run(["report", "--db", "m.sqlite", "--month", "2026-03"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOf: cli.workDir.appendingPathComponent("reports/2026-03/report.md"), encoding: .utf8)
        #expect(markdown.contains("- **Hours live:** 1 (+1, new) · **hours streamed:** 0.5 (+0.5, new) · **stream ratio:** 50.00 % (change n/a)"), "\(markdown)")
        #expect(markdown.contains("- **Error rate:** 0.00 % (-100.00 points)"), "\(markdown)")
        #expect(!markdown.contains("∞") && !markdown.contains("inf %") && !markdown.contains("nan"))
    }

    @Test func theHeadlineShowsChangesCoverageAndProjects() async throws {
        let cli = try await Self.imported()
        let report = try await cli.run(["report", "--db", "m.sqlite", "--month", "2026-01"])
        #expect(report.status == 0, "\(report.stderr)")
        let dir = cli.workDir.appendingPathComponent("reports/2026-01")
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        // The figures of the first test, as the headline writes them.
        #expect(markdown.contains("In brackets, the change against December 2025"), "\(markdown)")
        #expect(markdown.contains("- **Jobs:** 5 (+1, +25.0 %) in 3 (±0) rooms; 1 (+1, new) failed, 1 (+1, new) blocked, 0 (±0) still live, 0 (±0) without a duration"), "\(markdown)")
        #expect(markdown.contains("- **Hours live:** 6 (+1.5, +33.3 %) · **hours streamed:** 3.5 (+1.25, +55.6 %) · **stream ratio:** 70.00 % (+5.71 points)"), "\(markdown)")
        #expect(markdown.contains("- **Stream ratio coverage:** 5 (+1.5, +42.9 %) of the 6 live hours have stream data; 1 (±0) job has none"), "\(markdown)")
        #expect(markdown.contains("- **Error rate:** 20.00 % (+20.00 points) · **block rate:** 20.00 % (+20.00 points)"), "\(markdown)")
        // Two projects in 2026-01: p1 has j1 j2 j4 j5 (4 jobs, rooms r1 r2, 3 + 0.5 + 1 + 0.5 = 5 h live,
        // 1.5 + 0.5 + 0.5 = 2.5 h streamed over 4 paired hours = 0.625, j4 without stream; 1 failed of 4 = 0.25),
        // p2 has j3 (1 job, 1 h, ratio 1, blocked 1 of 1). The Markdown keeps the ratio's coverage (p1: 4 h with
        // stream data, 1 job without; p2: 1 h, none) and leaves out the failed and blocked counts.
        #expect(markdown.contains("### By project"), "\(markdown)")
        #expect(markdown.contains("| p1 | cn-north-4 | 4 | 2 | 5 | 2.5 | 0.625 | 4 | 1 | 0.25 | 0 |"), "\(markdown)")
        #expect(markdown.contains("| p2 | cn-north-4 | 1 | 1 | 1 | 1 | 1 | 1 | 0 | 0 | 1 |"), "\(markdown)")
        let projects = try String(contentsOf: dir.appendingPathComponent("month_by_project.csv"), encoding: .utf8)
        #expect(projects.split(separator: "\n").map(String.init) == [
            "project_id,region,jobs,rooms,live_hours,streamed_hours,stream_ratio,ratio_live_hours,jobs_without_stream,error_rate,block_rate,failed_jobs,blocked_jobs,tz",
            "p1,cn-north-4,4,2,5,2.5,0.625,4,1,0.25,0,1,0,UTC",
            "p2,cn-north-4,1,1,1,1,1,1,0,0,1,0,1,UTC",
        ])
        // month_summary carries the coverage columns.
        let summary = try await Self.csv(cli, "month_summary", month: "2026-01")
        #expect(summary.first?.hasSuffix(",flagged_jobs,ratio_live_hours,jobs_without_stream") == true, "\(summary)")
        #expect(summary.last?.hasSuffix(",0,5,1") == true, "\(summary)")
    }

    @Test func theFirstStoredMonthSaysSoInsteadOfChanges() async throws {
        let cli = try await Self.imported()
        let report = try await cli.run(["report", "--db", "m.sqlite", "--month", "2025-11"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOf: cli.workDir.appendingPathComponent("reports/2025-11/report.md"), encoding: .utf8)
        #expect(markdown.contains("No month before November 2025 is stored: there is no earlier month to compare with."), "\(markdown)")
        // n1 alone: 1 job, 1 h; no bracket after any figure, and one project: no breakdown.
        #expect(markdown.contains("- **Jobs:** 1 in 1 room; 0 failed, 0 blocked, 0 still live, 0 without a duration\n"), "\(markdown)")
        #expect(!markdown.contains("### By project"))
        let changes = try await Self.csv(cli, "month_over_month", month: "2025-11")
        #expect(changes.contains("2025-11,2025-10,live_hours,hours,1,,,,first month,UTC"), "\(changes)")
        let rooms = try await Self.csv(cli, "monthly_usage_by_room", month: "2025-11")
        #expect(Array(rooms.dropFirst()) == ["p1,cn-north-4,r1,Shared A,1,1,1,1,1,0,0,0,0,0,0,,,,,first month,UTC"], "\(rooms)")
    }

    @Test func roomsCarryThePreviousMonthAndAreNewContinuingOrGone() async throws {
        let cli = try await Self.imported()
        let lines = try await Self.csv(cli, "monthly_usage_by_room", month: "2026-01")
        #expect(lines.first == "project_id,region,room_id,room_name,jobs,live_hours,streamed_hours,stream_ratio,ratio_live_hours,jobs_without_stream,error_rate,block_rate,failed_jobs,blocked_jobs,jobs_without_duration,previous_jobs,previous_live_hours,jobs_change,live_hours_change,status,tz")
        // p1 r1: j1 j2 j5 = 3 jobs, 3 + 0.5 + 0.5 = 4 h live, 1.5 + 0.5 + 0.5 = 2.5 h streamed, ratio 2.5/4 = 0.625,
        //   error 1/3 = 0.3333; in 2025-12 d1 d2 = 2 jobs, 3 h → +1, +1 h: continuing.
        // p1 r2: j4, 1 h, no stream (ratio empty); not in 2025-12 → previous 0: new.
        // p2 r1: j3, 1 h, 1 h streamed, blocked; in 2025-12 d4, 0.5 h → +0, +0.5: continuing (p1's r1 is another room).
        // p1 r3: d3 in 2025-12 (1 job, 1 h), nothing in 2026-01: a row of zeros, gone, last.
        // The ratio's coverage (after the ratio): every live hour of p1 r1 and p2 r1 has stream data
        // (4 h, 1 h; no job without); p1 r2's j4 has none (0 h, 1 job).
        #expect(Array(lines.dropFirst()) == [
            "p1,cn-north-4,r1,Shared A,3,4,2.5,0.625,4,0,0.3333,0,1,0,0,2,3,1,1,continuing,UTC",
            "p1,cn-north-4,r2,New Room,1,1,0,,0,1,0,0,0,0,0,0,0,1,1,new,UTC",
            "p2,cn-north-4,r1,Shared B,1,1,1,1,1,0,0,1,0,1,0,1,0.5,0,0.5,continuing,UTC",
            "p1,cn-north-4,r3,Quiet Room,0,0,0,,0,0,,,0,0,0,1,1,-1,-1,gone,UTC",
        ])
        // In 2025-12, p2's r1 is new although p1's r1 was active in 2025-11: rooms are not keyed by room id alone.
        let december = try await Self.csv(cli, "monthly_usage_by_room", month: "2025-12")
        #expect(december.contains("p2,cn-north-4,r1,Shared B,1,0.5,0.25,0.5,0.5,0,0,0,0,0,0,0,0,1,0.5,new,UTC"), "\(december)")
        #expect(december.contains("p1,cn-north-4,r1,Shared A,2,3,2,0.6667,3,0,0,0,0,0,0,1,1,1,2,continuing,UTC"), "\(december)")
    }

    @Test func compareShowsBothMonthsAndTheChangeForEachRoom() async throws {
        let cli = try await Self.imported()
        // Without --against: 2026-03 against 2026-02 for p1's r2 (m1: 1 job, 1 h; f1: 1 job, 0 h, failed).
        let r = try await cli.run(["compare", "--db", "m.sqlite", "r2", "--month", "2026-03", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "figure,New Room")
        for expected in ["month,2026-03", "against,2026-02", "jobs,1", "against_jobs,1", "jobs_change,0", "jobs_relative_change,0",
                         "live_hours,1", "against_live_hours,0", "live_hours_change,1", "live_hours_relative_change,",
                         "error_rate,0", "against_error_rate,1", "error_rate_change,-1"] {
            #expect(lines.contains(expected), "\(expected) in \(lines)")
        }
        // r1 is two rooms (p1's "Shared A", p2's "Shared B"): 2026-01 against 2025-11, where only p1's had n1.
        // p1 r1: 3 jobs against 1 → +2, 2/1 = 2; 4 h against 1 h → +3, 3. p2 r1: 1 against 0 → +1, no relative change.
        let against = try await cli.run(["compare", "--db", "m.sqlite", "r1", "--month", "2026-01", "--against", "2025-11", "--format", "csv"])
        #expect(against.status == 0, "\(against.stderr)")
        let rows = against.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first == "figure,Shared A,Shared B")
        for expected in ["project_id,p1,p2", "against,2025-11,2025-11", "jobs,3,1", "against_jobs,1,0", "jobs_change,2,1",
                         "jobs_relative_change,2,", "live_hours_change,3,1", "live_hours_relative_change,3,"] {
            #expect(rows.contains(expected), "\(expected) in \(rows)")
        }
    }

    @Test func againstNeedsAnotherMonthAndAMonth() async throws {
        let cli = try await Self.imported()
        for (args, message) in [(["--against", "2025-12"], "--against applies only with --month"),
                                (["--month", "2026-01", "--against", "2026-01"], "is the --month itself"),
                                (["--month", "2026-01", "--against", "2026-13"], "--against takes YYYY-MM")] {
            let r = try await cli.run(["compare", "--db", "m.sqlite", "r1"] + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }
}
