import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// Figures rounded from totals that land exactly on a rounding half step (18 s is 0.005 h; a
/// stream ratio of 0.12345) are the same to the last digit whatever order the jobs came in and
/// whichever of the rollup's ways summed them (new jobs summed in memory, replaced jobs' days
/// summed again in SQL, a zone built from the stored jobs), and equal the figures of the exact
/// sums of the jobs' own microseconds. With seconds summed as doubles these totals came out a
/// hair above or below the half step (decimal fractions such as 0.1 s have no exact double, and a
/// day's share of a job is a difference of two epoch instants), so they rounded either way.
@Suite(.timeLimit(.minutes(5))) struct ExactSumTests {
    /// One "set" of jobs: 18 s live, 2.2221 s streamed in all (ratio 0.12345), in decimal fractions.
    static let setLive = ["0.1", "0.7", "1.3", "2.9", "4.1", "8.9"]
    static let setStreamed = ["0.0123", "0.0864", "0.1605", "0.358", "0.5061", "1.0988"]
    static let setLiveUs: [Int64] = [100_000, 700_000, 1_300_000, 2_900_000, 4_100_000, 8_900_000]
    static let months = ["2026-09", "2026-10", "2026-11"]

    struct Job {
        var id: String
        var room: String
        var start: String
        var live: String
        var streamed: String
        /// A later `lastupdate_time` makes the job a newer copy of itself.
        var updated: String? = nil
        var json: String {
            let instant = RFC3339.parse(start)!
            return #"{"job_id":"\#(id)","room_id":"\#(room)","room_name":"Room \#(room)","state":"SUCCEED","#
                + #""create_time":"\#(RFC3339.format(instant - 60))","start_time":"\#(start)","#
                + #""lastupdate_time":"\#(updated ?? RFC3339.format(instant + 3600))","duration":\#(live),"stream_duration":\#(streamed)}"#
        }
    }

    /// Every month: on days 1-15, rooms A, B and C run 1, 3 and 5 sets (a day: 9 sets, 162 s); on
    /// days 16-28 room D runs one 18 s job from 23:59:50.123 (9.877 s on its day, 8.123 s on the
    /// next, so days 17-28 hold exactly 18 s); on day 20 room E runs one set. Every grain's live
    /// time is an odd multiple of 18 s, a half step of 0.01 h, but for D's first and last days.
    static func jobs() -> (jobs: [Job], liveUs: [String: Int64]) {
        var jobs: [Job] = []
        var live: [String: Int64] = [:]
        func add(_ us: Int64, day: String, room: String) {
            let month = String(day.prefix(7))
            for key in ["day \(day)", "month \(month)", "month-project \(month)", "month-room \(month) \(room)", "room \(room)"] { live[key, default: 0] += us }
        }
        for month in months {
            for day in 1 ... 28 {
                let date = "\(month)-" + (day < 10 ? "0\(day)" : "\(day)")
                var k = 0
                let rooms: [(String, Int)] = day <= 15 ? [("A", 1), ("B", 3), ("C", 5)] : day == 20 ? [("E", 1)] : []
                for (room, sets) in rooms {
                    for set in 0 ..< sets {
                        for i in setLive.indices {
                            let offset = 37_123 * k  // milliseconds after 10:00, never an exact second
                            k += 1
                            let start = String(format: "%@T10:%02d:%02d.%03dZ", date, offset / 60_000, offset / 1000 % 60, offset % 1000)
                            jobs.append(Job(id: "h-\(room)-\(date)-\(set)-\(i)", room: room, start: start,
                                            live: setLive[i], streamed: setStreamed[i]))
                            add(setLiveUs[i], day: date, room: room)
                        }
                    }
                }
                if day >= 16 {
                    jobs.append(Job(id: "h-D-\(date)", room: "D", start: "\(date)T23:59:50.123Z", live: "18", streamed: "2.2221"))
                    add(9_877_000, day: date, room: "D")
                    add(8_123_000, day: "\(month)-" + (day + 1 < 10 ? "0\(day + 1)" : "\(day + 1)"), room: "D")
                }
            }
        }
        return (jobs, live)
    }

    static func lines(_ jobs: [Job]) -> String { jobs.map(\.json).joined(separator: "\n") + "\n" }

    /// Every row of `usage_figures` in `tz`, every column.
    static func figures(_ path: String, tz: String) throws -> [Row] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_figures WHERE tz = ? ORDER BY grain, period, month, room_id", arguments: [tz])
        }
    }

    /// Runs one statement on the database at `path` (a hand edit, as a user's `sqlite3` would make).
    static func execute(_ path: String, _ sql: String, _ arguments: StatementArguments = []) throws {
        try DatabaseQueue(path: path).write { try $0.execute(sql: sql, arguments: arguments) }
    }

    /// The hours and stream ratio SQLite's ROUND gives for exact sums of microseconds.
    static func rounded(_ db: DatabaseQueue, live: Int64, streamed: Int64) throws -> (Double?, Double?) {
        try db.read { db in
            (try Double.fetchOne(db, sql: "SELECT ROUND(? / 3600000000.0, 2)", arguments: [live]),
             try Double.fetchOne(db, sql: "SELECT ROUND(1.0 * ? / ?, 4)", arguments: [streamed, live]))
        }
    }

    @Test func figuresOnHalfStepsAreTheExactSumsRoundedInWhateverOrderTheJobsCame() async throws {
        let cli = CLI()
        let (jobs, exactLive) = ExactSumTests.jobs()
        var random = SplitMix64(seed: 18)
        var shuffled = jobs
        for i in shuffled.indices.reversed() { shuffled.swapAt(i, random.below(i + 1)) }
        // The same jobs in four ways: as made, reversed, shuffled, and shuffled then every other
        // job sent again as a newer copy (its days are summed again from job_day_facts, in SQL).
        var newer = stride(from: 0, to: shuffled.count, by: 2).map { shuffled[$0] }
        for i in newer.indices { newer[i].updated = "2026-12-01T00:00:00Z" }
        let files: [(String, [String])] = [
            ("made.sqlite", [cli.write("made.jsonl", ExactSumTests.lines(jobs))]),
            ("reversed.sqlite", [cli.write("reversed.jsonl", ExactSumTests.lines(jobs.reversed()))]),
            ("shuffled.sqlite", [cli.write("shuffled.jsonl", ExactSumTests.lines(shuffled))]),
            ("replaced.sqlite", [cli.write("shuffled2.jsonl", ExactSumTests.lines(shuffled)),
                                 cli.write("newer.jsonl", ExactSumTests.lines(newer))]),
        ]
        for (db, inputs) in files {
            for input in inputs {
                let result = try await cli.run(["import", "--db", db, input])
                #expect(result.status == 0, "\(db): \(result.stderr)")
            }
            // A zone asked for later is summed from the stored jobs in one pass.
            let report = try await cli.run(["report", "--db", db, "--month", "2026-10", "--tz", "Asia/Shanghai", "--out", "out-\(db)"])
            #expect(report.status == 0, "\(report.stderr)")
        }
        #expect(try count(cli.path("replaced.sqlite"), "SELECT count(*) FROM jobs WHERE lastupdate_time = '2026-12-01T00:00:00Z'") == newer.count)

        let made = cli.path("made.sqlite")
        for tz in ["UTC", "Asia/Shanghai"] {
            let expected = try ExactSumTests.figures(made, tz: tz)
            #expect(expected.count > 100)
            for (db, _) in files.dropFirst() {
                let figures = try ExactSumTests.figures(cli.path(db), tz: tz)
                #expect(figures == expected, "\(db) \(tz): \(zip(figures, expected).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "row counts differ")")
            }
        }

        // The jobs' own microseconds, summed exactly in Swift: live time from how the jobs were
        // made, streamed time from the per-day rows stored (a job's stream is split by its share).
        let db = try DatabaseQueue(path: made)
        let rows = try db.read { try Row.fetchAll($0, sql: """
            SELECT u.day, j.room_id, u.live_us, u.streamed_us FROM job_day_usage u JOIN jobs j ON j.job_id = u.job_id WHERE u.tz = 'UTC'
            """) }
        var streamed: [String: Int64] = [:]
        for row in rows {
            let day: String = row[0], room: String = row[1], us: Int64 = row[3]
            let month = String(day.prefix(7))
            for key in ["day \(day)", "month \(month)", "month-project \(month)", "month-room \(month) \(room)", "room \(room)"] { streamed[key, default: 0] += us }
        }
        let figures = try ExactSumTests.figures(made, tz: "UTC")
        #expect(figures.count == exactLive.count)
        var halfSteps = 0
        for row in figures {
            let grain: String = row["grain"]
            let key = grain == "room" ? "room \(row["room_id"] as String)"
                : grain == "month-room" ? "month-room \(row["period"] as String) \(row["room_id"] as String)" : "\(grain) \(row["period"] as String)"
            let live = try #require(exactLive[key], "\(key)"), stream = try #require(streamed[key], "\(key)")
            #expect(row["live_us"] as Int64 == live, "\(key)")
            #expect(row["streamed_us"] as Int64 == stream, "\(key)")
            let (hours, ratio) = try ExactSumTests.rounded(db, live: live, streamed: stream)
            #expect(row["live_hours"] as Double == hours, "\(key)")
            #expect(row["stream_ratio"] as Double? == ratio, "\(key)")
            if live % 36_000_000 == 18_000_000 { halfSteps += 1 }
        }
        #expect(halfSteps > 80, "figures on a half step: \(halfSteps)")
        // The half steps spelled out: 18 s is 0.005 h, which rounds up to 0.01.
        let day17 = try #require(figures.first { $0["grain"] == "day" && $0["period"] == "2026-09-17" })
        #expect(day17["live_us"] as Int64 == 18_000_000 && day17["live_hours"] as Double == 0.01)
        let roomA = try #require(figures.first { $0["grain"] == "month-room" && $0["period"] == "2026-09" && $0["room_id"] == "A" })
        #expect(roomA["live_us"] as Int64 == 15 * 18_000_000 && roomA["streamed_us"] as Int64 == 15 * 2_222_100)
        let september = try #require(figures.first { $0["grain"] == "month" && $0["period"] == "2026-09" })
        #expect(september["live_us"] as Int64 == 149 * 18_000_000)
        try RollupTests.rollupMatchesItsDefinition(cli.path("replaced.sqlite"))
    }

    /// A sum past 64 bits (only a hand-edited database gets near one: a job lasts a year at most)
    /// is one line on stderr and exit 1, never a wrong total: the import stores nothing of the
    /// file, the report gives no figures.
    @Test func aSumPast64BitsIsOneErrorLineAndNoWrongFigure() async throws {
        let cli = CLI()
        let jobs = (0 ..< 3).map { Job(id: "o\($0)", room: "R", start: "2026-03-1\($0)T10:00:00Z", live: "60", streamed: "30") }
        let first = try await cli.run(["import", "--db", "o.sqlite", cli.write("a.jsonl", ExactSumTests.lines(Array(jobs.prefix(2))))])
        #expect(first.status == 0, "\(first.stderr)")
        try ExactSumTests.execute(cli.path("o.sqlite"), "UPDATE usage_rollup SET live_us = ? WHERE day = '2026-03-10'", [Int64.max - 1_000])
        var late = jobs[0]
        late.id = "o-late"
        let refused = try await cli.run(["import", "--db", "o.sqlite", cli.write("b.jsonl", ExactSumTests.lines([jobs[2], late]))])
        #expect(refused.status == 1)
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("64-bit") && lines[0].contains("nothing of what was being written was stored"), "\(refused.stderr)")
        #expect(try count(cli.path("o.sqlite"), "SELECT count(*) FROM jobs") == 2)

        // Two days of a month whose sum no longer fits: the month's figures are refused.
        try ExactSumTests.execute(cli.path("o.sqlite"), "UPDATE usage_rollup SET live_us = 5000000000000000000")
        let report = try await cli.run(["report", "--db", "o.sqlite", "--month", "2026-03", "--out", "out"])
        #expect(report.status == 1)
        let reportLines = report.stderr.split(separator: "\n")
        #expect(reportLines.count == 1 && reportLines[0].contains("64-bit"), "\(report.stderr)")
    }
}
