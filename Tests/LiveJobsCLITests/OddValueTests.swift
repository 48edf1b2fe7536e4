import Foundation
import MetaStudio
import MetaStudioSimulator
import Testing

/// More values a real tenant or file can hold, through the real binary: credentials in any field,
/// date-times in the future or outside the four-digit years, jobs without lastupdate_time, text that
/// is not valid Unicode, values nested absurdly deep, epoch seconds past 53 bits, odd page counts, impossible stream lengths.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OddValueTests {
    /// Credentials in URLs are masked in every column and every message made from job data, not only
    /// in the stored JSON: room ids and names, block reasons, error codes and messages, RTC user ids,
    /// callback event types, job ids and the values quoted by flags.
    @Test func credentialsInAnyFieldNeverReachAColumnAReportOrAMessage() async throws {
        let cli = CLI()
        let job = #"{"job_id":"j?token=SECRET0","state":"FAILED","room_id":"https://r/?token=SECRET1","room_name":"Promo https://x/?token=SECRET2","block_reason":"https://y/?sig=SECRET3","start_time":"2026-11-03T00:00:00Z","end_time":"a:SECRET4@h/?sig=SECRET5","create_time":"https://h/?token=SECRET6","duration":60,"error_info":{"error_code":"https://z/?token=SECRET7","error_msg":"see https://obs/x?Signature=SECRET8"},"rtc_room_info":{"users":[{"user_id":"https://u/?token=SECRET9"}]},"live_event_callback_config":{"callback_event_type":["https://e/?token=SECRETA"]}}"#
        // Credentials in free text and in places a URL should not be: a header, a bearer token,
        // `name=value`, a JWT and embedded JSON in an error message; a block reason; a signed URL
        // percent-encoded inside another; a member named by a signed URL; Basic credentials.
        let freeText = #"{"job_id":"free","state":"FAILED","start_time":"2026-11-04T00:00:00Z","duration":60,"error_info":{"error_code":"MSS.1","error_msg":"callback 401: sent Authorization: Bearer SECRETBabcdef; password=SECRETC apikey=SECRETD token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.SECRETE {\"secret\":\"SECRETF\"}"},"block_reason":"secret=SECRETG","live_event_report_url":"https://a.example.com/login?redirect_uri=https%3A%2F%2Fb.example.com%2Fcb%3Fsig%3DSECRETH%26x%3D1","https://x.example.com/?token=SECRETI":1,"auth":"Basic SECRETJabcd","extra":"password\u00a0=\u00a0SECRETK","weird":{"Authorization: Bearer SECRETLabcdef":2},"q":"{'password': 'SECRETM'}","pct":"secret_access_key%3DSECRETN","quoted":"token=\"SECRETO\" password: \"SECRETP two words\" pwd：SECRETQ","room_name":"Monkey Donkey=1 live session: day 2"}"#
        let file = cli.write("c.jsonl", job + "\n" + freeText)
        let lenient = try await cli.run(["import", "--db", "c.sqlite", "--json", file])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        let strict = try await cli.run(["import", "--db", "s.sqlite", "--strict", file])
        #expect(strict.status == 65)
        let report = try await cli.run(["report", "--db", "c.sqlite", "--month", "2026-11", "--out", "r"])
        #expect(report.status == 0, "\(report.stderr)")
        var everything = Data((lenient.stdout + lenient.stderr + strict.stdout + strict.stderr + report.stdout).utf8)
        for suffix in ["", "-wal", "-shm"] {
            everything += (try? Data(contentsOf: URL(fileURLWithPath: cli.path("c.sqlite") + suffix))) ?? Data()
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: cli.path("r")) {
            everything += try Data(contentsOf: URL(fileURLWithPath: cli.path("r/" + name)))
        }
        for query in ["flagged_jobs", "error_codes"] {
            let out = try await cli.run(["query", "--db", "c.sqlite", query, "--format", "csv"])
            everything += Data(out.stdout.utf8)
        }
        for n in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q"] {
            #expect(everything.range(of: Data("SECRET\(n)".utf8)) == nil, "SECRET\(n) leaked")
        }
        #expect(try strings(cli.path("c.sqlite"), "SELECT room_name FROM jobs WHERE job_id LIKE 'j%'") == ["Promo https://x/?token=[REDACTED]"])
        #expect(try strings(cli.path("c.sqlite"), "SELECT block_reason FROM jobs WHERE job_id = 'free'") == ["secret=[REDACTED]"])
        #expect(try strings(cli.path("c.sqlite"), "SELECT room_name FROM jobs WHERE job_id = 'free'") == ["Monkey Donkey=1 live session: day 2"],
                "ordinary words are kept")
        #expect(everything.range(of: Data("two words".utf8)) == nil, "a quoted value is masked to its closing quote")
    }

    /// A date-time after the moment the job is read is impossible: flagged `in_the_future` and read
    /// as absent, so it neither keeps a job live forever nor locks its stored copy against updates.
    @Test func dateTimesInTheFutureAreFlaggedAndDoNotLockTheJob() async throws {
        let cli = CLI()
        let first = #"{"job_id":"f","state":"PROCESSING","create_time":"2020-01-01T00:00:00Z","start_time":"2020-01-01T00:00:00Z","lastupdate_time":"2099-01-01T00:00:00Z"}"#
        let r1 = try await cli.run(["import", "--db", "f.sqlite", cli.write("1.jsonl", first)])
        #expect(r1.status == 0, "\(r1.stderr)")
        let db = cli.path("f.sqlite")
        #expect(try strings(db, "SELECT field || ' ' || reason FROM job_flags ORDER BY field")
                == ["lastupdate_time in_the_future", "state stale_unfinished"])
        #expect(try count(db, "SELECT is_ongoing FROM jobs") == 0)
        let later = #"{"job_id":"f","state":"SUCCEED","create_time":"2020-01-01T00:00:00Z","start_time":"2020-01-01T00:00:00Z","end_time":"2020-01-01T02:00:00Z","lastupdate_time":"2020-01-01T02:00:00Z"}"#
        let r2 = try await cli.run(["import", "--db", "f.sqlite", cli.write("2.jsonl", later)])
        #expect(r2.stdout.contains("1 updated"), "\(r2.stdout)")
        #expect(try strings(db, "SELECT state FROM jobs") == ["SUCCEED"])
        #expect(try count(db, "SELECT count(*) FROM job_flags") == 0)
        let created = #"{"job_id":"c","state":"SUCCEED","duration":60,"create_time":"2099-01-01T00:00:00Z"}"#
        _ = try await cli.run(["import", "--db", "f.sqlite", cli.write("3.jsonl", created)])
        #expect(try strings(db, "SELECT field || ' ' || reason FROM job_flags WHERE job_id = 'c'") == ["create_time in_the_future"])
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id = 'c' AND create_time IS NULL") == 1)
    }

    /// A job that carries no lastupdate_time cannot be ordered: the copy read last wins when it says
    /// something else, and the same copy again changes nothing.
    @Test func aJobWithoutLastUpdateTimeTakesItsNewerState() async throws {
        let cli = CLI()
        let running = #"{"job_id":"n","state":"PROCESSING","start_time":"2026-11-03T00:00:00Z"}"#
        let failed = #"{"job_id":"n","state":"FAILED","start_time":"2026-11-03T00:00:00Z","error_info":{"error_code":"MSS.1","error_msg":"boom"}}"#
        _ = try await cli.run(["import", "--db", "n.sqlite", cli.write("1.jsonl", running)])
        let second = try await cli.run(["import", "--db", "n.sqlite", cli.write("2.jsonl", failed)])
        #expect(second.stdout.contains("0 new, 1 updated, 0 unchanged"), "\(second.stdout)")
        let again = try await cli.run(["import", "--db", "n.sqlite", cli.path("2.jsonl")])
        #expect(again.stdout.contains("0 new, 0 updated, 1 unchanged"), "\(again.stdout)")
        #expect(try strings(cli.path("n.sqlite"), "SELECT state || ' ' || error_code FROM jobs") == ["FAILED MSS.1"])
    }

    /// Text that is not valid Unicode (a lone surrogate escape from an emoji cut in half, bytes
    /// that are not UTF-8) costs neither the file nor the other jobs: stored with U+FFFD, flagged.
    @Test func textThatIsNotValidUnicodeIsRepairedAndFlagged() async throws {
        let cli = CLI()
        var lines = (0 ..< 5).map { #"{"job_id":"ok\#($0)","state":"SUCCEED","duration":60,"start_time":"2026-11-03T00:00:00Z"}"# }
        lines.insert(#"{"job_id":"half","state":"SUCCEED","duration":60,"room_name":"Live \ud83d","start_time":"2026-11-03T00:00:00Z"}"#, at: 2)
        var bytes = Data(lines.joined(separator: "\n").utf8)
        bytes += Data("\n{\"job_id\":\"latin\",\"state\":\"SUCCEED\",\"room_name\":\"Caf".utf8) + Data([0xE9]) + Data("\"}\n".utf8)
        let path = cli.path("u.jsonl")
        try bytes.write(to: URL(fileURLWithPath: path))
        let r = try await cli.run(["import", "--db", "u.sqlite", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("7 jobs read, 7 new"), "\(r.stdout)")
        let db = cli.path("u.sqlite")
        #expect(try strings(db, "SELECT job_id || ' ' || field || ' ' || reason FROM job_flags ORDER BY job_id")
                == ["half room_name invalid_text", "latin room_name invalid_text"])
        #expect(try strings(db, "SELECT room_name FROM jobs WHERE job_id IN ('half', 'latin') ORDER BY job_id") == ["Live \u{FFFD}", "Caf\u{FFFD}"])
        let page = cli.write("p.json", #"{"count":2,"smart_live_jobs":[{"job_id":"p1","room_name":"\udc00x"},{"job_id":"p2"}]}"#)
        let r2 = try await cli.run(["import", "--db", "u.sqlite", page])
        #expect(r2.status == 0 && r2.stdout.contains("2 jobs read"), "\(r2.stderr) \(r2.stdout)")
    }

    /// A job holding arrays nested thousands deep is well-formed JSON: it is stored, its too-deep
    /// value kept as a note of its size and flagged `nested_too_deep`, and it costs neither its
    /// file, nor its page, nor a fetch. Brackets that do not match are still malformed JSON.
    @Test func aValueNestedTooDeepIsKeptAsANoteAndFlagged() async throws {
        let cli = CLI()
        let deep = String(repeating: "[", count: 5000) + #"{"a":"]}"}"# + String(repeating: "]", count: 5000)
        let job = { (id: String) in #"{"job_id":"\#(id)","state":"SUCCEED","duration":60,"start_time":"2026-11-03T00:00:00Z","extra":\#(deep),"room_name":"after"}"# }
        let ok = { (id: String) in #"{"job_id":"\#(id)","state":"SUCCEED","duration":60,"start_time":"2026-11-03T00:00:00Z"}"# }
        let lines = cli.write("d.jsonl", [ok("l1"), job("l2"), ok("l3")].joined(separator: "\n"))
        let page = cli.write("d.json", #"{"count":3,"smart_live_jobs":["# + [ok("p1"), job("p2"), ok("p3")].joined(separator: ",") + "]}")
        for file in [lines, page] {
            let r = try await cli.run(["import", "--db", "d.sqlite", "--json", file])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("nested_too_deep"), "\(r.stdout.prefix(2000))")
        }
        let db = cli.path("d.sqlite")
        #expect(try strings(db, "SELECT job_id FROM jobs ORDER BY job_id") == ["l1", "l2", "l3", "p1", "p2", "p3"])
        #expect(try strings(db, "SELECT DISTINCT job_id || ' ' || reason || ' ' || substr(field, 1, 12) FROM job_flags ORDER BY job_id")
                == ["l2 nested_too_deep extra[0][0][", "p2 nested_too_deep extra[0][0]["])
        #expect(try strings(db, "SELECT room_name FROM jobs WHERE job_id = 'p2'") == ["after"], "the members after it are read")
        #expect(try strings(db, "SELECT json_extract(raw_json, '$.room_name') FROM jobs WHERE job_id = 'l2'") == ["after"])
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE raw_json LIKE '%[not kept: nested deeper than 512 levels, %'") == 2)
        // Long member names all the way down: the flag's path is cut to 256 characters, not
        // depth × name length.
        let name = String(repeating: "k", count: 2000)
        let longDeep = String(repeating: #"{"\#(name)":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        let long = cli.write("long.jsonl", #"{"job_id":"long","state":"SUCCEED","x":\#(longDeep)}"#)
        #expect(try await cli.run(["import", "--db", "d.sqlite", long]).status == 0)
        let field = try strings(db, "SELECT field FROM job_flags WHERE job_id = 'long'")
        #expect(field.count == 1 && field[0].count == 241 && field[0].hasPrefix("x.kkk") && field[0].contains("…"), "\(field.map(\.count))")
        // Unmatched brackets inside the deep part are malformed JSON, refused whole with one line.
        let broken = cli.write("b.jsonl", #"{"job_id":"b","x":"# + String(repeating: "[", count: 600) + String(repeating: "}", count: 600) + "}")
        let refused = try await cli.run(["import", "--db", "d.sqlite", broken])
        #expect(refused.status == 65 && refused.stderr.split(separator: "\n").count == 1, "\(refused.status) \(refused.stderr)")
        #expect(refused.stderr.contains("malformed JSON"), "\(refused.stderr)")
        // Through fetch: the page holding it is read whole and the sync completes.
        var jobs = Array(JobGenerator(options: .init(jobs: 250, seed: 12, start: FetchTests.recentStart)).jobs())
        var nested: JSONValue = .string("bottom")
        for _ in 0 ..< 700 { nested = .array([nested]) }
        jobs[120]["extra"] = nested
        let deepId = try #require(jobs[120]["job_id"]?.stringValue)
        let fetched = try await withSimulator(MetaStudioSimulator(jobs: jobs, config: SimulatorConfig())) { base in
            try await cli.run(["fetch", "--db", "f.sqlite", "--endpoint", base, "--project-id", FetchTests.project],
                              environment: ["METASTUDIO_AUTH_TOKEN": "t"], timeout: 120)
        }
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(fetched.stdout.contains("1 flagged"), "\(fetched.stdout)")
        #expect(try count(cli.path("f.sqlite"), "SELECT count(*) FROM jobs") == 250)
        #expect(try strings(cli.path("f.sqlite"), "SELECT job_id || ' ' || reason FROM job_flags") == ["\(deepId) nested_too_deep"])
    }

    /// A list of a million bad elements is a few flags and a thousand elements read, not a million
    /// rows and a gigabyte: each list is read up to 1000 items and adds at most 11 flags.
    @Test func aHugeListInOneJobCostsBoundedFlagsAndRows() async throws {
        let cli = CLI()
        let nulls = Array(repeating: "null", count: 300_000).joined(separator: ",")
        let users = (0 ..< 1500).map { #"{"user_id":"u\#($0)","ctime":"x"}"# }.joined(separator: ",")
        let big = #"{"job_id":"big","state":"SUCCEED","duration":60,"start_time":"2026-11-03T00:00:00Z","rtc_room_info":{"users":[\#(users)]},"live_event_callback_config":{"callback_event_type":[\#(nulls)]}}"#
        let file = cli.write("big.jsonl", #"{"job_id":"ok","state":"SUCCEED","duration":60,"start_time":"2026-11-03T00:00:00Z"}"# + "\n" + big)
        let r = try await cli.run(["import", "--db", "b.sqlite", file])
        #expect(r.status == 0, "\(r.stderr)")
        let db = cli.path("b.sqlite")
        #expect(try count(db, "SELECT count(*) FROM jobs") == 2)
        #expect(try count(db, "SELECT count(*) FROM job_flags WHERE job_id = 'big'") == 24, "1 + 11 + 1 + 11")
        #expect(try strings(db, "SELECT field || ' ' || reason || ' ' || detail FROM job_flags WHERE detail LIKE '%items%' ORDER BY field")
                == ["live_event_callback_config.callback_event_type out_of_range 300000 items; only the first 1000 are read",
                    "rtc_room_info.users out_of_range 1500 items; only the first 1000 are read"])
        #expect(try strings(db, "SELECT detail FROM job_flags WHERE field = 'rtc_room_info.users' AND detail LIKE '%more%'")
                == ["990 more elements flagged like those before, not listed one by one"])
        #expect(try count(db, "SELECT count(*) FROM job_rtc_users WHERE job_id = 'big'") == 1000)
    }

    /// A saved API error body, a page without its list, an empty object: not jobs. In a list (a
    /// page, an array, JSON Lines) such an object is skipped and counted like any item that is not
    /// a job, and an API error body among jobs is also named on one line and ends the import 65
    /// (its jobs stored); a file with no job at all is refused whole with one line, and nothing of
    /// it is stored.
    @Test func objectsThatAreNotJobsAreNeverStoredAsJobs() async throws {
        let cli = CLI()
        #expect(try await cli.run(["import", "--db", "n.sqlite", cli.write("ok.jsonl", #"{"job_id":"ok"}"#)]).status == 0)
        let cases: [(String, String, String)] = [
            ("err.json", #"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"abc"}"#,
             "no job in the file: 1 item, none a job (item 1: an API error response (error_code APIGW.0301), not jobs)"),
            ("count.json", #"{"count":0}"#, "an API page without its \"smart_live_jobs\" list"),
            ("empty.json", "{}", "an empty object, not a job"),
            ("pretty.json", "{\n  \"error_code\": \"MSS.00000003\",\n  \"error_msg\": \"Invalid parameter\"\n}",
             "pretty.json: an API error response (error_code MSS.00000003), not jobs"),
            ("errors.json", #"[{"error_code":"X","error_msg":"y"},{"error_code":"Z","error_msg":"w"}]"#,
             "no job in the file: 2 items, none a job (item 1: an API error response (error_code X), not jobs)"),
            ("empties.json", "[{},{}]", "no job in the file: 2 items"),
            ("page.json", #"{"count":2,"smart_live_jobs":[{"error_code":"X"},{"foo":1}]}"#, "no job in the file: 2 items"),
            ("nested.json", #"[[{"job_id":"x"}]]"#, "no job in the file: 1 item"),
            ("scalars.json", #"{"count":1,"smart_live_jobs":[1,"x",null]}"#, "no job in the file: 3 items"),
        ]
        for (name, content, message) in cases {
            let r = try await cli.run(["import", "--db", "n.sqlite", cli.write(name, content)])
            #expect(r.status == 65, "\(name): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(message), "\(name): \(r.stderr)")
        }
        #expect(try strings(cli.path("n.sqlite"), "SELECT job_id FROM jobs") == ["ok"])
        // A JSON array of saved pages holds their jobs.
        let pages = cli.write("pages.json", #"[{"count":1,"smart_live_jobs":[{"job_id":"p1"}]},{"error_code":"X"},{"count":1,"smart_live_jobs":[{"job_id":"p2"}]}]"#)
        let fromPages = try await cli.run(["import", "--db", "p.sqlite", pages])
        #expect(fromPages.status == 65, "\(fromPages.stderr)")
        #expect(fromPages.stderr.contains("pages.json: item 2: an API error response (error_code X), not jobs"), "\(fromPages.stderr)")
        #expect(try strings(cli.path("p.sqlite"), "SELECT job_id FROM jobs ORDER BY job_id") == ["p1", "p2"])
        // Among jobs, an object that is not one is skipped and counted; the jobs are stored (an
        // error body among them ends the import 65).
        let mixed = cli.write("mixed.json", #"[{"job_id":"a"},{"error_code":"X"},{"room_id":"r","state":"SUCCEED"}]"#)
        let r = try await cli.run(["import", "--db", "n.sqlite", "--json", mixed])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stdout.contains("an API error response (error_code X), not jobs"), "\(r.stdout)")
        #expect(try count(cli.path("n.sqlite"), "SELECT count(*) FROM jobs") == 3, "ok, a, and the job without an id")
        #expect(try count(cli.path("n.sqlite"), "SELECT count(*) FROM jobs WHERE raw_json LIKE '%error_code%'") == 0)
    }

    /// A file that fails at its first bytes says what it is instead of "malformed JSON": gzip
    /// compressed twice, UTF-16 text (with or without a byte order mark), binary data.
    @Test func filesThatAreNotJSONTextSayWhatTheyAre() async throws {
        let cli = CLI()
        let job = Data(#"{"count":1,"smart_live_jobs":[{"job_id":"x"}]}"#.utf8)
        let twice = try gzip(gzip(job))
        let utf16 = Data([0xFF, 0xFE]) + Data(String(decoding: job, as: UTF8.self).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let utf16NoMark = utf16.dropFirst(2)
        let binary = Data((0 ..< 600).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let cases: [(String, Data, String)] = [
            ("twice.json.gz", twice, "gzip data inside the file once it is decompressed"),
            ("u16.json", utf16, "UTF-16 text, not UTF-8"),
            ("u16.jsonl", Data(utf16NoMark), "UTF-16 text, not UTF-8"),
            ("bin.json", binary, "binary data, not JSON text"),
        ]
        for (name, bytes, message) in cases {
            let path = cli.path(name)
            try bytes.write(to: URL(fileURLWithPath: path))
            let r = try await cli.run(["import", "--db", "t.sqlite", path])
            #expect(r.status == 65 && r.stderr.split(separator: "\n").count == 1, "\(name): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(name): \(r.stderr)")
        }
    }

    /// gzip of `data`, by the system's gzip.
    /// `data` compressed by gzip, run through the harness: its own process group, a time limit,
    /// and input fed while output is drained, so that neither pipe can fill and hang the test.
    func gzip(_ data: Data) throws -> Data {
        let r = try CLI().run(["-c"], binary: "/bin/gzip", stdin: data, timeout: 60)
        #expect(r.status == 0, "gzip: \(r.stderr)")
        return r.stdoutBytes
    }

    /// The name of an imported file is stored with its control characters escaped.
    @Test func anImportedFilesNameIsStoredTerminalSafe() async throws {
        let cli = CLI()
        let file = cli.write("evil\u{1B}]0;x\u{07}.jsonl", #"{"job_id":"e"}"#)
        #expect(try await cli.run(["import", "--db", "e.sqlite", file]).status == 0)
        let stored = try strings(cli.path("e.sqlite"), "SELECT source FROM jobs UNION ALL SELECT file FROM import_runs")
        #expect(stored.count == 2 && stored.allSatisfy { $0.hasSuffix("evil\\u{1B}]0;x\\u{7}.jsonl") }, "\(stored)")
    }

    /// Epoch seconds are read exactly from the number's text; past 64 bits they are flagged.
    @Test func epochSecondsAreReadExactly() async throws {
        let cli = CLI()
        let job = #"{"job_id":"e","state":"SUCCEED","rtc_room_info":{"users":[{"user_id":"a","ctime":9223372036854775807},{"user_id":"b","ctime":9007199254740993},{"user_id":"c","ctime":-9223372036854775809},{"user_id":"d","ctime":1700000000.9}]}}"#
        let r = try await cli.run(["import", "--db", "e.sqlite", cli.write("e.jsonl", job)])
        #expect(r.status == 0, "\(r.stderr)")
        let db = cli.path("e.sqlite")
        #expect(try strings(db, "SELECT user_id || ' ' || coalesce(ctime, 'null') FROM job_rtc_users ORDER BY position")
                == ["a 9223372036854775807", "b 9007199254740993", "c null", "d 1700000000"])
        #expect(try strings(db, "SELECT field || ' ' || reason FROM job_flags") == ["rtc_room_info.users[2].ctime out_of_range"])
    }

    /// An offset that carries a date-time out of the four-digit years is no RFC 3339 instant in
    /// UTC: flagged, never stored as text such as `000/-12-31`.
    @Test func dateTimesOutsideTheFourDigitYearsAreFlagged() async throws {
        let cli = CLI()
        let jobs = [#"{"job_id":"y0","state":"SUCCEED","create_time":"0000-01-01T00:30:00+01:00","duration":1}"#,
                    #"{"job_id":"y9","state":"SUCCEED","create_time":"9999-12-31T23:30:00-01:00","duration":1}"#]
        let r = try await cli.run(["import", "--db", "y.sqlite", cli.write("y.jsonl", jobs.joined(separator: "\n"))])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try strings(cli.path("y.sqlite"), "SELECT job_id || ' ' || reason FROM job_flags ORDER BY job_id")
                == ["y0 invalid_timestamp", "y9 invalid_timestamp"])
        let month = try await cli.run(["report", "--db", "y.sqlite"])
        #expect(month.status != 0 && month.stderr.contains("holds no jobs with a date"), "\(month.stderr)")
    }

    /// A saved page's `count` is not used on import: any non-negative number will do.
    @Test func aPagesCountOnlyNeedsToBeANumber() async throws {
        let cli = CLI()
        for count in ["300.0", "3e2", "1e19", "0"] {
            let r = try await cli.run(["import", "--db", "k.sqlite", cli.write("k\(count).json", #"{"count":\#(count),"smart_live_jobs":[{"job_id":"k"}]}"#)])
            #expect(r.status == 0, "\(count): \(r.stderr)")
        }
        let bad = try await cli.run(["import", "--db", "k.sqlite", cli.write("neg.json", #"{"count":-1,"smart_live_jobs":[]}"#)])
        #expect(bad.status == 65 && bad.stderr.contains("field 'count'"), "\(bad.stderr)")
    }

    /// A job still live cannot have streamed longer than it has existed.
    @Test func aLiveJobThatStreamedLongerThanItExistedIsFlagged() async throws {
        let cli = CLI()
        let start = RFC3339.format((Date().timeIntervalSince1970 - 3600).rounded(.down))
        let last = RFC3339.format((Date().timeIntervalSince1970 - 60).rounded(.down))
        let job = #"{"job_id":"p","state":"PROCESSING","start_time":"\#(start)","lastupdate_time":"\#(last)","stream_duration":999999}"#
        let r = try await cli.run(["import", "--db", "p.sqlite", cli.write("p.jsonl", job)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try strings(cli.path("p.sqlite"), "SELECT field || ' ' || reason FROM job_flags") == ["stream_duration exceeds_live_seconds"])
        #expect(try count(cli.path("p.sqlite"), "SELECT count(*) FROM jobs WHERE streamed_seconds IS NULL AND is_ongoing = 1") == 1)
    }
}
