import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// The monthly report reads `usage_rollup` through `usage_figures`; these tests hold it to the
/// figures of summing every job-day (the queries as they were before the rollup, kept in
/// `Tests/Benchmarks/baseline-queries/`) after imports, replaced jobs, undated jobs, new zones
/// and fetches, and to the exact sums of the jobs' microseconds whatever order they came in.
@Suite(.timeLimit(.minutes(5))) struct RollupTests {
    static let baseline = CLI.root.appendingPathComponent("Tests/Benchmarks/baseline-queries")
    static let bundled = CLI.root.appendingPathComponent("queries")
    static let zones = ["UTC", "Asia/Shanghai", "America/St_Johns"]

    /// Every value of every row of `sql` with `month` and `tz` bound (a NULL month for all time).
    static func rows(_ db: DatabaseQueue, _ file: URL, month: String?, tz: String) throws -> [[DatabaseValue]] {
        let sql = try String(contentsOf: file, encoding: .utf8)
        return try db.read { db in
            try Row.fetchAll(db, sql: sql, arguments: ["month": month, "tz": tz]).map { Array($0.databaseValues) }
        }
    }

    /// The columns `usage_rollup` stores (its `*_seconds` are computed from the `*_us`).
    static let stored = """
        tz, month, day, project_id, region, room_id, room_name, state, used_resource_type, error_code, error_msg,
        jobs, rated_jobs, failed_jobs, blocked_jobs, ongoing_jobs, jobs_without_duration, jobs_without_stream, flagged_jobs,
        live_us, streamed_us, paired_live_us, paired_streamed_us, job_live_us,
        first_start, last_start, first_create, last_create
        """

    /// Every value exactly: counts, texts and sums of microseconds are integers, whatever order
    /// the jobs were added in.
    static func rollupMatchesItsDefinition(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        let key = "tz, month, day, project_id, region, room_id, room_name, state, used_resource_type, error_code, error_msg"
        let columns = RollupTests.stored
        let kept = try db.read { try Row.fetchAll($0, sql: "SELECT \(columns) FROM usage_rollup ORDER BY \(key)") }
        let rebuilt = try db.write { db -> [Row] in
            try db.execute(sql: "CREATE TEMP TABLE kept AS SELECT \(columns) FROM usage_rollup")
            let zones = try String.fetchAll(db, sql: "SELECT tz FROM usage_zones")
            try db.execute(sql: "DELETE FROM usage_rollup")
            for tz in zones {
                try db.execute(sql: """
                    INSERT INTO usage_rollup (\(columns))
                    SELECT tz, month, day, project_id, region, room_id, room_name, state, used_resource_type, error_code, error_msg,
                           SUM(jobs), SUM(rated_jobs), SUM(failed_jobs), SUM(blocked_jobs), SUM(ongoing_jobs),
                           SUM(jobs_without_duration), SUM(jobs_without_stream), SUM(flagged_jobs), SUM(live_us), SUM(streamed_us),
                           SUM(paired_live_us), SUM(paired_streamed_us), SUM(job_live_us),
                           MIN(start_time), MAX(start_time), MIN(create_time), MAX(create_time)
                    FROM job_day_facts WHERE tz = ?
                    GROUP BY month, day, project_id, region, room_id, room_name, state, used_resource_type, error_code, error_msg
                    """, arguments: [tz])
            }
            let rows = try Row.fetchAll(db, sql: "SELECT \(columns) FROM usage_rollup ORDER BY \(key)")
            try db.execute(sql: "DELETE FROM usage_rollup; INSERT INTO usage_rollup (\(columns)) SELECT * FROM kept; DROP TABLE kept")
            return rows
        }
        #expect(!kept.isEmpty)
        #expect(kept.count == rebuilt.count, "rollup rows kept \(kept.count), by definition \(rebuilt.count)")
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM usage_rollup WHERE typeof(live_us) = 'real' OR typeof(job_live_us) = 'real'") } == 0)
        for (a, b) in zip(kept, rebuilt) {
            #expect(a == b, "\(a) vs \(b)")
        }
    }

    /// Every report query, bundled and baseline, in every kept zone and month (and a month with no
    /// data), and the all-time forms of the queries that have one: the same rows, value for value.
    static func bundledQueriesMatchTheBaseline(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        let months = try db.read { try String.fetchAll($0, sql: "SELECT DISTINCT month FROM usage_rollup WHERE month IS NOT NULL ORDER BY 1") }
        #expect(months.count >= 4)
        let files = try FileManager.default.contentsOfDirectory(at: RollupTests.baseline, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        #expect(files.count == 8)
        for tz in RollupTests.zones {
            for month in months + ["2027-01"] {
                for file in files {
                    let before = try RollupTests.rows(db, file, month: month, tz: tz)
                    let now = try RollupTests.rows(db, RollupTests.bundled.appendingPathComponent(file.lastPathComponent), month: month, tz: tz)
                    #expect(before == now, "\(file.lastPathComponent) \(month) \(tz)")
                }
            }
            // The all-time forms of the queries that have one count undated jobs too.
            for name in ["error_codes.sql", "jobs_per_state_per_room.sql"] {
                let before = try RollupTests.rows(db, RollupTests.baseline.appendingPathComponent(name), month: nil, tz: tz)
                let now = try RollupTests.rows(db, RollupTests.bundled.appendingPathComponent(name), month: nil, tz: tz)
                #expect(!before.isEmpty && before == now, "\(name) all time \(tz)")
            }
        }
    }

    /// Copies of `jobs` that the API would send later: finished differently, failed, longer.
    static func laterCopies(of jobs: ArraySlice<JSONObject>, step: Int) -> [JSONObject] {
        jobs.enumerated().map { i, job in
            var job = job
            let update = job["lastupdate_time"]?.stringValue.flatMap(RFC3339.parse) ?? 1_785_542_400
            job["lastupdate_time"] = .string(RFC3339.format(update + Double(3600 * step)))
            switch (i + step) % 4 {
            case 0:
                job["state"] = .string("FAILED")
                job["error_info"] = .object(JSONObject([("error_code", .string("MSS.\(i % 3)")), ("error_msg", .string("step \(step)"))]))
            case 1: job["duration"] = .number("\(1800 + 7 * i).25")
            case 2: job["room_id"] = .string("moved-\(i % 5)")
            default: job["state"] = .string("BLOCKED")
            }
            return job
        }
    }

    /// Jobs with no start, create or last update time: in no month, in every all-time figure.
    static func undated(_ count: Int) -> [JSONObject] {
        (0..<count).map { i in
            var job = JSONObject([("job_id", .string("undated-\(i)")), ("room_id", .string("undated-room-\(i % 2)")),
                                  ("room_name", .string("Undated \(i % 2)")), ("state", .string(i % 3 == 0 ? "FAILED" : "SUCCEED")),
                                  ("duration", .number("600"))])
            if i % 3 == 0 {
                job["error_info"] = .object(JSONObject([("error_code", .string("MSS.9")), ("error_msg", .string("no date"))]))
            }
            return job
        }
    }

    static func jsonLines(_ jobs: [JSONObject]) -> String {
        jobs.map { JSONValue.object($0).serialized() }.joined(separator: "\n") + "\n"
    }

    @Test func bundledQueriesGiveTheFiguresOfSummingEveryJobDayThroughImportsReplacementsAndZones() async throws {
        let cli = CLI()
        let jobs = Array(JobGenerator(options: .init(jobs: 6000, seed: 7)).jobs())
        let first = try await cli.run(["import", "--db", "r.sqlite", cli.write("a.jsonl", RollupTests.jsonLines(jobs))])
        #expect(first.status == 0, "\(first.stderr)")
        // Zones asked for after the first import are built from the stored jobs, then kept by every write.
        for tz in RollupTests.zones.dropFirst() {
            let report = try await cli.run(["report", "--db", "r.sqlite", "--month", "2026-09", "--tz", tz, "--out", "out-\(tz.count)"])
            #expect(report.status == 0, "\(report.stderr)")
        }
        let later = RollupTests.laterCopies(of: jobs[100 ..< 700], step: 1) + RollupTests.undated(9)
        let second = try await cli.run(["import", "--db", "r.sqlite", cli.write("b.jsonl", RollupTests.jsonLines(later))])
        #expect(second.status == 0, "\(second.stderr)")
        // The undated jobs get dates, some jobs change again, and new jobs come in the same file.
        var dated = RollupTests.undated(9).enumerated().map { i, job -> JSONObject in
            var job = job
            job["create_time"] = .string("2026-09-1\(i)T23:30:00Z")
            job["lastupdate_time"] = .string("2026-09-2\(i)T23:30:00Z")
            return job
        }
        dated += RollupTests.laterCopies(of: jobs[400 ..< 900], step: 2)
        dated += Array(JobGenerator(options: .init(jobs: 300, seed: 8, projectTag: "other")).jobs())
        let third = try await cli.run(["import", "--db", "r.sqlite", cli.write("c.jsonl", RollupTests.jsonLines(dated))])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try count(cli.path("r.sqlite"), "SELECT count(*) FROM jobs WHERE job_id LIKE 'undated-%' AND create_time IS NOT NULL") == 9)

        try RollupTests.rollupMatchesItsDefinition(cli.path("r.sqlite"))
        try RollupTests.bundledQueriesMatchTheBaseline(cli.path("r.sqlite"))
    }

    @Test func fetchedJobsKeepTheRollupAsItsDefinitionSaysWhenTheyChangeBetweenFetches() async throws {
        let cli = CLI()
        var jobs = Array(JobGenerator(options: .init(jobs: 800, seed: 31, start: FetchTests.recentStart)).jobs())
        let args = ["fetch", "--db", "f.sqlite", "--project-id", FetchTests.project, "--rate", "0", "--full"]
        let first = try await withSimulator(MetaStudioSimulator(jobs: jobs, config: SimulatorConfig())) { base in
            try await cli.run(args + ["--endpoint", base], environment: ["METASTUDIO_AUTH_TOKEN": "TOKEN-rollup"])
        }
        #expect(first.status == 0, "\(first.stderr)")
        let changed = RollupTests.laterCopies(of: jobs[200 ..< 500], step: 3)
        jobs.replaceSubrange(200 ..< 500, with: changed)
        let second = try await withSimulator(MetaStudioSimulator(jobs: jobs, config: SimulatorConfig())) { base in
            try await cli.run(args + ["--endpoint", base], environment: ["METASTUDIO_AUTH_TOKEN": "TOKEN-rollup"])
        }
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try count(cli.path("f.sqlite"), "SELECT count(*) FROM jobs WHERE error_msg = 'step 3'") > 0)
        try RollupTests.rollupMatchesItsDefinition(cli.path("f.sqlite"))
    }
}
