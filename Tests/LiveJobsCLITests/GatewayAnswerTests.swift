import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// What a gateway in front of the API can answer that a hostile review found badly handled: a 429
/// with a huge Retry-After that held a fetch silently for twenty minutes, request ids of kilobytes
/// stored whole, and a redirect reported without where it points.
@Suite(.serialized, .timeLimit(.minutes(3))) struct GatewayAnswerTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let token = "TOKEN-gateway-91b3"

    func fetch(_ cli: CLI, db: String, config: SimulatorConfig, _ extra: [String] = [], timeout: Double = 120) async throws -> CLI.Result {
        try await withSimulator(MetaStudioSimulator(generated: 300, seed: 9, config: config)) { base in
            try await cli.run(["fetch", "--db", db, "--endpoint", base, "--project-id", Self.project, "--rate", "0"] + extra,
                              environment: ["METASTUDIO_AUTH_TOKEN": Self.token], timeout: timeout)
        }
    }

    func lastRun(_ db: String) throws -> Row {
        try DatabaseQueue(path: db).read { try #require(try Row.fetchOne($0, sql: "SELECT * FROM sync_runs ORDER BY id DESC LIMIT 1")) }
    }

    /// A gateway answering every request 429 with a long Retry-After: the wait is announced in one
    /// line, and the page fails once its waits would pass the bound, not after 20 × 60 s: each page
    /// is asked for at most twice (a 6 s wait fits in 10 s, a second one does not). The harness's
    /// 90 s limit fails a fetch that waits on.
    @Test func aLongRetryAfterIsAnnouncedAndBoundedPerPage() async throws {
        var config = SimulatorConfig()
        config.refusal = .init(status: 429, body: Array(#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}"#.utf8),
                               headers: [.init("Retry-After", "6")])
        let cli = CLI()
        let sim = MetaStudioSimulator(generated: 300, seed: 9, config: config)
        let r = try await withSimulator(sim) { base in
            try await cli.run(["fetch", "--db", "w.sqlite", "--endpoint", base, "--project-id", Self.project, "--rate", "0",
                               "--concurrency", "4", "--max-page-wait", "10"],
                              environment: ["METASTUDIO_AUTH_TOKEN": Self.token], timeout: 90)
        }
        #expect(r.status == 1, "\(r.stderr)")
        let requests = sim.stats.requests
        #expect(requests >= 2 && requests <= 2 * 4, "\(requests) requests for at most 4 pages in flight")
        let lines = r.stderr.split(separator: "\n")
        let notices = lines.filter { $0.contains("asks to wait 6 s (its Retry-After)") }
        // Four pages held by one throttle at once make one notice, not four.
        #expect(notices.count == 1, "\(r.stderr)")
        #expect(notices.first?.contains("HTTP 429") == true && notices.first?.contains("at most 10 s") == true)
        let errors = lines.filter { $0.hasPrefix("livejobs fetch: error: ") }
        #expect(errors.count == 1 && errors[0].contains("HTTP 429 APIGW.0308") && errors[0].contains("gave up on the page after waiting 6 s"),
                "\(r.stderr)")
        #expect(!r.stderr.contains(Self.token))
        let run = try lastRun(cli.path("w.sqlite"))
        #expect(run["outcome"] as String == "failed")
        let ids: String = try #require(run["failed_request_ids"])
        // Every answer of the simulator carries an X-Request-Id, and the error line names it.
        let errorLine = String(errors.first ?? "")
        let range = try #require(errorLine.range(of: "X-Request-Id "), "\(errorLine)")
        let id = errorLine[range.upperBound...].prefix { $0 != ")" }
        #expect(!id.isEmpty && id != "none" && ids.contains(String(id)), "\(ids) lacks \(id)")
    }

    /// A throttle with ordinary Retry-After values (1 s) fetches as before, without any notice.
    @Test func ordinaryThrottlingIsNotAnnounced() async throws {
        var config = SimulatorConfig()
        config.throttlePerSecond = 10
        config.sendRetryAfter = true
        let cli = CLI()
        let r = try await fetch(cli, db: "t.sqlite", config: config)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("asks to wait") && !r.stderr.contains("backing off"), "\(r.stderr)")
        #expect(try count(cli.path("t.sqlite"), "SELECT count(*) FROM jobs") == 300)
    }

    /// X-Request-Ids of 5,000 characters made one sync_runs row 105 KB: each is kept cut to 128
    /// characters, and how many failed is counted even past the ids kept.
    @Test func hugeRequestIdsAreStoredCutAndCounted() async throws {
        var config = SimulatorConfig()
        config.refusal = .init(status: 503, body: Array(#"{"error_code":"APIGW.0201","error_msg":"busy"}"#.utf8),
                               headers: [.init("X-Request-Id", String(repeating: "r", count: 5_000))])
        let cli = CLI()
        let r = try await fetch(cli, db: "i.sqlite", config: config, ["--json"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.count < 2_000, "\(r.stderr.count) bytes of error")
        let run = try lastRun(cli.path("i.sqlite"))
        let text: String = try #require(run["failed_request_ids"])
        let ids = try #require(try JSONParser.parse(Array(text.utf8)).arrayValue).compactMap(\.stringValue)
        let cut = String(repeating: "r", count: ScanResult.requestIdLimit) + "… (4872 more characters)"
        #expect(!ids.isEmpty && ids.allSatisfy { $0 == cut }, "\(ids.map(\.count))")
        #expect(text.utf8.count < 50 * 140, "\(text.utf8.count) bytes")
        let failed: Int = run["failed_requests"]
        #expect(failed >= ids.count && failed >= RetryPolicy().maxAttempts, "\(failed) failed, \(ids.count) kept")
        let summary = try #require(try JSONParser.parse(Array(r.stdout.utf8)).objectValue, "\(r.stdout)")
        #expect(summary["failed_requests"] == .number("\(failed)"))
    }

    /// A 302 said only `HTTP 302 (X-Request-Id none)`: it now says where it redirects, with the
    /// Location's credentials and query left out.
    @Test func aRedirectSaysWhereItPointsWithoutCredentials() async throws {
        var config = SimulatorConfig()
        config.refusal = .init(status: 302, body: [],
                               headers: [.init("Location", "https://user:pa55word@login.example.com/sso/start?ticket=SECRET-T#frag")])
        let cli = CLI()
        let r = try await fetch(cli, db: "l.sqlite", config: config)
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("HTTP 302") && lines[0].contains("redirecting to https://login.example.com/sso/start"),
                "\(r.stderr)")
        for secret in ["pa55word", "SECRET-T", "ticket", "frag", Self.token] { #expect(!r.stderr.contains(secret)) }
        let message: String = try #require(try lastRun(cli.path("l.sqlite"))["message"])
        #expect(message.contains("redirecting to https://login.example.com/sso/start") && !message.contains("pa55word"))
    }

    /// `Retry-After: 100000` was announced as "asks to wait 60 s (its Retry-After)", after an empty
    /// line even in a file: the notice says what the server asked and that livejobs caps it, on one
    /// line of its own, and so does the final line.
    @Test(.timeLimit(.minutes(3))) func aCappedRetryAfterSaysWhatTheServerAsked() async throws {
        var config = SimulatorConfig()
        config.refusal = .init(status: 429, body: Array(#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#.utf8),
                               headers: [.init("Retry-After", "100000")])
        let cli = CLI()
        let r = try await fetch(cli, db: "c.sqlite", config: config, ["--max-page-wait", "61", "--sequential"], timeout: 150)
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(!lines.contains(""), "an empty line in \(r.stderr.debugDescription)")
        let notices = lines.filter { $0.contains("asks to wait") }
        #expect(notices.count == 1 && notices[0].contains("asks to wait 100000 s (its Retry-After; livejobs waits at most 60 s at a time)"),
                "\(r.stderr)")
        let errors = lines.filter { $0.hasPrefix("livejobs fetch: error: ") }
        #expect(errors.count == 1 && errors[0].contains("the server's Retry-After asks for 100000 s, livejobs waits at most 60 s at a time"),
                "\(r.stderr)")
        #expect(!r.stderr.contains("60 s (its Retry-After)") && !r.stderr.contains("(60 s, the server's Retry-After)"))
    }

    /// A response with 200 KB of headers failed as `other error (curl 27): Out of memory`: it now
    /// says that the server's response headers are too large, and names the page. (A NUL byte in a
    /// header, `curl 8`, is worded alike, but the libcurl this runs on may take such a header.)
    @Test func oversizedHeadersAreSaidInPlainWords() async throws {
        for (header, words) in [(String(repeating: "h", count: 200_000), "response headers are too large")] {
            var config = SimulatorConfig()
            config.refusal = .init(status: 302, body: [], headers: [.init("X-Request-Id", header)])
            let cli = CLI()
            let r = try await fetch(cli, db: "h.sqlite", config: config)
            #expect(r.status == 1, "\(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(words) && lines[0].contains("/smart-live-jobs (offset "),
                    "\(r.stderr.prefix(600))")
            #expect(!r.stderr.contains("Out of memory") && r.stderr.count < 2_000)
        }
    }
}
