import Foundation
import Testing

/// Holes found in the masking of secrets, each through the real binary into a real database file:
/// member names quoted in flagged paths and in the messages about objects that are not jobs,
/// `label:digits` in free text, name/value pairs given as two-element arrays, Chinese labels, and
/// malformed JSON hidden past the nesting limit.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SecretHoleTests {
    /// What a run leaves where people read it: its output and the database files.
    static func everything(_ cli: CLI, _ results: [CLI.Result], databases: [String]) -> Data {
        var all = Data(results.map { $0.stdout + $0.stderr }.joined().utf8)
        for db in databases {
            for suffix in ["", "-wal", "-shm"] {
                all += (try? Data(contentsOf: URL(fileURLWithPath: cli.path(db) + suffix))) ?? Data()
            }
        }
        return all
    }

    static func leaked(_ secrets: [String], in all: Data) -> [String] {
        secrets.filter { all.range(of: Data($0.utf8)) != nil }
    }

    /// A member whose name carries a credential and whose value is flagged (text that is not
    /// Unicode, a value nested too deep, a name that is not UTF-8): `job_flags.field`, `--json`
    /// and `--strict`'s line name the path with the credential masked, as the stored JSON does.
    @Test func memberNamesInFlaggedPathsAreMasked() async throws {
        let cli = CLI()
        let deep = String(repeating: "[", count: 600) + "1" + String(repeating: "]", count: 600)
        let lines = [
            #"{"job_id":"n1","state":"SUCCEED","token=abc123SECRET1":"\ud800"}"#,
            #"{"job_id":"n2","state":"SUCCEED","https://u:SECRET2@host.example.com/x?signature=SECRET3":{"room":"\ud800"}}"#,
            #"{"job_id":"n3","state":"SUCCEED","x":{"password: SECRET4":\#(deep)}}"#,
            #"{"job_id":"n4","state":"SUCCEED","Authorization: Bearer SECRET5abcdef\ud800":1}"#,
        ]
        let file = cli.write("n.jsonl", lines.joined(separator: "\n"))
        let lenient = try await cli.run(["import", "--db", "n.sqlite", "--json", file])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        let strict = try await cli.run(["import", "--db", "s.sqlite", "--strict", file])
        #expect(strict.status == 65, "\(strict.stderr)")
        #expect(strict.stderr.contains("token=[REDACTED]"), "\(strict.stderr)")
        #expect(try strings(cli.path("n.sqlite"), "SELECT job_id || ' ' || reason || ' ' || substr(field, 1, 80) FROM job_flags ORDER BY job_id")
                == ["n1 invalid_text token=[REDACTED]",
                    "n2 invalid_text https://u:[REDACTED]@host.example.com/x?signature=[REDACTED].room",
                    "n3 nested_too_deep " + String(("x.password: [REDACTED]" + String(repeating: "[0]", count: 30)).prefix(80)),
                    "n4 invalid_text Authorization: [REDACTED]"])
        let all = Self.everything(cli, [lenient, strict], databases: ["n.sqlite", "s.sqlite"])
        #expect(Self.leaked((1 ... 5).map { "SECRET\($0)" }, in: all) == [])
    }

    /// An object that is not a job is named in the error by its member names and its error_code,
    /// and a page by its `count`: each masked as stored job data is, before the one line is printed.
    @Test func messagesAboutObjectsThatAreNotJobsMaskWhatTheyQuote() async throws {
        let cli = CLI()
        let cases: [(String, String, String)] = [
            ("keys.json", #"{"token=SECRETA":1,"https://h.example.com/?sig=SECRETB":2}"#,
             "(it has token=[REDACTED], https://h.example.com/?sig=[REDACTED])"),
            ("code.json", #"{"error_code":"password=SECRETC","error_msg":"x"}"#, "(error_code password=[REDACTED])"),
            ("object.json", #"{"error_code":{"signature":"SECRETD"}}"#, #"(error_code {"signature":"[REDACTED]"})"#),
            ("count.json", #"{"count":"token=SECRETE","smart_live_jobs":[]}"#, "got string \"token=[REDACTED]\""),
            ("lines.jsonl", #"{"Authorization: Bearer SECRETFabcdef":1}"# + "\n" + #"{"pwd:8888SECRETG":2}"#,
             "Authorization: [REDACTED]"),
        ]
        var results: [CLI.Result] = []
        for (name, content, shown) in cases {
            let r = try await cli.run(["import", "--db", "k.sqlite", cli.write(name, content)])
            #expect(r.status == 65, "\(name): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(shown), "\(name): \(r.stderr)")
            results.append(r)
        }
        let all = Self.everything(cli, results, databases: ["k.sqlite"])
        #expect(Self.leaked(["A", "B", "C", "D", "E", "F", "G"].map { "SECRET\($0)" }, in: all) == [])
    }

    /// Free text with a label, a colon and a value starting with a digit (`password:123456`), a
    /// name/value pair given as a two-element array, and Chinese labels (`密码：`) are masked in
    /// every column and the stored JSON, not only where the fast pre-filter used to look.
    @Test func labelsBeforeDigitsPairArraysAndChineseLabelsAreMasked() async throws {
        let cli = CLI()
        let job = #"{"job_id":"t1","state":"FAILED","start_time":"2026-11-03T00:00:00Z","duration":60,"#
            + #""error_info":{"error_code":"MSS.1","error_msg":"login password:123456 pwd:8888 X-Auth-Token:12345abcdef Authorization:1bcdef"},"#
            + #""block_reason":"直播密码：p62，口令=p63 密钥: p64 “令牌”：“p65 two” 签名=p66","#
            + #""headers":[["Authorization","Bearer p67abcdef"],["Accept","json"]],"pair":["signature","p68"],"#
            + #""live_event_callback_config":{"callback_event_type":["token","p69"]},"推流密钥":"p70"}"#
        let file = cli.write("t.jsonl", job)
        let r = try await cli.run(["import", "--db", "t.sqlite", "--json", file])
        #expect(r.status == 0, "\(r.stderr)")
        let db = cli.path("t.sqlite")
        #expect(try strings(db, "SELECT error_msg FROM jobs")
                == ["login password:[REDACTED] pwd:[REDACTED] X-Auth-Token:[REDACTED]"])
        #expect(try strings(db, "SELECT block_reason FROM jobs") == ["直播密码：[REDACTED]，口令=[REDACTED] 密钥: [REDACTED] “令牌”：“[REDACTED]” 签名=[REDACTED]"])
        #expect(try strings(db, "SELECT json_extract(raw_json, '$.headers[0][1]') || ' ' || json_extract(raw_json, '$.headers[1][1]') || ' ' || json_extract(raw_json, '$.pair[1]') FROM jobs")
                == ["[REDACTED] json [REDACTED]"])
        let all = Self.everything(cli, [r], databases: ["t.sqlite"])
        #expect(Self.leaked(["123456", "8888", "12345abcdef", "1bcdef"] + (62 ... 70).map { "p\($0)" }, in: all) == [])
    }

    /// A header's quoted value (`X-Auth-Token: "..."`), a quoted name before `=` (`"password"="x"`,
    /// `{"password"="x"}`, `“密码”＝“x”`), the full-width `＝`, traditional Chinese labels, the
    /// arrows `=>` and `->`, and a URL's `hmac=` are masked in every column and the stored JSON.
    @Test func quotedHeaderValuesQuotedNamesArrowsAndTraditionalLabelsAreMasked() async throws {
        let cli = CLI()
        let job = #"{"job_id":"q1","state":"FAILED","start_time":"2026-11-03T00:00:00Z","duration":60,"#
            + #""error_info":{"error_code":"MSS.1","error_msg":"sent X-Auth-Token: \"MIIEhQ...SECP01\" Cookie = \"Q2Z\"\nSet-Cookie= 'Q3Z'"},"#
            + #""block_reason":"\"password\"=\"Q4Z\" 'token' = 'Q5Z' {\"secret\"=\"Q6Z\"} “密码”＝“Q7Z” password＝Q8Z 密碼：Q9Z "#
            + #"密鑰: Q10Z 簽名=Q11Z 'pwd' => 'Q12Z' passwd -> Q13Z","#
            + #""callback":"https://cb.example.com/hook?hmac=Q14Z&room=1","推流密鑰":"Q15Z"}"#
        let file = cli.write("q.jsonl", job)
        let r = try await cli.run(["import", "--db", "q.sqlite", "--json", file])
        #expect(r.status == 0, "\(r.stderr)")
        let db = cli.path("q.sqlite")
        #expect(try strings(db, "SELECT error_msg FROM jobs") == ["sent X-Auth-Token: [REDACTED]\nSet-Cookie= [REDACTED]"])
        #expect(try strings(db, "SELECT block_reason FROM jobs")
                == [#""password"="[REDACTED]" 'token' = '[REDACTED]' {"secret"="[REDACTED]"} “密码”＝“[REDACTED]” password＝[REDACTED] "#
                    + "密碼：[REDACTED] 密鑰: [REDACTED] 簽名=[REDACTED] 'pwd' => '[REDACTED]' passwd -> [REDACTED]"])
        #expect(try strings(db, "SELECT json_extract(raw_json, '$.callback') || ' ' || json_extract(raw_json, '$.\"推流密鑰\"') FROM jobs")
                == ["https://cb.example.com/hook?hmac=[REDACTED]&room=1 [REDACTED]"])
        let all = Self.everything(cli, [r], databases: ["q.sqlite"])
        #expect(Self.leaked(["MIIEhQ", "SECP01"] + (2 ... 15).map { "Q\($0)Z" }, in: all) == [])
    }

    /// Past 512 levels the nesting is read as strictly as the rest (iteratively, so 100,000 levels
    /// cost no stack): well-formed, it is kept as a note and flagged; malformed anywhere down there,
    /// the file is refused whole with one line and exit 65, and nothing of it is stored.
    @Test func theNestingTooDeepIsValidatedAsJSON() async throws {
        let cli = CLI()
        let depth = 100_000
        let wellFormed = String(repeating: #"{"k":["#, count: depth / 2) + #"{"s":"x\"y","n":-1.5e3,"t":true,"f":false,"z":null,"e":[],"o":{}}"#
            + String(repeating: "]}", count: depth / 2)
        let ok = cli.write("ok.jsonl", #"{"job_id":"deep","state":"SUCCEED","x":\#(wellFormed),"room_name":"after"}"#)
        let kept = try await cli.run(["import", "--db", "d.sqlite", ok])
        #expect(kept.status == 0, "\(kept.stderr)")
        let db = cli.path("d.sqlite")
        #expect(try strings(db, "SELECT reason || ' ' || substr(field, 1, 13) FROM job_flags WHERE job_id = 'deep'") == ["nested_too_deep x.k[0].k[0].k"])
        #expect(try strings(db, "SELECT json_extract(raw_json, '$.room_name') FROM jobs WHERE job_id = 'deep'") == ["after"])
        let bottoms = ["1 2", "1,", "tru", "01", #"{"a" 1}"#, "{a:1}", #"{"a":1,}"#, #""\q""#, "-", "[1}", "nul", #""x"#]
        for (n, bottom) in bottoms.enumerated() {
            for levels in [600, depth] {
                let text = String(repeating: "[", count: levels) + bottom + String(repeating: "]", count: levels)
                let bad = cli.write("bad\(n)-\(levels).jsonl", #"{"job_id":"ok"}"# + "\n" + #"{"job_id":"b","x":\#(text)}"#)
                let refused = try await cli.run(["import", "--db", "d.sqlite", bad])
                #expect(refused.status == 65 && refused.stderr.split(separator: "\n").count == 1, "\(bottom) at \(levels): \(refused.status) \(refused.stderr)")
                #expect(refused.stderr.contains(":2: malformed JSON"), "\(bottom) at \(levels): \(refused.stderr)")
            }
        }
        #expect(try count(db, "SELECT count(*) FROM jobs WHERE job_id IN ('ok', 'b')") == 0, "a refused file stores nothing")
    }
}
