import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// `livejobs fetch`, the real binary, against the simulator over loopback.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FetchTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let token = "TOKEN-sekrit-4d2a9f"
    static let ak = "AKTESTFETCH"
    static let sk = "SK-very-secret-7f3e1b"

    func tokenEnv() -> [String: String] { ["METASTUDIO_AUTH_TOKEN": FetchTests.token] }

    @Test func tokenFetchStoresEveryJobAndRecordsTheRun() async throws {
        var config = SimulatorConfig()
        config.auth = .token(FetchTests.token)
        let sim = MetaStudioSimulator(generated: 1234, seed: 3, config: config)
        let cli = CLI()
        let r = try await withSimulator(sim) { base in
            try await cli.run(["fetch", "--db", "f.sqlite", "--endpoint", base, "--project-id", FetchTests.project], environment: tokenEnv())
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("fetch succeeded: 1234 jobs (API count 1234) in "))
        let db = cli.path("f.sqlite")
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE project_id = '\(FetchTests.project)' AND source = 'fetch'") == 1234)
        #expect(try count(db, "SELECT count(*) FROM sync_runs WHERE outcome = 'succeeded' AND jobs = 1234 AND expected_count = 1234") == 1)
        #expect(!r.stderr.contains("\r"), "progress drawn although stderr is not a terminal")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        #expect(bytes.range(of: Data(FetchTests.token.utf8)) == nil)
        #expect(!r.stdout.contains(FetchTests.token) && !r.stderr.contains(FetchTests.token))
    }

    @Test func akskSignaturesAreAcceptedAndABadSecretFailsOnceWithoutRetry() async throws {
        var config = SimulatorConfig()
        config.auth = .aksk(ak: FetchTests.ak, sk: FetchTests.sk)
        let sim = MetaStudioSimulator(generated: 450, seed: 5, config: config)
        let cli = CLI()
        let env = ["HUAWEICLOUD_SDK_AK": FetchTests.ak, "HUAWEICLOUD_SDK_SK": FetchTests.sk,
                   "HUAWEICLOUD_SDK_PROJECT_ID": FetchTests.project]
        let (good, bad, failures) = try await withSimulator(sim) { base -> (CLI.Result, CLI.Result, Int) in
            // Spaces, commas, plus signs and Chinese in the filter must be signed exactly like the vendor's signer.
            let good = try await cli.run(["fetch", "--db", "a.sqlite", "--endpoint", base, "--room-name", "美妆直播间"], environment: env)
            var wrong = env
            wrong["HUAWEICLOUD_SDK_SK"] = "SK-wrong-0000"
            let bad = try await cli.run(["fetch", "--db", "a.sqlite", "--endpoint", base, "--full", "--concurrency", "8",
                                   "--room-name", "Tea, \"Premium\" + Co"], environment: wrong)
            return (good, bad, sim.stats.authFailures)
        }
        #expect(good.status == 0, "\(good.stderr)")
        let stored = try count(cli.path("a.sqlite"), "SELECT count(*) FROM jobs")
        #expect(stored > 0 && stored < 450)
        #expect(try count(cli.path("a.sqlite"), "SELECT count(*) FROM jobs WHERE room_name NOT LIKE '%美妆直播间%'") == 0)
        #expect(bad.status == 1)
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("HTTP 401 APIGW.0301"), "\(bad.stderr)")
        #expect(bad.stderr.contains("X-Request-Id "))
        #expect(!bad.stderr.contains("X-Request-Id none"))
        #expect(failures == 1, "a wrong key must cost one failed request: no retry, no parallel requests before the first succeeds")
        for output in [good.stdout, good.stderr, bad.stdout, bad.stderr] {
            #expect(!output.contains(FetchTests.sk) && !output.contains("SK-wrong-0000"))
        }
    }

    @Test func credentialsComeFromTheSDKProfileFile() async throws {
        var config = SimulatorConfig()
        config.auth = .aksk(ak: FetchTests.ak, sk: FetchTests.sk)
        let sim = MetaStudioSimulator(generated: 120, seed: 6, config: config)
        let cli = CLI()
        let profile = cli.write("creds.ini", "[default]\nak = nope\n\n[basic]\nak = \(FetchTests.ak)\nsk = \(FetchTests.sk)\nproject_id = \(FetchTests.project)\n")
        let r = try await withSimulator(sim) { base in
            try await cli.run(["fetch", "--db", "p.sqlite", "--endpoint", base], environment: ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": profile])
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try count(cli.path("p.sqlite"), "SELECT count(*) FROM jobs") == 120)
    }

    @Test func faultsAndJobsInsertedMidScanLoseNothingAndDoubleNothing() async throws {
        var config = SimulatorConfig()
        config.serverErrorRate = 0.10
        config.truncateRate = 0.05
        config.insertDuringScan = 50
        config.latency = 0.005
        config.seed = 11
        let sim = MetaStudioSimulator(generated: 3000, seed: 7, config: config)
        let cli = CLI()
        let (r, jobs, stats) = try await withSimulator(sim) { base in
            (try await cli.run(["fetch", "--db", "x.sqlite", "--endpoint", base, "--project-id", FetchTests.project,
                          "--concurrency", "8", "--rate", "0", "--json"], environment: tokenEnv()), sim.jobs, sim.stats)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(jobs.count == 3050)
        #expect(stats.serverErrors > 0 && stats.truncated > 0)
        let db = cli.path("x.sqlite")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 3050)
        let ids = Set(jobs.compactMap { $0["job_id"]?.stringValue })
        let stored = Set(try strings(db, "SELECT job_id FROM jobs"))
        #expect(stored == ids)
        let summary = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue
        #expect(summary?["outcome"]?.stringValue == "succeeded")
        #expect(summary?["jobs"] == .number("3050"))
        #expect((summary?["retries"]?.doubleValue ?? 0) > 0)
    }

    /// A server that sends a job with a wrong type: the job is stored flagged, every other job too, and
    /// the fetch succeeds. With --strict: one clear line naming the page, the job and the field, exit
    /// 65, a failed run, whole pages only in the database, and the next fetch (against a server that
    /// tells the truth again) completes on top of what was kept.
    @Test func aJobOfTheWrongTypeIsStoredFlaggedOrUnderStrictStopsTheFetchKeepingWholePages() async throws {
        // Generated to end now: with the sample's fixed window its unfinished jobs turned stale (and
        // flagged) a week after that window ended, and this test with them.
        var jobs = Array(JobGenerator(options: .init(jobs: 1000, seed: 21, start: FetchTests.recentStart)).jobs())
        let liar = jobs[250]["job_id"]?.stringValue ?? ""
        jobs[250]["duration"] = .string("about an hour")
        // Pages overlap by two jobs (offsets 0, 98, 196, …): job 250 is job 54 of the page at 196,
        // whose jobs 198 ..< 294 are on no other page.
        let pageIds = jobs[198 ..< 294].compactMap { $0["job_id"]?.stringValue }
        var config = SimulatorConfig()
        config.latency = 0.005
        let cli = CLI()
        let args = ["fetch", "--project-id", FetchTests.project, "--concurrency", "4", "--rate", "0"]

        let lenient = try await withSimulator(MetaStudioSimulator(jobs: jobs, config: config)) { base in
            try await cli.run(args + ["--db", "f.sqlite", "--endpoint", base, "--json"], environment: tokenEnv())
        }
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stderr.isEmpty, "\(lenient.stderr)")
        let summary = try #require(try JSONParser.parse(lenient.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue)
        #expect(summary["flagged"] == .number("1"))
        let flag = try #require(summary["flags"]?.arrayValue?.first?.objectValue)
        #expect(flag["job_id"]?.stringValue == liar && flag["field"]?.stringValue == "duration" && flag["reason"]?.stringValue == "wrong_type")
        let flagged = cli.path("f.sqlite")
        #expect(try count(flagged, "SELECT count(*) FROM jobs") == 1000)
        #expect(try strings(flagged, "SELECT job_id || ' ' || field || ' ' || reason FROM job_flags") == ["\(liar) duration wrong_type"])
        #expect(try strings(flagged, "SELECT outcome || ' ' || flagged FROM sync_runs") == ["succeeded 1"])

        let r = try await withSimulator(MetaStudioSimulator(jobs: jobs, config: config)) { base in
            try await cli.run(args + ["--db", "l.sqlite", "--endpoint", base, "--strict"], environment: tokenEnv())
        }
        #expect(r.status == 65, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        for needle in ["offset 196", "job 54", liar, "duration", "expected a number, got string"] {
            #expect(r.stderr.contains(needle), "\(needle) missing from: \(r.stderr)")
        }
        #expect(!r.stderr.contains(FetchTests.token))
        let db = cli.path("l.sqlite")
        let quoted = pageIds.map { "'\($0)'" }.joined(separator: ",") // generated ids are hex
        #expect(pageIds.count == 96)
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id IN (\(quoted))") == 0, "no job of the bad page may be stored")
        let stored = Set(try strings(db, "SELECT job_id FROM jobs"))
        let index = Dictionary(uniqueKeysWithValues: jobs.enumerated().map { ($1["job_id"]!.stringValue!, $0) })
        let wholePages = stride(from: 0, to: 1000, by: 98).map { Set(jobs[$0 ..< min(1000, $0 + 100)].map { $0["job_id"]!.stringValue! }) }
            .filter { $0.isSubset(of: stored) }
        #expect(stored == wholePages.reduce(Set()) { $0.union($1) }, "only whole pages are stored: \(stored.map { index[$0]! }.sorted())")
        #expect(try strings(db, "SELECT outcome FROM sync_runs") == ["failed"])

        jobs[250]["duration"] = .number("86400")
        let again = try await withSimulator(MetaStudioSimulator(jobs: jobs, config: config)) { base in
            try await cli.run(args + ["--db", "l.sqlite", "--endpoint", base, "--strict"], environment: tokenEnv())
        }
        #expect(again.status == 0, "\(again.stderr) \(again.stdout)")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 1000)
    }

    @Test func theAdaptiveRateGetsEveryPageThroughAThrottle() async throws {
        var config = SimulatorConfig()
        config.throttlePerSecond = 5
        let sim = MetaStudioSimulator(generated: 2500, seed: 8, config: config)
        let cli = CLI()
        let (r, stats) = try await withSimulator(sim) { base in
            (try await cli.run(["fetch", "--db", "t.sqlite", "--endpoint", base, "--project-id", FetchTests.project], environment: tokenEnv()), sim.stats)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try count(cli.path("t.sqlite"), "SELECT count(*) FROM jobs") == 2500)
        #expect(stats.throttled > 0, "the default rate of 20/s must meet the 5/s throttle")
        #expect(stats.throttled * 4 < stats.ok, "\(stats)")
    }

    /// Four months before now: generated jobs then end now, so their unfinished ones are live, not stale.
    static var recentStart: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: -4, to: Date())!
    }

    @Test func theNextFetchIsIncrementalAndReadsUnfinishedJobsAgain() async throws {
        var config = SimulatorConfig()
        config.finishProcessingBetweenScans = true
        let sim = MetaStudioSimulator(generated: 1500, seed: 9, start: FetchTests.recentStart, config: config)
        let cli = CLI()
        let db = cli.path("i.sqlite")
        let (first, second, requestsFirst, requestsSecond) = try await withSimulator(sim) { base -> (CLI.Result, CLI.Result, Int, Int) in
            let args = ["fetch", "--db", "i.sqlite", "--endpoint", base, "--project-id", FetchTests.project]
            let first = try await cli.run(args, environment: tokenEnv())
            let afterFirst = sim.stats.requests
            let unfinished = try count(db, "SELECT count(*) FROM jobs WHERE state IN ('WAITING', 'PROCESSING')")
            #expect(unfinished > 0)
            let second = try await cli.run(args, environment: tokenEnv())
            return (first, second, afterFirst, sim.stats.requests - afterFirst)
        }
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(second.stdout.contains("since "), "\(second.stdout)")
        #expect(requestsSecond < requestsFirst / 2)
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE state IN ('WAITING', 'PROCESSING')") == 0)
        #expect(try count(db, "SELECT count(*) FROM sync_runs WHERE mode = 'incremental' AND create_since IS NOT NULL AND outcome = 'succeeded'") == 1)
        #expect(try count(db, "SELECT count(*) FROM jobs") == 1500)
    }

    /// With a token, a first full scan asks for a whole round of pages before any count is known
    /// (a round trip saved; the pages past the end come back empty); the next full scan asks for as
    /// many as the last one counted. With AK/SK the first page always goes alone.
    @Test func aFirstRoundOfPagesGoesOutBeforeTheCountIsKnownOnlyWithAToken() async throws {
        var tokenConfig = SimulatorConfig()
        tokenConfig.auth = .token(FetchTests.token)
        let tokenSim = MetaStudioSimulator(generated: 250, seed: 12, config: tokenConfig)
        let cli = CLI()
        let args = ["--endpoint", "", "--project-id", FetchTests.project, "--full", "--concurrency", "8", "--rate", "0"]
        let (first, second, requestsFirst, requestsSecond) = try await withSimulator(tokenSim) { base -> (CLI.Result, CLI.Result, Int, Int) in
            var a = args
            a[1] = base
            let first = try await cli.run(["fetch", "--db", "r.sqlite"] + a, environment: tokenEnv())
            let afterFirst = tokenSim.stats.requests
            let second = try await cli.run(["fetch", "--db", "r.sqlite"] + a, environment: tokenEnv())
            return (first, second, afterFirst, tokenSim.stats.requests - afterFirst)
        }
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(requestsFirst == 8, "8 pages at once, 5 of them past the 250 jobs")
        #expect(requestsSecond == 3, "the last full scan counted 250 jobs: 3 pages")
        #expect(try count(cli.path("r.sqlite"), "SELECT count(*) FROM jobs") == 250)
        #expect(try count(cli.path("r.sqlite"), "SELECT count(*) FROM sync_runs WHERE outcome = 'succeeded' AND jobs = 250 AND expected_count = 250") == 2)

        var akskConfig = SimulatorConfig()
        akskConfig.auth = .aksk(ak: FetchTests.ak, sk: FetchTests.sk)
        let akskSim = MetaStudioSimulator(generated: 250, seed: 12, config: akskConfig)
        let env = ["HUAWEICLOUD_SDK_AK": FetchTests.ak, "HUAWEICLOUD_SDK_SK": FetchTests.sk]
        let (aksk, requestsAKSK) = try await withSimulator(akskSim) { base -> (CLI.Result, Int) in
            var a = args
            a[1] = base
            return (try await cli.run(["fetch", "--db", "k.sqlite"] + a, environment: env), akskSim.stats.requests)
        }
        #expect(aksk.status == 0, "\(aksk.stderr)")
        #expect(requestsAKSK == 3, "the first page alone, then the 2 its count asks for")
        #expect(try count(cli.path("k.sqlite"), "SELECT count(*) FROM jobs") == 250)
    }

    @Test func statesAndWindowFiltersReachTheAPI() async throws {
        let sim = MetaStudioSimulator(generated: 1000, seed: 10, config: SimulatorConfig())
        let cli = CLI()
        let r = try await withSimulator(sim) { base in
            try await cli.run(["fetch", "--db", "s.sqlite", "--endpoint", base, "--project-id", FetchTests.project,
                         "--state", "FAILED,BLOCKED", "--since", "2026-09-01T00:00:00Z", "--until", "2026-09-30T23:59:59Z"], environment: tokenEnv())
        }
        #expect(r.status == 0, "\(r.stderr)")
        let db = cli.path("s.sqlite")
        #expect(try count(db, "SELECT count(*) FROM jobs") > 0)
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE state NOT IN ('FAILED', 'BLOCKED') OR create_time < '2026-09-01' OR create_time > '2026-09-30T23:59:59Z'") == 0)
    }

    @Test func ctrlCKeepsEveryReceivedPageAndTheNextFetchFinishes() async throws {
        var config = SimulatorConfig()
        config.latency = 0.05
        let sim = MetaStudioSimulator(generated: 3000, seed: 12, config: config)
        let cli = CLI()
        let db = cli.path("c.sqlite")
        try await withSimulator(sim) { base in
            let args = ["fetch", "--db", "c.sqlite", "--endpoint", base, "--project-id", FetchTests.project, "--concurrency", "1", "--rate", "5"]
            for signal in [SIGINT, SIGKILL] {
                let process = try cli.start(args, environment: tokenEnv())
                _ = try await waitUntil(timeout: 60) { ((try? count(db, "SELECT count(*) FROM jobs")) ?? 0) >= 200 || !process.isRunning }
                process.send(signal)
                let end = try await process.wait()
                #expect(end.status == (signal == SIGINT ? 130 : SIGKILL), "signal \(signal): \(end.stderr)")
                let kept = try count(db, "SELECT count(*) FROM jobs")
                #expect(kept >= 200 && kept < 3000)
                #expect(try strings(db, "PRAGMA integrity_check") == ["ok"])
            }
            #expect(try count(db, "SELECT count(*) FROM sync_runs WHERE outcome = 'interrupted'") == 1)
            let finish = try await cli.run(["fetch", "--db", "c.sqlite", "--endpoint", base, "--project-id", FetchTests.project, "--rate", "0"], environment: tokenEnv())
            #expect(finish.status == 0, "\(finish.stderr)")
        }
        #expect(try count(db, "SELECT count(*) FROM jobs") == 3000)
    }

    @Test func badSetupsFailWithOneClearLine() async throws {
        let cli = CLI()
        let cases: [(args: [String], env: [String: String], code: Int32, needle: String)] = [
            (["fetch", "--endpoint", "http://example.com", "--project-id", "p"], tokenEnv(), 1, "plain http"),
            (["fetch", "--endpoint", "http://127.0.0.1:9", "--project-id", "p"], [:], 1, "no credentials"),
            (["fetch", "--endpoint", "http://127.0.0.1:9"], tokenEnv(), 1, "no project id"),
            (["fetch", "--endpoint", "http://127.0.0.1:9", "--project-id", "p", "--concurrency", "0"], tokenEnv(), 64, "--concurrency"),
            (["fetch", "--endpoint", "http://127.0.0.1:9", "--project-id", "p", "--since", "yesterday"], tokenEnv(), 64, "RFC 3339"),
            (["fetch", "--project-id", "p"], tokenEnv(), 64, "--region"),
            (["fetch", "--endpoint", "http://127.0.0.1:9", "--project-id", "p", "--timeout", "2"], tokenEnv(), 1, "connect"),
        ]
        for c in cases {
            let r = try await cli.run(c.args + ["--db", "b.sqlite"], environment: c.env.merging(["HOME": cli.workDir.path]) { a, _ in a })
            #expect(r.status == c.code, "\(c.args): \(r.status) \(r.stderr)")
            #expect(r.stderr.lowercased().contains(c.needle.lowercased()), "\(c.args): \(r.stderr)")
            if c.code == 1 { #expect(r.stderr.split(separator: "\n").count == 1, "\(c.args): \(r.stderr)") }
            #expect(!r.stderr.contains(FetchTests.token))
        }
    }
}
