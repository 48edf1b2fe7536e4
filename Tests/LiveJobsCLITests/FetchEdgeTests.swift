import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// The edges of `livejobs fetch` a hostile review found, through the real binary against the
/// simulator: page sizes too small to overlap, option values that overflowed or never ended, counts
/// printed as 32 bits, failed runs recorded with gaps, state filters that lost jobs finishing later,
/// overlap jobs counted twice, and a job dated in the future that blinded every later fetch.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FetchEdgeTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let token = "TOKEN-edges-7a2c"
    let env = ["METASTUDIO_AUTH_TOKEN": FetchEdgeTests.token]

    func generated(_ count: Int, seed: UInt64) -> [JSONObject] {
        Array(JobGenerator(options: .init(jobs: count, seed: seed, start: FetchTests.recentStart)).jobs())
    }

    /// Runs `livejobs fetch` into `db` against a simulator serving `jobs` with `config`.
    func fetch(_ cli: CLI, db: String, jobs: [JSONObject], config: SimulatorConfig = SimulatorConfig(),
               _ extra: [String] = []) async throws -> CLI.Result {
        let env = env
        return try await withSimulator(MetaStudioSimulator(jobs: jobs, config: config)) { base in
            try await cli.run(["fetch", "--db", db, "--endpoint", base, "--project-id", Self.project] + extra,
                              environment: env, timeout: 240)
        }
    }

    func summary(_ r: CLI.Result) throws -> JSONObject {
        try #require(try JSONParser.parse(Array(r.stdout.utf8)).objectValue, "\(r.stdout)")
    }

    func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    /// The one error line of a refused flag (the argument parser adds where to find the usage).
    func flagError(_ r: CLI.Result) -> Substring? {
        // livejobs writes `livejobs fetch: error: ...`; the simulator ArgumentParser's `Error: ...`.
        let errors = lines(r.stderr).filter { $0.hasPrefix("livejobs fetch: error: ") || $0.hasPrefix("Error: ") }
        return errors.count == 1 ? errors[0] : nil
    }

    /// The X-Request-Id an error line names.
    func requestId(in line: String) -> String? {
        guard let range = line.range(of: "X-Request-Id ") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != ")" && $0 != " " })
    }

    func failedIds(_ db: String) throws -> [String] {
        let text = try strings(db, "SELECT coalesce(failed_request_ids, '[]') FROM sync_runs ORDER BY id DESC LIMIT 1").first ?? "[]"
        return try JSONParser.parse(Array(text.utf8)).arrayValue?.compactMap(\.stringValue) ?? []
    }

    // MARK: 1. Pages too small to overlap

    /// Pages overlap by two jobs, so a page of one or two brings nothing new: such a page size used
    /// to run to "the API counted 120 jobs but sent 4" on a quiet server. It is a bad flag now.
    @Test func pageSizesBelowThreeAreRefusedAsBadFlags() async throws {
        let cli = CLI()
        for size in ["1", "2"] {
            let r = try await fetch(cli, db: "p\(size).sqlite", jobs: generated(120, seed: 1), ["--page-size", size])
            #expect(r.status == 64, "--page-size \(size): \(r.stdout) \(r.stderr)")
            let error = try #require(flagError(r), "\(r.stderr)")
            #expect(error.contains("--page-size must be 3 to 100") && error.contains("overlap by 2 jobs"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: cli.path("p\(size).sqlite")))
        }
        let three = try await fetch(cli, db: "p3.sqlite", jobs: generated(120, seed: 1), ["--page-size", "3", "--rate", "0"])
        #expect(three.status == 0, "\(three.stderr)")
        #expect(try count(cli.path("p3.sqlite"), "SELECT count(*) FROM jobs") == 120)
    }

    /// A server that serves one or two jobs per page whatever `limit` asks cannot be scanned with
    /// overlapping pages: the fetch ends with exit 3 and a line that says exactly that, not a false
    /// "moved" or "count" reason; with one request at a time and with a first round of several.
    @Test func aServerServingFewerThanThreePerPageIsNamedAsSuch() async throws {
        for cap in [1, 2] {
            for concurrency in ["1", "4"] {
                var config = SimulatorConfig()
                config.pageCap = cap
                let cli = CLI()
                let r = try await fetch(cli, db: "c.sqlite", jobs: generated(120, seed: 2), config: config,
                                        ["--concurrency", concurrency, "--rate", "0"])
                let what = "cap \(cap), concurrency \(concurrency)"
                #expect(r.status == 3, "\(what): \(r.stdout) \(r.stderr)")
                #expect(lines(r.stderr).count == 1, "\(what): \(r.stderr)")
                #expect(r.stderr.contains("the server serves at most \(cap) \(cap == 1 ? "job" : "jobs") per page (100 asked)"),
                        "\(what): \(r.stderr)")
                #expect(r.stderr.contains("at least 3 per page"), "\(what): \(r.stderr)")
                #expect(!r.stderr.contains("moved") && !r.stderr.contains("counted"), "\(what): \(r.stderr)")
                let db = cli.path("c.sqlite")
                #expect(try strings(db, "SELECT outcome FROM sync_runs") == ["incomplete"])
                #expect(try count(db, "SELECT count(*) FROM sync_runs WHERE unresolved_since IS NOT NULL") == 1)
            }
        }
    }

    /// A count that the pages never back up is still named as such when the pages are full, and a
    /// server capping pages at 3 is still read whole.
    @Test func aCountLieIsNotTakenForATinyPageAndThreePerPageStillWorks() async throws {
        var lying = SimulatorConfig()
        lying.claimedCount = 1_000
        let cli = CLI()
        for jobs in [296, 297] {
            let r = try await fetch(cli, db: "l\(jobs).sqlite", jobs: generated(jobs, seed: 3), config: lying, ["--rate", "0"])
            #expect(r.status == 3, "\(r.stderr)")
            #expect(r.stderr.contains("the API counted 1000 jobs but sent \(jobs)"), "\(r.stderr)")
        }
        var three = SimulatorConfig()
        three.pageCap = 3
        let r = try await fetch(cli, db: "t.sqlite", jobs: generated(60, seed: 3), config: three, ["--rate", "0", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try summary(r)["page_size_served"] == .number("3"))
        #expect(try count(cli.path("t.sqlite"), "SELECT count(*) FROM jobs") == 60)
    }

    // MARK: 2. Option values that crashed or never ended

    /// Every numeric option has a range checked before anything runs: one line, exit 64, no
    /// database, no run left 'running'. `--timeout 1e300` trapped converting to milliseconds,
    /// `--rate 1e-300` waited for ever, an inverted window ran and blamed the server.
    @Test func optionValuesOutOfRangeAreOneLineAndExit64() async throws {
        let cli = CLI()
        let cases: [([String], String)] = [
            (["--timeout", "1e300"], "--timeout must be 0.1 to 86400 seconds, got 1e+300"),
            (["--timeout", "9.3e18"], "--timeout must be"),
            (["--timeout", "0"], "--timeout must be"),
            (["--timeout", "nan"], "--timeout must be"),
            (["--timeout", "inf"], "--timeout must be"),
            (["--rate", "1e-300"], "--rate must be 0 (no limit) or 0.01 to 1000 requests per second"),
            (["--rate", "1e300"], "--rate must be"),
            (["--rate=-1"], "--rate must be"),
            (["--rate", "nan"], "--rate must be"),
            (["--concurrency", "1000000000000"], "--concurrency must be 1 to 32"),
            (["--page-size", "101"], "--page-size must be 3 to 100"),
            (["--max-uncommitted-pages", "0"], "--max-uncommitted-pages must be 1 to"),
            (["--max-uncommitted-pages", "9223372036854775807"], "--max-uncommitted-pages must be 1 to"),
            (["--since", "9999-12-31T23:59:59Z", "--until", "0000-01-01T00:00:00Z"],
             "--since 9999-12-31T23:59:59Z is later than --until 0000-01-01T00:00:00Z"),
        ]
        try await withSimulator(MetaStudioSimulator(jobs: generated(50, seed: 4), config: SimulatorConfig())) { base in
            for (index, (flags, message)) in cases.enumerated() {
                let db = "o\(index).sqlite"
                let r = try await cli.run(["fetch", "--db", db, "--endpoint", base, "--project-id", Self.project] + flags,
                                          environment: env, timeout: 60)
                #expect(r.status == 64, "\(flags): \(r.stdout) \(r.stderr)")
                #expect(flagError(r)?.contains(message) == true, "\(flags): \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: cli.path(db)), "\(flags)")
            }
        }
    }

    /// `metastudio-sim serve` checks its numbers the same way, before it binds a port: values that
    /// would overflow what it computes (a latency in nanoseconds, a count plus an excess, a 429's
    /// stated limit) are one line and exit 64.
    @Test func simulatorOptionValuesOutOfRangeAreRefused() async throws {
        let cli = CLI()
        let cases: [([String], String)] = [
            (["--latency-ms", "9223372036854775807"], "--latency-ms must be 0...60000"),
            (["--throttle", "1e300"], "--throttle must be more than 0 and at most 100000"),
            (["--throttle", "nan"], "--throttle must be"),
            (["--count-excess", "9223372036854775807"], "--count-excess must be 0...9007199254740992"),
            (["--page-cap", "1000"], "--page-cap must be 1...100"),
            (["--tie-size", "0"], "--tie-size must be 1...1000000"),
            (["--insert-during-scan", "9223372036854775807"], "--insert-during-scan must be 0...1000000"),
            (["--oversized-body", "huge"], "oversized-body"),
        ]
        for (flags, message) in cases {
            let r = try await cli.run(["serve", "--port", "0", "--generate", "10"] + flags, binary: "metastudio-sim", timeout: 30)
            #expect(r.status == 64, "\(flags): \(r.stdout) \(r.stderr)")
            #expect(flagError(r)?.contains(message) == true, "\(flags): \(r.stderr)")
            #expect(!r.stdout.contains("listening"), "\(flags)")
        }
    }

    // MARK: 3. Counts in full, and a served page size only when true

    /// Every count is printed in full (it was formatted as 32 bits: 10^12 showed as -727379968,
    /// 2^53 as 0), and a count that lies does not make the line claim the server served fewer
    /// jobs per page than it did.
    @Test func theSummaryLinePrintsEveryCountInFullAndOnlyTrueServedSizes() async throws {
        let cli = CLI()
        for claimed in [1_000_000_000_000, 2_147_483_648, 9_007_199_254_740_992] {
            var config = SimulatorConfig()
            config.claimedCount = claimed
            let r = try await fetch(cli, db: "n\(claimed).sqlite", jobs: generated(300, seed: 5), config: config, ["--rate", "0"])
            #expect(r.status == 3, "\(r.stderr)")
            #expect(r.stdout.hasPrefix("fetch incomplete: 300 jobs (API count \(claimed)) in "), "\(r.stdout)")
            #expect(!r.stdout.contains("jobs per page"), "\(r.stdout)")
            #expect(r.stderr.contains("the API counted \(claimed) jobs but sent 300"), "\(r.stderr)")
            let db = cli.path("n\(claimed).sqlite")
            #expect(try count(db, "SELECT expected_count FROM sync_runs") == claimed)
        }
        var excess = SimulatorConfig()
        excess.countExcess = 3
        let r = try await fetch(cli, db: "e.sqlite", jobs: generated(300, seed: 5), config: excess, ["--rate", "0", "--json"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(try summary(r)["page_size_served"] == .null, "\(r.stdout)")
        let plain = try await fetch(cli, db: "e2.sqlite", jobs: generated(300, seed: 5), config: excess, ["--rate", "0"])
        #expect(plain.stdout.hasPrefix("fetch incomplete: 300 jobs (API count 303)"), "\(plain.stdout)")
        #expect(!plain.stdout.contains("jobs per page"), "\(plain.stdout)")

        // A server that does cap pages is still named, count lie or not.
        var capped = SimulatorConfig()
        capped.pageCap = 60
        capped.countExcess = 3
        let c = try await fetch(cli, db: "c.sqlite", jobs: generated(250, seed: 5), config: capped, ["--rate", "0"])
        #expect(c.status == 3, "\(c.stderr)")
        #expect(c.stdout.contains("the server served 60 jobs per page"), "\(c.stdout)")
    }

    // MARK: 4. Failed runs recorded in full

    /// A body over the cap, as a declared length, an endless body or a gzip bomb: the line names the
    /// page (URL and offset) and the response's X-Request-Id, which `failed_request_ids` holds.
    @Test func aBodyOverTheCapIsRecordedWithItsPageAndRequestId() async throws {
        for kind in OversizedBody.allCases {
            var config = SimulatorConfig()
            config.oversizedBody = kind
            let cli = CLI()
            let r = try await fetch(cli, db: "b.sqlite", jobs: generated(250, seed: 6), config: config,
                                    ["--concurrency", "1", "--rate", "0"])
            #expect(r.status == 1, "\(kind): \(r.stderr)")
            #expect(lines(r.stderr).count == 1, "\(kind): \(r.stderr)")
            #expect(r.stderr.contains("response body over the 32 MiB cap"), "\(kind): \(r.stderr)")
            #expect(r.stderr.contains("/v1/\(Self.project)/smart-live-jobs (offset 98)"), "\(kind): \(r.stderr)")
            let id = try #require(requestId(in: r.stderr), "\(kind): \(r.stderr)")
            let db = cli.path("b.sqlite")
            #expect(try failedIds(db) == [id], "\(kind)")
            #expect(try strings(db, "SELECT outcome FROM sync_runs") == ["failed"])
            #expect(try count(db, "SELECT pages FROM sync_runs") == 1)
            #expect(try count(db, "SELECT jobs FROM sync_runs") == 100)
        }
    }

    /// `--strict` stopping at a job with an unusable value: the record and the line say what was
    /// really stored (they said every page received), and the refusing page's request id is kept.
    @Test func aStrictStopRecordsWhatWasStoredAndTheRefusingPage() async throws {
        var jobs = generated(300, seed: 7)
        jobs[250]["state"] = .string("SUCCEED")
        jobs[250]["duration"] = .number("-5.0")
        let cli = CLI()
        let r = try await fetch(cli, db: "s.sqlite", jobs: jobs, config: SimulatorConfig(), ["--strict", "--rate", "0"])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(lines(r.stderr).count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("page at offset 196"), "\(r.stderr)")
        let id = try #require(requestId(in: r.stderr), "\(r.stderr)")
        let db = cli.path("s.sqlite")
        let stored = try count(db, "SELECT count(*) FROM jobs")
        #expect(stored < 300)
        #expect(try count(db, "SELECT jobs FROM sync_runs") == stored)
        // Pages 0 (jobs 0-99), 98 (98-197) and 294 (294-299) may each be committed or not: the jobs
        // stored tell how many were.
        let pages = [0: 0, 100: 1, 6: 1, 198: 2, 106: 2, 204: 3]
        #expect(try count(db, "SELECT pages FROM sync_runs") == pages[stored], "stored \(stored)")
        #expect(r.stdout.hasPrefix("fetch failed: \(stored) jobs (API count 300) in "), "\(r.stdout)")
        let ids = try failedIds(db)
        #expect(ids.contains(id), "\(ids)")
    }

    // MARK: 5. State filters that gain jobs

    /// 800 jobs created over the last days, two thirds PROCESSING; they all end before the second
    /// fetch. With `--state FAILED,SUCCEED`, the first fetch cannot list the running ones; the
    /// second must reach back to them, although they are older than the last run's newest job.
    @Test func aStateFilterThatGainsJobsLooksBackFarEnoughToFindThem() async throws {
        let now = Date().timeIntervalSince1970.rounded(.down)
        var jobs: [JSONObject] = []
        for index in 0 ..< 800 {
            let created = now - 3 * 86_400 + Double(index) * 300
            let running = index % 3 != 0
            var job = JSONObject([("job_id", .string(String(format: "edge-%04d", index))), ("room_id", .string("room-1")),
                                  ("room_name", .string("Room 1")), ("state", .string(running ? "PROCESSING" : "SUCCEED"))])
            job["start_time"] = .string(RFC3339.format(created + 60))
            if !running {
                job["end_time"] = .string(RFC3339.format(created + 1_860))
                job["duration"] = .number("1800")
                job["stream_duration"] = .number("1790")
            }
            job["create_time"] = .string(RFC3339.format(created))
            job["lastupdate_time"] = .string(RFC3339.format(running ? now - 60 : created + 1_860))
            jobs.append(job)
        }
        var config = SimulatorConfig()
        config.finishProcessingBetweenScans = true
        let sim = MetaStudioSimulator(jobs: jobs, config: config)
        let cli = CLI()
        let db = cli.path("f.sqlite")
        let args = ["fetch", "--db", "f.sqlite", "--project-id", Self.project, "--state", "FAILED,SUCCEED", "--rate", "0"]
        let env = env
        let (first, second) = try await withSimulator(sim) { base -> (CLI.Result, CLI.Result) in
            let first = try await cli.run(args + ["--endpoint", base], environment: env)
            return (first, try await cli.run(args + ["--endpoint", base], environment: env))
        }
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(try count(db, "SELECT count(*) FROM sync_runs WHERE mode = 'incremental'") == 1)
        #expect(second.stdout.contains("since "), "\(second.stdout)")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 800, "listed jobs missing after the second fetch")
        // Without a filter that gains jobs, the start stays an hour before the newest job.
        let since = try #require(try strings(db, "SELECT create_since FROM sync_runs WHERE mode = 'incremental'").first)
        #expect(RFC3339.parse(since)! <= now - 14 * 86_400, "\(since)")
    }

    // MARK: 6. Distinct jobs

    /// A first fetch into an empty database: 301 jobs on 4 pages that overlap by two are 301 new
    /// jobs, and the 6 read twice are said apart; a second full fetch finds 301 unchanged.
    @Test func countsAreOfDistinctJobsAndJobsReadAgainAreSaidApart() async throws {
        let cli = CLI()
        let jobs = generated(301, seed: 8)
        let sim = MetaStudioSimulator(jobs: jobs, config: SimulatorConfig())
        let env = env
        let (first, json) = try await withSimulator(sim) { base -> (CLI.Result, CLI.Result) in
            let args = ["fetch", "--db", "d.sqlite", "--endpoint", base, "--project-id", Self.project, "--rate", "0", "--full"]
            return (try await cli.run(args, environment: env), try await cli.run(args + ["--json"], environment: env))
        }
        #expect(first.status == 0 && json.status == 0, "\(first.stderr) \(json.stderr)")
        #expect(first.stdout.hasPrefix("fetch succeeded: 301 jobs (API count 301) in 4 pages, 301 new, 0 updated, 0 unchanged, 0 flagged;"),
                "\(first.stdout)")
        #expect(first.stdout.contains(", 6 jobs read again;"), "\(first.stdout)")
        let s = try summary(json)
        #expect(s["inserted"] == .number("0") && s["updated"] == .number("0") && s["unchanged"] == .number("301"), "\(json.stdout)")
        #expect(s["jobs_read_again"] == .number("6") && s["jobs"] == .number("301"))
        #expect(try count(cli.path("d.sqlite"), "SELECT count(*) FROM jobs") == 301)
    }

    // MARK: 7. A job dated in the future

    /// One job created in 2099: the run's newest create_time leaves it out, so the next incremental
    /// fetch starts an hour before the newest real job and stores the jobs created since. A run
    /// recorded before this (newest_create_time 2099) no longer blinds the next fetch either.
    @Test func aJobDatedInTheFutureDoesNotBlindLaterFetches() async throws {
        let cli = CLI()
        var jobs = generated(300, seed: 9).filter { $0["state"]?.stringValue != "PROCESSING" && $0["state"]?.stringValue != "WAITING" }
        var future = jobs[10]
        future["job_id"] = .string("from-the-future")
        future["create_time"] = .string("2099-01-01T00:00:00Z")
        jobs.append(future)
        let db = cli.path("t.sqlite")
        let first = try await fetch(cli, db: "t.sqlite", jobs: jobs, ["--rate", "0"])
        #expect(first.status == 0, "\(first.stderr)")
        let newest = try #require(try strings(db, "SELECT newest_create_time FROM sync_runs").first)
        #expect(RFC3339.parse(newest)! < Date().timeIntervalSince1970 + 86_400 + 60, "\(newest)")

        func later(_ id: String) -> JSONObject {
            var job = jobs[20]
            job["job_id"] = .string(id)
            job["create_time"] = .string(RFC3339.format(Date().timeIntervalSince1970.rounded(.down) - 60))
            return job
        }
        jobs.append(later("created-after-the-first-fetch"))
        let second = try await fetch(cli, db: "t.sqlite", jobs: jobs, ["--rate", "0"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("since "), "\(second.stdout)")
        #expect(!second.stdout.contains("since 2098"), "\(second.stdout)")
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id = 'created-after-the-first-fetch'") == 1)

        // A record written before future instants were left out.
        try await onOwnThread {
            try DatabaseQueue(path: db).write { try $0.execute(sql: "UPDATE sync_runs SET newest_create_time = '2099-01-01T00:00:00Z'") }
        }
        jobs.append(later("created-after-the-second-fetch"))
        let third = try await fetch(cli, db: "t.sqlite", jobs: jobs, ["--rate", "0"])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(!third.stdout.contains("since 2098"), "\(third.stdout)")
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id = 'created-after-the-second-fetch'") == 1)
    }
}
