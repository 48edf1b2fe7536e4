import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(5))) struct CLITests {
    func job(_ id: String, room: String = "r1", name: String = "Room One", state: String = "SUCCEED",
             start: String = "2026-10-05T10:00:00Z", duration: Double = 7200, stream: Double = 6000) -> String {
        #"{"job_id":"\#(id)","room_id":"\#(room)","room_name":"\#(name)","state":"\#(state)","start_time":"\#(start)","duration":\#(duration),"stream_duration":\#(stream),"create_time":"\#(start)","lastupdate_time":"\#(start)"}"#
    }

    @Test func importThenReportWritesMarkdownCSVAndChartsForTheLatestMonth() async throws {
        let cli = CLI()
        let pages = CLI.samplePages
        #expect(pages.count >= 20)
        let imported = try await cli.run(["import", "--db", "s.sqlite"] + pages)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported \(pages.count) of \(pages.count) files"))
        let report = try await cli.run(["report", "--db", "s.sqlite"])
        #expect(report.status == 0, "\(report.stderr)")
        let dir = cli.workDir.appendingPathComponent("reports/2026-11")
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("# Livestream usage, November 2026, UTC"))
        #expect(markdown.contains("## Headline"))
        #expect(markdown.contains("## Monthly usage by room"))
        #expect(markdown.contains("![Monthly usage by room](monthly_usage_by_room.svg)"))
        let csv = try String(contentsOf: dir.appendingPathComponent("monthly_usage_by_room.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("project_id,region,room_id,room_name,jobs,live_hours,streamed_hours,stream_ratio,ratio_live_hours,jobs_without_stream,error_rate,block_rate"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("daily_live_hours.svg").path))
    }

    /// The secrets a page holds, as their text in the file: RTC user signatures, callback keys, and
    /// the values of credential parameters in URL queries (signed OBS links, callback tokens).
    static func secrets(inPage path: String) throws -> (signatures: [String], callbackKeys: [String], urlCredentials: [String]) {
        var signatures: [String] = [], keys: [String] = [], inURLs: [String] = []
        let credentialParameters: Set<String> = ["token", "sign", "signature", "accesskeyid", "auth_key", "x-amz-signature"]
        func walk(_ value: Any, member: String, parent: String) {
            switch value {
            case let object as [String: Any]:
                for (name, child) in object { walk(child, member: name, parent: member) }
            case let array as [Any]:
                for child in array { walk(child, member: member, parent: parent) }
            case let text as String:
                if member == "signature" && parent == "users" { signatures.append(text) }
                if member == "key" && parent == "live_event_callback_config" { keys.append(text) }
                if text.hasPrefix("http"), let query = URLComponents(string: text)?.percentEncodedQueryItems {
                    inURLs += query.filter { credentialParameters.contains($0.name.lowercased()) }.compactMap(\.value)
                }
            default: break
            }
        }
        walk(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))), member: "", parent: "")
        // Long enough that finding one anywhere cannot be chance.
        let long = { (values: [String]) in values.filter { $0.count >= 12 } }
        return (long(signatures), long(keys), long(inURLs))
    }

    /// The sample's pages provably hold RTC signatures, callback keys and signed URLs (checked first:
    /// a sample without them would make the rest vacuous), and none of them reaches the database
    /// file (WAL included), a report file, or what import and report print at log level trace.
    @Test func noSecretOfTheSampleReachesTheDatabaseTheReportOrTheLog() async throws {
        let cli = CLI()
        let pages = CLI.samplePages
        var signatures: [String] = [], keys: [String] = [], inURLs: [String] = []
        for page in pages {
            let found = try Self.secrets(inPage: page)
            signatures += found.signatures
            keys += found.callbackKeys
            inURLs += found.urlCredentials
        }
        #expect(signatures.count >= 100, "\(signatures.count) RTC signatures in the sample")
        #expect(keys.count >= 100, "\(keys.count) callback keys in the sample")
        #expect(inURLs.count >= 100, "\(inURLs.count) URL credentials in the sample")
        let secrets = Set(signatures + keys + inURLs)
        let sampleText = try pages.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }

        let imported = try await cli.run(["import", "--db", "s.sqlite", "--log-level", "trace"] + pages)
        #expect(imported.status == 0, "\(imported.stderr)")
        let report = try await cli.run(["report", "--db", "s.sqlite", "--log-level", "trace", "--out", "r"])
        #expect(report.status == 0, "\(report.stderr)")
        var places: [(String, Data)] = [("import output", Data((imported.stdout + imported.stderr).utf8)),
                                        ("report output", Data((report.stdout + report.stderr).utf8))]
        for suffix in ["", "-wal", "-shm"] {
            if let bytes = try? Data(contentsOf: URL(fileURLWithPath: cli.path("s.sqlite" + suffix))) { places.append(("s.sqlite" + suffix, bytes)) }
        }
        let reportFiles = try FileManager.default.contentsOfDirectory(atPath: cli.path("r"))
        #expect(reportFiles.contains("report.md") && reportFiles.count > 3, "\(reportFiles)")
        for file in reportFiles { places.append((file, try Data(contentsOf: URL(fileURLWithPath: cli.path("r/" + file))))) }
        #expect(try count(cli.path("s.sqlite"), "SELECT count(*) FROM jobs") >= 1_000)
        let finder = SecretFinder(secrets)
        for (place, bytes) in places {
            let leaked = finder.occurrences(in: bytes)
            #expect(leaked.isEmpty, "\(leaked.count) secrets reached \(place), e.g. \(leaked.first ?? "")")
        }
        // The finder finds: every secret of the first page, in the page's own bytes.
        let firstPage = try Self.secrets(inPage: pages[0])
        let inFirst = Set(firstPage.signatures + firstPage.callbackKeys + firstPage.urlCredentials)
        #expect(!inFirst.isEmpty && inFirst.isSubset(of: finder.occurrences(in: sampleText[0])))
    }

    /// Finds which of many secrets occur in bytes of megabytes in one pass: each position's eight
    /// bytes are looked up among the secrets' last eight bytes, and only those hits compared whole.
    struct SecretFinder {
        private var byTail: [UInt64: [[UInt8]]] = [:]

        init(_ secrets: Set<String>) {
            for secret in secrets where secret.utf8.count >= 8 {
                let bytes = Array(secret.utf8)
                let tail = bytes.suffix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                byTail[tail, default: []].append(bytes)
            }
        }

        func occurrences(in data: Data) -> Set<String> {
            var found = Set<String>()
            data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                guard buffer.count >= 8 else { return }
                for end in 8 ... buffer.count {
                    guard let candidates = byTail[buffer.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self)] else { continue }
                    for secret in candidates where secret.count <= end
                        && memcmp(buffer.baseAddress! + (end - secret.count), secret, secret.count) == 0 {
                        found.insert(String(decoding: secret, as: UTF8.self))
                    }
                }
            }
            return found
        }
    }

    @Test func reportSplitsHoursByTimeZoneAndExcelCSVHasBOMAndCRLF() async throws {
        let cli = CLI()
        let file = cli.write("p.json", #"{"count":1,"smart_live_jobs":["# + job("x", start: "2026-01-31T23:00:00Z") + "]}")
        #expect(try await cli.run(["import", "--db", "t.sqlite", file]).status == 0)
        let utc = try await cli.run(["query", "monthly_trend", "--db", "t.sqlite", "--param", "month=2026-02", "--format", "csv"])
        #expect(utc.status == 0, "\(utc.stderr)")
        #expect(utc.stdout.contains("\n2026-01,1,1,1,") && utc.stdout.contains("\n2026-02,0,1,1,"))
        let sh = try await cli.run(["report", "--db", "t.sqlite", "--month", "2026-02", "--tz", "Asia/Shanghai", "--excel"])
        #expect(sh.status == 0, "\(sh.stderr)")
        let csv = try Data(contentsOf: cli.workDir.appendingPathComponent("reports/2026-02_Asia-Shanghai/monthly_usage_by_room.csv"))
        #expect(csv.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: csv.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("project_id,region,room_id,room_name,jobs,live_hours,streamed_hours,stream_ratio,ratio_live_hours,jobs_without_stream,error_rate,block_rate"))
        #expect(text.contains("\r\n,,r1,Room One,1,2,"))
    }

    @Test func queryFormatsAndReadOnlyRefusal() async throws {
        let cli = CLI()
        let file = cli.write("p.json", #"{"count":2,"smart_live_jobs":["# + job("a") + "," + job("b", room: "r2", name: "=HYPERLINK(\\\"x\\\")", state: "FAILED") + "]}")
        #expect(try await cli.run(["import", "--db", "q.sqlite", file]).status == 0)
        let json = try await cli.run(["query", "jobs_per_state_per_room", "--db", "q.sqlite", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains(#"{"project_id":null,"region":null,"room_id":"r1","room_name":"Room One","state":"SUCCEED","jobs":1,"tz":"UTC"}"#))
        let csv = try await cli.run(["query", "jobs_per_state_per_room", "--db", "q.sqlite", "--format", "csv"])
        #expect(csv.stdout.contains(#"r2,"'=HYPERLINK(""x"")",FAILED,1"#))
        let writer = cli.write("evil.sql", "-- title: evil\nDELETE FROM jobs\n")
        let refused = try await cli.run(["query", writer, "--db", "q.sqlite"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("tries to change the database"))
        #expect(try await cli.run(["query", "jobs_per_state_per_room", "--db", "q.sqlite", "--format", "csv"]).stdout.split(separator: "\n").count == 3)
    }

    @Test func everyKindOfBadInputGetsOneLineAndANonZeroExit() async throws {
        let cli = CLI()
        let good = cli.write("good.json", #"{"count":1,"smart_live_jobs":["# + job("keep") + "]}")
        #expect(try await cli.run(["import", "--db", "e.sqlite", good]).status == 0)
        let cases: [(args: [String], code: Int32, needle: String)] = [
            (["import", "--db", "e.sqlite", cli.write("bad.json", "{\"count\": 1, \"smart_live_jobs\": [")], 65, "bad.json:1: malformed JSON"),
            (["import", "--db", "e.sqlite", "--strict", cli.write("type.jsonl", job("t").replacingOccurrences(of: "\"duration\":7200.0", with: "\"duration\":true"))], 65, "job 0 (job_id t): field 'duration': expected a number, got boolean (--strict)"),
            (["import", "--db", "e.sqlite", cli.path("missing.json")], 65, "missing.json: cannot read"),
            (["report", "--db", "e.sqlite", "--month", "2026-13"], 64, "--month takes YYYY-MM"),
            (["report", "--db", "e.sqlite", "--tz", "Mars/Olympus"], 64, "unknown time zone"),
            (["query", "no_such_query", "--db", "e.sqlite"], 65, "unknown query 'no_such_query'"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite"], 64, "needs parameter 'month'"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite", "--param", "month=May"], 64, "parameter 'month': expected a month as YYYY-MM"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite", "--param", "month=2026-10", "--param", "colour=red"], 64, "has no parameter 'colour'"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite", "--param", "month=2026-13"], 64, "parameter 'month': expected a month as YYYY-MM"),
            (["query", "monthly_usage_by_room", "--db", "e.sqlite", "--param", "month=2026-10", "--param", "tz=CST"], 64, "parameter 'tz'"),
            (["query", cli.write("baddefault.sql", "-- title: x\n-- param: month month default=2026-13 x\nSELECT :month\n"), "--db", "e.sqlite"], 65, "baddefault.sql:2: parameter 'month': expected a month"),
            (["query", cli.write("syntax.sql", "-- title: x\nSELEC 1\n"), "--db", "e.sqlite"], 65, "syntax.sql): SQL error"),
            (["query", cli.write("undeclared.sql", "-- title: x\nSELECT :who\n"), "--db", "e.sqlite"], 65, "uses :who but its header declares no such parameter"),
            (["query", cli.write("header.sql", "-- param: month decade required x\nSELECT 1\n"), "--db", "e.sqlite"], 65, "header.sql:1: parameter 'month' has unknown type"),
            (["report", "--db", cli.path("nothing.sqlite")], 1, "no database at"),
            (["compare", "--db", "e.sqlite", "Nobody's Room"], 65, "no room with id or exact name"),
            (["import", "--db", "e.sqlite", "--bogus", good], 64, "--bogus"),
        ]
        for c in cases {
            let r = try await cli.run(c.args)
            #expect(r.status == c.code, "\(c.args): status \(r.status), stderr \(r.stderr)")
            #expect(r.stderr.contains(c.needle), "\(c.args): \(r.stderr)")
            if c.code == 65 || c.code == 1 {
                #expect(r.stderr.split(separator: "\n").count == 1, "\(c.args): more than one line: \(r.stderr)")
            }
        }
        let count = try await cli.run(["query", cli.write("count.sql", "-- title: n\nSELECT count(*) AS n FROM jobs\n"), "--db", "e.sqlite", "--format", "csv"])
        #expect(count.stdout == "n\n1\n")
    }

    @Test func compareShowsRoomsSideBySideByIdOrName() async throws {
        let cli = CLI()
        let jobs = [job("a"), job("b", room: "r2", name: "美妆直播间", duration: 3600, stream: 1800), job("c", room: "r2", name: "美妆直播间", state: "BLOCKED")]
        let file = cli.write("p.jsonl", jobs.joined(separator: "\n"))
        #expect(try await cli.run(["import", "--db", "c.sqlite", file]).status == 0)
        let r = try await cli.run(["compare", "--db", "c.sqlite", "r1", "美妆直播间", "--month", "2026-10", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "figure,Room One,美妆直播间")
        #expect(lines.contains("jobs,1,2"))
        #expect(lines.contains("live_hours,2,3"))
        #expect(lines.contains("block_rate,0,0.5"))
    }

    /// The subcommands README.md documents (a `### \`livejobs NAME ...\`` section each), with the options
    /// its heading and the examples in its code blocks give to that command, plus `--db` and
    /// `--help`, which the README says every command takes.
    static func documentedCommands() throws -> [String: Set<String>] {
        let readme = try String(contentsOf: CLI.root.appendingPathComponent("README.md"), encoding: .utf8)
        // Continued shell lines read as one.
        let lines = readme.replacingOccurrences(of: "\\\n", with: " ").components(separatedBy: "\n")
        var commands: [String: Set<String>] = [:]
        var current: String?
        var inCode = false
        func options(_ text: Substring) -> [String] {
            text.split(whereSeparator: { " []=`".contains($0) }).filter { $0.hasPrefix("--") && $0.count > 2 }
                .map { String($0.prefix { $0 == "-" || $0.isLetter }) }
        }
        for line in lines {
            if line.hasPrefix("#") && !inCode {
                current = nil
                if line.hasPrefix("### `livejobs ") {
                    let words = line.dropFirst("### `livejobs ".count)
                    let name = String(words.prefix { $0.isLetter })
                    current = name
                    commands[name, default: ["--db", "--help"]].formUnion(options(words))
                }
                continue
            }
            if line.hasPrefix("```") { inCode.toggle(); continue }
            guard inCode, let name = current, let start = line.range(of: "livejobs \(name)") else { continue }
            // The example's own words: up to a comment, a pipe, a redirection or the next command.
            let example = line[start.upperBound...].prefix { !"#|>&;".contains($0) }
            commands[name, default: ["--db", "--help"]].formUnion(options(example))
        }
        return commands
    }

    /// The top-level help lists every subcommand the README documents (and no other), and each
    /// subcommand's help shows an example that runs it (outside its USAGE line) and lists every
    /// option the README gives it.
    @Test func helpListsEveryDocumentedCommandWithAnExampleAndItsOptions() async throws {
        let cli = CLI()
        let documented = try Self.documentedCommands()
        #expect(documented.count >= 6, "README.md documents \(documented.keys.sorted())")
        let top = try await cli.run(["--help"])
        #expect(top.status == 0, "\(top.stderr)")
        let subcommands = try #require(top.stdout.components(separatedBy: "\nSUBCOMMANDS:\n").dropFirst().first, "\(top.stdout)")
        // "  NAME   summary": a name two columns in, then its summary; wrapped summary lines sit deeper.
        let listed = subcommands.components(separatedBy: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            let name = line.dropFirst(2).prefix { $0.isLowercase }
            return !name.isEmpty && line.dropFirst(2 + name.count).hasPrefix("  ") ? String(name) : nil
        }
        #expect(Set(listed) == Set(documented.keys), "help lists \(listed), the README documents \(documented.keys.sorted())")
        for (command, documentedOptions) in documented.sorted(by: { $0.key < $1.key }) {
            let r = try await cli.run([command, "--help"])
            #expect(r.status == 0, "\(command): \(r.stderr)")
            let parts = r.stdout.components(separatedBy: "\nUSAGE: ")
            #expect(parts.count == 2, "\(command) --help has no USAGE line: \(r.stdout)")
            let examples = parts[0].components(separatedBy: "\n").filter {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix("livejobs \(command)") || $0.contains("| livejobs \(command)")
            }
            #expect(!examples.isEmpty, "\(command) --help shows no example of itself: \(parts[0])")
            let usageAndOptions = parts.dropFirst().joined()
            for option in documentedOptions.sorted() {
                #expect(usageAndOptions.contains(option + " ") || usageAndOptions.contains(option + "\n")
                        || usageAndOptions.contains(option + "]") || usageAndOptions.contains(option + ","),
                        "\(command) --help does not list \(option), which README.md gives it")
            }
        }
    }
}
