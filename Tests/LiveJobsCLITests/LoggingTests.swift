import Foundation
import MetaStudio
import MetaStudioSimulator
import Testing

/// What the real binary writes on stderr at each log level: nothing but its result at the default
/// level, the fetch's retries, rate changes and re-reads with `-v`, one line per event with its
/// metadata, never a secret, never a raw control character.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LoggingTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let token = "TOKEN-logging-3e8f0a"
    static let ak = "AKLOGGINGTEST01"
    static let sk = "SK-logging-secret-61c2d9"
    static let securityToken = "STS-logging-temporary-0b7e44"

    /// `2026-12-01T05:25:00.123Z info livejobs.fetch.pager: ...`: the level and label of a log line.
    func levelAndLabel(_ line: Substring) -> (level: String, label: String)? {
        let words = line.split(separator: " ", maxSplits: 3)
        guard words.count >= 3, RFC3339.parse(String(words[0])) != nil, words[2].hasSuffix(":") else { return nil }
        return (String(words[1]), String(words[2].dropLast()))
    }

    func lines(_ text: String, containing needle: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains(needle) }
    }

    @Test func aReportInANewTimeZonePrintsNothingOnStderrAtTheDefaultLevel() async throws {
        let cli = CLI()
        #expect(try await cli.run(["import", "--db", "r.sqlite"] + CLI.samplePages.prefix(3)).status == 0)
        let quiet = try await cli.run(["report", "--db", "r.sqlite", "--tz", "Asia/Shanghai", "--out", "sh"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.hasPrefix("wrote the "))
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        // -v shows what had to be done again: a report has nothing of the kind.
        let verbose = try await cli.run(["report", "--db", "r.sqlite", "--tz", "America/Chicago", "--out", "ch", "-v"])
        #expect(verbose.status == 0 && verbose.stderr.isEmpty, "\(verbose.stderr)")
        // The store does log the new zone's rows, at debug: the quiet runs above were quiet by level.
        let debug = try await cli.run(["report", "--db", "r.sqlite", "--tz", "Europe/Paris", "--out", "pa", "--log-level", "debug"])
        #expect(debug.status == 0, "\(debug.stderr)")
        let computed = lines(debug.stderr, containing: "computing per-day usage")
        #expect(computed.count == 1 && computed[0].contains(" tz=Europe/Paris"), "\(debug.stderr)")
        #expect(levelAndLabel(computed[0])?.level == "debug" && levelAndLabel(computed[0])?.label == "livejobs.store")
        #expect(debug.stdout.hasPrefix("wrote the ") && debug.stdout.split(separator: "\n").count == 1)
    }

    @Test func aVerboseFetchLogsEachRetryRateChangeAndRereadOnOneLine() async throws {
        var config = SimulatorConfig()
        config.auth = .token(Self.token)
        config.throttlePerSecond = 3
        config.serverErrorRate = 0.3
        config.deleteDuringScan = 5
        config.seed = 21
        let sim = MetaStudioSimulator(generated: 1500, seed: 8, config: config)
        let cli = CLI()
        let (r, stats) = try await withSimulator(sim) { base in
            (try await cli.run(["fetch", "--db", "v.sqlite", "--endpoint", base, "--project-id", Self.project, "--json", "-v"],
                               environment: ["METASTUDIO_AUTH_TOKEN": Self.token]), sim.stats)
        }
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue)
        #expect(stats.throttled > 0 && stats.serverErrors > 0, "\(stats)")
        // One line per answer asked again, with what it was answered.
        let throttled = lines(r.stderr, containing: "page throttled (HTTP 429)")
        #expect(throttled.count == stats.throttled, "\(r.stderr)")
        #expect(throttled.allSatisfy { $0.contains(" http.status=429 ") && $0.contains(" page.offset=") && $0.contains(" attempt=") })
        let failed = lines(r.stderr, containing: "page failed")
        #expect(failed.count == stats.serverErrors, "\(r.stderr)")
        #expect(failed.allSatisfy { $0.contains(" http.status=5") && $0.contains(" request.id=") })
        #expect(summary["retries"] == .number("\(stats.throttled + stats.serverErrors)"))
        // The adaptive rate drops below the limit the gateway states, and says so.
        let lowered = lines(r.stderr, containing: "request rate lowered")
        #expect(!lowered.isEmpty && lowered.allSatisfy { $0.hasSuffix(" rate.stated=3.00") && $0.contains(" rate.now=") })
        // Jobs deleted under the scan: each page read again is a line, with why.
        let rereads = lines(r.stderr, containing: "page read again")
        #expect(summary["rereads"] == .number("\(rereads.count)") && !rereads.isEmpty)
        #expect(rereads.allSatisfy { $0.contains(" reread.reason=") })
        // Every line is a log line at info (or the notice of a long wait), none at debug.
        for line in r.stderr.split(separator: "\n") {
            let parsed = levelAndLabel(line)
            #expect(parsed?.level == "info" || line.hasPrefix("livejobs fetch: "), "\(line)")
            #expect(parsed.map { $0.label.hasPrefix("livejobs.fetch.") } ?? true, "\(line)")
        }
    }

    @Test func theSameFetchAtTheDefaultLevelPrintsOnlyItsResult() async throws {
        var config = SimulatorConfig()
        config.auth = .token(Self.token)
        config.throttlePerSecond = 3
        config.deleteDuringScan = 5
        config.seed = 22
        let sim = MetaStudioSimulator(generated: 1500, seed: 8, config: config)
        let cli = CLI()
        let (r, stats) = try await withSimulator(sim) { base in
            (try await cli.run(["fetch", "--db", "d.sqlite", "--endpoint", base, "--project-id", Self.project],
                               environment: ["METASTUDIO_AUTH_TOKEN": Self.token]), sim.stats)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(stats.throttled > 0, "the fetch was throttled, and retried, without a word")
        #expect(r.stdout.hasPrefix("fetch succeeded: ") && r.stdout.split(separator: "\n").count == 1)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test func noSecretReachesStderrAtTheMostVerboseLevel() async throws {
        var config = SimulatorConfig()
        config.auth = .tokenOrAKSK(token: Self.token, ak: Self.ak, sk: Self.sk)
        config.throttlePerSecond = 3
        config.serverErrorRate = 0.2
        config.seed = 23
        let sim = MetaStudioSimulator(generated: 1200, seed: 9, config: config)
        let cli = CLI()
        let aksk = ["HUAWEICLOUD_SDK_AK": Self.ak, "HUAWEICLOUD_SDK_SK": Self.sk, "HUAWEICLOUD_SDK_SECURITY_TOKEN": Self.securityToken]
        let runs = try await withSimulator(sim) { base -> [CLI.Result] in
            let args = ["fetch", "--endpoint", base, "--project-id", Self.project, "--log-level", "trace", "--full"]
            return [try await cli.run(args + ["--db", "k.sqlite"], environment: aksk),
                    try await cli.run(args + ["--db", "t.sqlite"], environment: ["METASTUDIO_AUTH_TOKEN": Self.token])]
        }
        for r in runs {
            #expect(r.status == 0, "\(r.stderr)")
            // Every kind of line was written: requests, answers, errors, retries.
            for needle in [" trace livejobs.http: request sent ", " trace livejobs.http: answer received ",
                           " debug livejobs.http: error answer ", " info livejobs.fetch.pager: page ", " debug livejobs.store: "] {
                #expect(r.stderr.contains(needle), "\(needle) missing")
            }
            for secret in [Self.ak, Self.sk, Self.securityToken, Self.token, "Signature=", "SDK-HMAC-SHA256", "X-Auth-Token",
                           "Authorization", "X-Security-Token"] {
                #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret), "\(secret) on stderr")
            }
            // An SDK-HMAC-SHA256 signature is 64 hex digits; no such run is on any line.
            #expect(r.stderr.firstMatch(of: #/[0-9a-f]{64}/#) == nil)
            // URLs are shown as in every message: without their query (docs/SECRETS.md, section 3).
            #expect(r.stderr.contains(" url=http://127.0.0.1:") && !r.stderr.contains("smart-live-jobs?"))
        }
    }

    @Test func serverTextInALogLineIsMadeSafeForTheTerminal() async throws {
        var config = SimulatorConfig()
        config.auth = .token(Self.token)
        config.refusal = .init(status: 429, body: Array(#"{"error_code":"APIGW.0308","error_msg":"slow \u001b[2J down\nnow"}"#.utf8),
                               headers: [.init("Retry-After", "0")])
        let cli = CLI()
        let r = try await withSimulator(MetaStudioSimulator(generated: 50, seed: 3, config: config)) { base in
            try await cli.run(["fetch", "--db", "e.sqlite", "--endpoint", base, "--project-id", Self.project, "-v",
                               "--concurrency", "1"], environment: ["METASTUDIO_AUTH_TOKEN": Self.token])
        }
        #expect(r.status == 1)
        let retries = lines(r.stderr, containing: "page throttled (HTTP 429)")
        #expect(retries.count == RetryPolicy().maxThrottledAttempts - 1, "\(r.stderr)")
        #expect(retries.allSatisfy { $0.contains(#"error.message="slow \u{1B}[2J down ⏎ now""#) }, "\(r.stderr)")
        #expect(!r.stderr.contains("\u{1B}"))
        // One line per event; the one line that is not a log line is the error.
        let other = r.stderr.split(separator: "\n").filter { levelAndLabel($0) == nil }
        #expect(other.count == 1 && other[0].hasPrefix("livejobs fetch: error: HTTP 429 APIGW.0308: slow \\u{1B}[2J"), "\(r.stderr)")
    }

    @Test func theLogLevelIsOneOfSwiftLogsAndVerboseIsInfo() async throws {
        let cli = CLI()
        let cases: [(args: [String], needle: String)] = [
            (["report", "--log-level", "loud"], "livejobs report: error: The value 'loud' is invalid for '--log-level <level>'"),
            (["report", "-v", "--log-level", "debug"], "-v/--verbose is --log-level info"),
            (["zones", "-vv"], "--verbose was given twice"),
            (["zones", "-v", "--verbose"], "--verbose was given twice"),
            (["import", "--log-level", "info", "--log-level", "debug", "x"], "--log-level was given twice"),
        ]
        for c in cases {
            let r = try await cli.run(c.args)
            #expect(r.status == 64, "\(c.args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(c.needle) && r.stderr.split(separator: "\n").count == 1, "\(c.args): \(r.stderr)")
        }
        for level in ["trace", "debug", "info", "notice", "warning", "error", "critical"] {
            let r = try await cli.run(["import", "--db", "l.sqlite", "--log-level", level, cli.write("j.jsonl", #"{"job_id":"a"}"#)])
            #expect(r.status == 0, "\(level): \(r.stderr)")
            #expect(r.stderr.contains(" debug livejobs.store: file imported ") == ["trace", "debug"].contains(level), "\(level): \(r.stderr)")
        }
        // -v and --log-level info say the same thing, so both together are not a contradiction.
        let both = try await cli.run(["import", "--db", "l.sqlite", "-v", "--log-level", "info", cli.write("k.jsonl", #"{"job_id":"b"}"#)])
        #expect(both.status == 0, "\(both.stderr)")
    }
}
