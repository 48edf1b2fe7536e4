import Foundation
import GRDB
import MetaStudio
import MetaStudioSimulator
import Testing

/// What a user types is what runs, or is refused in one line; output that cannot be written, and runs
/// that fail, are handled like input. All through the real binary.
@Suite(.serialized, .timeLimit(.minutes(5))) struct UserInputTests {
    func job(_ id: String, start: String = "2026-10-05T10:00:00Z") -> String {
        #"{"job_id":"\#(id)","room_id":"r1","room_name":"Room One","state":"SUCCEED","start_time":"\#(start)","duration":3600,"stream_duration":3000,"create_time":"\#(start)","lastupdate_time":"\#(start)"}"#
    }

    func database(_ cli: CLI) async throws -> String {
        let file = cli.write("p.jsonl", [job("a"), job("b", start: "2026-10-31T20:00:00Z")].joined(separator: "\n"))
        let r = try await cli.run(["import", "--db", "u.sqlite", file])
        #expect(r.status == 0, "\(r.stderr)")
        return cli.path("u.sqlite")
    }

    /// Time zones are IANA names. `CST` (US Central to the platform, China Standard Time to a user in
    /// China), legacy aliases, offsets in any spelling and misspellings are refused with one line that
    /// names what they may mean; nothing is computed or stored for them.
    @Test func surprisingTimeZoneNamesAreRefusedWithWhatTheyMayMean() async throws {
        let cli = CLI()
        let db = try await database(cli)
        let cases: [(tz: String, needles: [String])] = [
            ("CST", ["abbreviation", "Asia/Shanghai for China Standard Time", "America/Chicago for US Central Time"]),
            ("cst", ["abbreviation", "Asia/Shanghai"]),
            ("IST", ["Asia/Kolkata", "Europe/Dublin"]),
            ("PRC", ["legacy alias", "use Asia/Shanghai"]),
            ("JST", ["use Asia/Tokyo"]),
            ("GMT+8", ["offset", "UTC+8", "Asia/Shanghai"]),
            ("UTC+08:00", ["offset", "UTC+8"]),
            ("+0530", ["offset", "UTC+5:30", "Asia/Kolkata"]),
            ("Etc/GMT-8", ["inverted", "UTC+8", "Asia/Shanghai"]),
            ("Etc/GMT+5", ["inverted", "UTC−5"]),
            // No city keeps UTC−12: nothing is suggested as if it were UTC−12.
            ("Etc/GMT+12", ["inverted", "UTC−12", "no city's zone is at UTC−12 today"]),
            ("Z", ["an abbreviation, not an IANA name", "use an IANA name: UTC"]),
            ("Asia/Shangai", ["did you mean Asia/Shanghai?"]),
            ("asia/shanghai", ["did you mean Asia/Shanghai?"]),
            ("Shanghai", ["did you mean Asia/Shanghai?"]),
            ("GMT", ["UTC"]),
            ("Mars/Olympus", ["unknown time zone"]),
            ("Asia/Shanghai\u{1B}[2J", ["unknown time zone", "\\u{1B}[2J"]),
        ]
        for c in cases {
            for command in [["report", "--db", "u.sqlite", "--month", "2026-10"], ["compare", "--db", "u.sqlite", "r1", "--month", "2026-10"]] {
                let r = try await cli.run(command + ["--tz", c.tz])
                #expect(r.status == 64, "\(command[0]) --tz \(c.tz): \(r.status) \(r.stderr)")
                let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
                for needle in c.needles { #expect(line.contains(needle), "--tz \(c.tz): \(line)") }
                #expect(!r.stderr.unicodeScalars.contains { $0.value == 0x1B })
            }
        }
        let query = try await cli.run(["query", "monthly_trend", "--db", "u.sqlite", "--param", "month=2026-10", "--param", "tz=CST"])
        #expect(query.status == 64, "a bad --param value is a bad flag, as --tz CST is: \(query.status)")
        #expect(query.stderr.contains("parameter 'tz': 'CST' is an abbreviation"), "\(query.stderr)")
        #expect(try strings(db, "SELECT tz FROM usage_zones") == ["UTC"], "a refused zone must not be computed")
        // IANA names and UTC work, including Etc/UTC, which is stored as UTC.
        for tz in ["Asia/Shanghai", "America/Chicago", "UTC", "Etc/UTC"] {
            let r = try await cli.run(["report", "--db", "u.sqlite", "--month", "2026-10", "--tz", tz, "--out", "r-\(tz.replacingOccurrences(of: "/", with: "-"))"])
            #expect(r.status == 0, "\(tz): \(r.stderr)")
        }
        #expect(try strings(db, "SELECT tz FROM usage_zones ORDER BY tz") == ["America/Chicago", "Asia/Shanghai", "UTC"])
    }

    /// A zone asked for once by mistake is kept current by every later import; `zones --drop` ends that.
    @Test func aZoneUsedByMistakeCanBeDropped() async throws {
        let cli = CLI()
        let db = try await database(cli)
        #expect(try await cli.run(["report", "--db", "u.sqlite", "--month", "2026-10", "--tz", "America/Chicago"]).status == 0)
        let listed = try await cli.run(["zones", "--db", "u.sqlite"])
        #expect(listed.status == 0 && listed.stdout.contains("America/Chicago") && listed.stdout.contains("UTC"), "\(listed.stdout)")
        let dropped = try await cli.run(["zones", "--db", "u.sqlite", "--drop", "America/Chicago"])
        #expect(dropped.status == 0, "\(dropped.stderr)")
        #expect(dropped.stdout.contains("dropped time zone America/Chicago"))
        _ = try await cli.run(["import", "--db", "u.sqlite", cli.write("q.jsonl", job("c"))])
        #expect(try strings(db, "SELECT DISTINCT tz FROM job_day_usage") == ["UTC"])
        #expect(try strings(db, "SELECT tz FROM usage_zones") == ["UTC"])
        let utc = try await cli.run(["zones", "--db", "u.sqlite", "--drop", "UTC"])
        #expect(utc.status == 64 && utc.stderr.contains("UTC is always kept"), "\(utc.stderr)")
        let unknown = try await cli.run(["zones", "--db", "u.sqlite", "--drop", "Europe/Paris"])
        #expect(unknown.status == 64 && unknown.stderr == "livejobs zones: error: --drop Europe/Paris: no such time zone is kept in u.sqlite (kept: UTC)\n", "\(unknown.stderr)")
    }

    /// An option that cannot apply to what was asked is refused in one line, never ignored; so is a
    /// single-value option given twice (the last one used to win silently).
    @Test func optionsThatCannotApplyOrAreGivenTwiceAreRefused() async throws {
        let cli = CLI()
        _ = try await database(cli)
        let cases: [(args: [String], needle: String)] = [
            (["query", "monthly_trend", "--param", "month=2026-10", "--excel"], "--excel applies only to --format csv"),
            (["query", "monthly_trend", "--param", "month=2026-10", "--excel", "--format", "json"], "--excel applies only to --format csv"),
            (["compare", "r1", "--excel"], "--excel applies only to --format csv"),
            (["compare", "r1", "--tz", "Asia/Shanghai"], "--tz applies only with --month"),
            (["report", "--month", "2026-10", "--month", "2026-11"], "--month was given twice"),
            (["report", "--month=2026-10", "--month", "2026-11"], "--month was given twice"),
            (["report", "--tz", "UTC", "--tz", "Asia/Shanghai"], "--tz was given twice"),
            (["compare", "r1", "--month", "2026-10", "--format", "csv", "--format", "json"], "--format was given twice"),
            (["query", "--list", "monthly_trend"], "--list lists the queries"),
            (["query", "--list", "--param", "month=2026-10"], "--param applies to running a query"),
            (["fetch", "--endpoint", "http://127.0.0.1:9", "--project-id", "p", "--full", "--since", "2026-11-01T00:00:00Z"],
             "--full rescans every job; --since asks for a window"),
        ]
        for c in cases {
            let r = try await cli.run(c.args + ["--db", "u.sqlite"], environment: ["METASTUDIO_AUTH_TOKEN": "t"])
            #expect(r.status == 64, "\(c.args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(c.needle), "\(c.args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(c.args): \(r.stdout)")
        }
        #expect(!FileManager.default.fileExists(atPath: cli.path("reports")), "a refused report writes nothing")
        // Options that take many values still take them.
        let params = try await cli.run(["query", "monthly_trend", "--db", "u.sqlite", "--param", "month=2026-10", "--param", "tz=UTC"])
        #expect(params.status == 0, "\(params.stderr)")
    }

    /// Output that cannot be written is one error line, never a trap; a reader that goes away ends
    /// the command quietly, as the shell's own tools end.
    @Test func outputThatCannotBeWrittenIsOneLineAndAClosedPipeIsQuiet() async throws {
        let cli = CLI()
        _ = try await database(cli)
        let binary = CLI.binary("livejobs")
        for command in ["query monthly_trend --param month=2026-10 --format csv", "query --list", "compare r1",
                        "report --month 2026-10 --out full-report", "import \(cli.write("z.jsonl", job("z")))"] {
            let r = try await cli.run(["-c", "\"$0\" \(command) --db u.sqlite > /dev/full", binary], binary: "/bin/bash")
            #expect(r.status == 1, "\(command): \(r.status) \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("cannot write to standard output: No space left on device"), "\(command): \(r.stderr)")
        }
        #expect(try strings(cli.path("u.sqlite"), "SELECT job_id FROM jobs WHERE job_id = 'z'") == ["z"], "the import itself is kept")
        // Help is output too.
        for command in ["--help", "fetch --help", "help report"] {
            let r = try await cli.run(["-c", "\"$0\" \(command) > /dev/full", binary], binary: "/bin/bash")
            #expect(r.status == 1, "\(command): \(r.status) \(r.stderr)")
            #expect(r.stderr == "livejobs: error: cannot write to standard output: No space left on device\n", "\(command): \(r.stderr)")
            let shown = try await cli.run(command.split(separator: " ").map(String.init))
            #expect(shown.status == 0 && !shown.stdout.isEmpty && shown.stderr.isEmpty, "\(command): \(shown.status) \(shown.stderr)")
        }
        // Enough rows that the reader is gone before the writer ends.
        let many = (0 ..< 3000).map { job("m\($0)") }.joined(separator: "\n")
        _ = try await cli.run(["import", "--db", "u.sqlite", cli.write("many.jsonl", many)])
        let sql = cli.write("all.sql", "-- title: all\nSELECT * FROM jobs CROSS JOIN (SELECT 1 UNION SELECT 2 UNION SELECT 3)\n")
        let piped = try await cli.run(["-c", "\"$0\" query \"$1\" --db u.sqlite --format csv | head -n 1; echo \"status ${PIPESTATUS[0]}\"", binary, sql],
                                binary: "/bin/bash")
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
        #expect(piped.stdout.hasPrefix("job_id,"), "\(piped.stdout.prefix(200))")
        // Megabytes of rows against a 64 KiB pipe: the writer is still writing when head has gone, so
        // it ends by SIGPIPE (141), as the README documents, never by finishing (0).
        #expect(piped.stdout.hasSuffix("\nstatus 141\n"), "\(piped.stdout.suffix(100))")
    }

    /// A failed first fetch (a wrong token) records its run and leaves the database file complete on
    /// its own: a copy of the .sqlite file alone, without its -wal, holds the tables and the run.
    @Test func aFailedFirstFetchLeavesACompleteDatabaseFile() async throws {
        var config = SimulatorConfig()
        config.auth = .token("right-token-1234")
        let sim = MetaStudioSimulator(generated: 50, seed: 40, config: config)
        _ = try await sim.start()
        let cli = CLI()
        let r = try await cli.run(["fetch", "--db", "w.sqlite", "--endpoint", sim.baseURL, "--project-id", FetchTests.project],
                            environment: ["METASTUDIO_AUTH_TOKEN": "wrong-token-5678"])
        try await sim.stop()
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("HTTP 401"), "\(r.stderr)")
        #expect(!r.stderr.contains("wrong-token-5678"))
        let copy = cli.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: cli.path("w.sqlite"), toPath: copy)
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
        #expect(try strings(copy, "SELECT outcome FROM sync_runs") == ["failed"])
        #expect(try strings(copy, "SELECT name FROM sqlite_schema WHERE name = 'jobs'") == ["jobs"])
    }

    /// No URL is printed with its user-info, query or fragment: a mistyped --endpoint with credentials
    /// in it is refused without echoing them.
    @Test func aMistypedEndpointNeverEchoesItsCredentials() async throws {
        let cli = CLI()
        let endpoints = [
            "https://admin:hunter2secret@metastudio.example.com/", "http://example.com/?token=hunter2secret",
            "https://example.com/base?AccessKeyId=AK1&Signature=hunter2secret", "https://example.com/#access_token=hunter2secret",
            "htps://u:hunter2secret@example.com", "https://exa mple.com/?sig=hunter2secret", "example.com/?token=hunter2secret",
            "https://[::1/?token=hunter2secret", "https://example.com:99999/?token=hunter2secret",
        ]
        for endpoint in endpoints {
            let r = try await cli.run(["fetch", "--db", "e.sqlite", "--endpoint", endpoint, "--project-id", "p"],
                                environment: ["METASTUDIO_AUTH_TOKEN": "t-1234"])
            #expect(r.status == 1, "\(endpoint): \(r.status) \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(endpoint): \(r.stderr)")
            #expect(!r.stderr.contains("hunter2secret"), "\(endpoint): \(r.stderr)")
        }
    }

    /// A gateway that refuses a signature echoes the canonical request it computed, temporary
    /// credentials' security token and the signature it got included: the error line, the log lines
    /// at trace level, the database and its sync record never carry the token, the AK, the SK or the
    /// request's own signature.
    @Test func aRefusedSignatureEchoedByTheGatewayLeaksNoCredential() async throws {
        var config = SimulatorConfig()
        config.auth = .aksk(ak: "AKECHOTEST0001", sk: "SK-right-secret-0001")
        let sim = MetaStudioSimulator(generated: 20, seed: 42, config: config)
        _ = try await sim.start()
        let cli = CLI()
        let env = ["HUAWEICLOUD_SDK_AK": "AKECHOTEST0001", "HUAWEICLOUD_SDK_SK": "SK-wrong-secret-0002",
                   "HUAWEICLOUD_SDK_SECURITY_TOKEN": "STS-session-token-0003", "HUAWEICLOUD_SDK_PROJECT_ID": FetchTests.project]
        let r = try await cli.run(["fetch", "--db", "g.sqlite", "--endpoint", sim.baseURL, "--json", "--log-level", "trace"], environment: env)
        try await sim.stop()
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("HTTP 401 APIGW.0301"), "\(r.stderr)")
        // The gateway quotes the signature it got: the request's own, masked like the AK and SK.
        #expect(r.stderr.contains("got signature [REDACTED]"), "\(r.stderr)")
        #expect(r.stderr.firstMatch(of: /got signature [0-9a-f]{8}/) == nil, "\(r.stderr)")
        #expect(r.stderr.contains("CanonicalRequest"), "the gateway's echo is shown, masked: \(r.stderr)")
        var bytes = Data((r.stdout + r.stderr).utf8)
        for suffix in ["", "-wal", "-shm"] {
            bytes += (try? Data(contentsOf: URL(fileURLWithPath: cli.path("g.sqlite") + suffix))) ?? Data()
        }
        for secret in ["AKECHOTEST0001", "SK-wrong-secret-0002", "SK-right-secret-0001", "STS-session-token-0003"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) leaked")
        }
        let message = try #require(try strings(cli.path("g.sqlite"), "SELECT message FROM sync_runs").first)
        #expect(message.contains("got signature [REDACTED]"), "\(message)")
        #expect(message.firstMatch(of: /got signature [0-9a-f]{8}/) == nil, "\(message)")
    }

    /// Server text reaches the user's terminal and the sync record with its control characters escaped
    /// (an `error_msg` with an OSC sequence used to retitle the terminal), long text cut, and a body
    /// that is not text described instead of printed.
    @Test func serverTextIsMadeSafeBeforeItReachesTheTerminalOrTheDatabase() async throws {
        let hostile = "x\u{1B}]0;pwned\u{07}\u{9B}2J\u{202E}" + String(repeating: "A", count: 5000)
        let refusals: [(SimulatorConfig.Refusal, needle: String)] = [
            (.json(status: 400, code: "MSS.00000003", message: hostile), "x\\u{1B}]0;pwned\\u{7}\\u{9B}2J\\u{202E}"),
            (SimulatorConfig.Refusal(status: 502, body: [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x1B, 0x9B] + Array(repeating: 0xFE, count: 300)),
             "binary body of 307 bytes"),
            (SimulatorConfig.Refusal(status: 403, body: Array("<html>\n<title>\u{1B}[31mDenied</title>\n</html>".utf8)),
             "<html> ⏎ <title>\\u{1B}[31mDenied</title> ⏎ </html>"),
        ]
        for (index, (refusal, needle)) in refusals.enumerated() {
            var config = SimulatorConfig()
            config.refusal = refusal
            config.auth = .token("server-text-token")
            let sim = MetaStudioSimulator(generated: 10, seed: 43, config: config)
            _ = try await sim.start()
            let cli = CLI()
            let r = try await cli.run(["fetch", "--db", "s\(index).sqlite", "--endpoint", sim.baseURL, "--project-id", FetchTests.project,
                                       "--timeout", "5"], environment: ["METASTUDIO_AUTH_TOKEN": "server-text-token"])
            try await sim.stop()
            #expect(r.status == 1, "\(index): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(index): \(r.stderr)")
            #expect(r.stderr.contains(needle), "\(index): \(r.stderr)")
            #expect(r.stderr.utf8.count < 2_500, "\(index): \(r.stderr.utf8.count) bytes")
            let raw = r.stdout + r.stderr
            #expect(!raw.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || (0x80...0x9F).contains($0.value) || $0.value == 0x202E },
                    "\(index): a control character reached the terminal")
            let message = try #require(try strings(cli.path("s\(index).sqlite"), "SELECT message FROM sync_runs").first)
            #expect(message.contains(needle), "\(index): \(message)")
            #expect(!message.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || (0x80...0x9F).contains($0.value) })
        }
    }

    /// One-character names are names like any other (Foundation on Linux traps on some of them when
    /// asked for their folder: `--db r` and `--out r` stopped livejobs with an illegal instruction).
    @Test func oneCharacterPathsWork() async throws {
        let cli = CLI()
        let file = cli.write("j", job("one"))
        let imported = try await cli.run(["import", "--db", "r", "j"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let report = try await cli.run(["report", "--db", "r", "--month", "2026-10", "--out", "o"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: cli.path("o/report.md")))
        _ = file
    }
}
