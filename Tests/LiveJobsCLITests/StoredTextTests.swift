import Foundation
import Testing

/// Text from outside that holds a NUL, DEL, C1 or bidirectional controls comes out of the database
/// whole, in every output, with each control written as a visible escape (docs/SECRETS.md, section 4).
/// SQLite keeps such text whole; reading it as a C string used to cut it at the NUL, so a room name
/// ended early and two ids that differ only after a NUL printed the same.
@Suite(.serialized, .timeLimit(.minutes(5))) struct StoredTextTests {
    /// A job whose `id` and `name` are JSON string contents (escapes allowed).
    func job(_ id: String, room: String, name: String) -> String {
        #"{"job_id":"\#(id)","room_id":"\#(room)","room_name":"\#(name)","state":"SUCCEED","start_time":"2026-10-05T10:00:00Z","duration":7200,"stream_duration":6000,"create_time":"2026-10-05T10:00:00Z","lastupdate_time":"2026-10-05T10:00:00Z"}"#
    }

    /// Scalars that must never reach an output raw.
    func hasRawControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { v in
            let v = v.value
            return (v < 0x20 && v != 0x0A && v != 0x0D) || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        }
    }

    func importHostileJobs(_ cli: CLI) async throws {
        let file = cli.write("jobs.jsonl", [
            job(#"nul\u0000a"#, room: "r1", name: #"D\u0000E\u007fF\u009bG"#),
            job(#"nul\u0000b"#, room: "r2", name: #"L\u202eR\u2066I"#),
        ].joined(separator: "\n"))
        let imported = try await cli.run(["import", "--db", "t.sqlite", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try count(cli.path("t.sqlite"), "SELECT count(*) FROM jobs WHERE length(CAST(room_name AS BLOB)) = 9") == 1)
    }

    @Test func queryOutputShowsTheWholeTextWithItsControlsEscaped() async throws {
        let cli = CLI()
        try await importHostileJobs(cli)
        let query = cli.write("rooms.sql", "-- title: rooms\nSELECT job_id, room_name FROM jobs ORDER BY job_id\n")
        for format in ["table", "csv"] {
            let r = try await cli.run(["query", query, "--db", "t.sqlite", "--format", format])
            #expect(r.status == 0, "\(format): \(r.stderr)")
            #expect(r.stdout.contains(#"nul\u{0}a"#) && r.stdout.contains(#"nul\u{0}b"#), "\(format): \(r.stdout)")
            #expect(r.stdout.contains(#"D\u{0}E\u{7F}F\u{9B}G"#) && r.stdout.contains(#"L\u{202E}R\u{2066}I"#), "\(format): \(r.stdout)")
            #expect(!hasRawControl(r.stdout), "\(format): \(r.stdout.debugDescription)")
        }
        let markdown = try await cli.run(["query", query, "--db", "t.sqlite", "--format", "markdown"])
        #expect(markdown.stdout.contains(#"| nul\\u{0}a | D\\u{0}E\\u{7F}F\\u{9B}G |"#), "\(markdown.stdout)")
        #expect(markdown.stdout.contains(#"| nul\\u{0}b | L\\u{202E}R\\u{2066}I |"#), "\(markdown.stdout)")
        #expect(!hasRawControl(markdown.stdout))
        // JSON: the same values, every control a \u escape.
        let json = try await cli.run(["query", query, "--db", "t.sqlite", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(!hasRawControl(json.stdout), "\(json.stdout.debugDescription)")
        let rows = try #require(try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [[String: String]])
        #expect(rows == [["job_id": "nul\u{0}a", "room_name": "D\u{0}E\u{7F}F\u{9B}G"],
                         ["job_id": "nul\u{0}b", "room_name": "L\u{202E}R\u{2066}I"]])
    }

    /// `compare` names its columns after the rooms: the names come whole and escaped there too.
    @Test func compareColumnsShowTheWholeRoomNamesEscaped() async throws {
        let cli = CLI()
        try await importHostileJobs(cli)
        for format in ["table", "csv", "markdown"] {
            let r = try await cli.run(["compare", "--db", "t.sqlite", "r1", "r2", "--month", "2026-10", "--format", format])
            #expect(r.status == 0, "\(format): \(r.stderr)")
            let first = String(r.stdout.prefix { $0 != "\n" })
            #expect(first.contains("D\\") && first.contains("u{0}E") && first.contains("u{9B}G") && first.contains("u{202E}R"), "\(format): \(first)")
            #expect(!hasRawControl(r.stdout), "\(format): \(r.stdout.debugDescription)")
        }
    }

    @Test func reportFilesShowTheWholeTextWithItsControlsEscaped() async throws {
        let cli = CLI()
        try await importHostileJobs(cli)
        // A new zone's per-day rows are built from the stored ids: each job keeps its own.
        let r = try await cli.run(["report", "--db", "t.sqlite", "--month", "2026-10", "--tz", "Asia/Shanghai"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try count(cli.path("t.sqlite"), "SELECT count(DISTINCT job_id) FROM job_day_usage WHERE tz = 'Asia/Shanghai'") == 2)
        let dir = cli.workDir.appendingPathComponent("reports/2026-10_Asia-Shanghai")
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains(#"| r1 | D\\u{0}E\\u{7F}F\\u{9B}G |"#), "\(markdown)")
        #expect(markdown.contains(#"| r2 | L\\u{202E}R\\u{2066}I |"#), "\(markdown)")
        let csv = try String(contentsOf: dir.appendingPathComponent("monthly_usage_by_room.csv"), encoding: .utf8)
        #expect(csv.contains(#"r1,D\u{0}E\u{7F}F\u{9B}G,1,"#) && csv.contains(#"r2,L\u{202E}R\u{2066}I,1,"#), "\(csv)")
        let svg = try String(contentsOf: dir.appendingPathComponent("monthly_usage_by_room.svg"), encoding: .utf8)
        #expect(svg.contains(#">D\u{0}E\u{7F}F\u{9B}G</text>"#) && svg.contains(#">L\u{202E}R\u{2066}I</text>"#), "\(svg)")
        for (name, text) in [("report.md", markdown), ("csv", csv), ("svg", svg)] {
            #expect(!hasRawControl(text), "\(name): \(text.debugDescription)")
        }
    }
}
