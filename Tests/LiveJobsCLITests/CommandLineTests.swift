import Foundation
import GRDB
import Testing

/// The command line as a user meets it: an installed binary run by name, flags refused in one line,
/// a parameter or option given twice, zone aliases, the report's day rows in the file itself.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CommandLineTests {
    func database(_ cli: CLI) async throws -> String {
        let jobs = (0 ..< 4).map { #"{"job_id":"j\#($0)","room_id":"r1","state":"SUCCEED","start_time":"2026-10-0\#($0 + 1)T10:00:00Z","duration":3600}"# }
        let r = try await cli.run(["import", "--db", "c.sqlite", cli.write("c.jsonl", jobs.joined(separator: "\n"))])
        #expect(r.status == 0, "\(r.stderr)")
        return cli.path("c.sqlite")
    }

    /// `make install` puts the binary in PREFIX/bin and the queries in PREFIX/share/livejobs/queries;
    /// run by name through PATH, from a folder without ./queries, it finds them.
    @Test func anInstalledBinaryRunByNameFindsItsQueries() async throws {
        let cli = CLI()
        _ = try await database(cli)
        let bin = cli.path("prefix/bin"), share = cli.path("prefix/share/livejobs/queries")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: share, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: CLI.root.appendingPathComponent("queries").path) {
            try FileManager.default.copyItem(atPath: CLI.root.appendingPathComponent("queries/" + file).path, toPath: share + "/" + file)
        }
        // Binaries are copied by the shell that runs them: a copy written by this multi-threaded
        // process can be held open for writing by a child another test spawns at that moment, and
        // running it then fails with "Text file busy".
        let r = try await cli.run(["-c", "cp \"$LJ\" \"$0\" && livejobs query --list && livejobs query monthly_trend --db c.sqlite --param month=2026-10 --format csv",
                                   bin + "/livejobs"],
                                  binary: "/bin/sh", environment: ["PATH": bin + ":/usr/bin:/bin", "LIVEJOBS_QUERIES": "", "LJ": CLI.binary("livejobs")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Queries in \(share)"), "\(r.stdout)")
        #expect(r.stdout.contains("\n2026-10,4,"), "\(r.stdout)")
        // The same binary installed where no queries are beside it says so, in one line.
        let bare = cli.path("bare/bin")
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
        let nowhere = try await cli.run(["-c", "cp \"$LJ\" \"$0\" && cd / && \"$0\" query --list", bare + "/livejobs"], binary: "/bin/sh",
                                        environment: ["LIVEJOBS_QUERIES": "", "LJ": CLI.binary("livejobs")])
        #expect(nowhere.status == 1, "\(nowhere.status) \(nowhere.stderr)")
        #expect(nowhere.stderr == "livejobs query: error: no queries folder found (looked in ./queries and beside the livejobs binary): "
                + "pass --queries DIR or set LIVEJOBS_QUERIES\n", "\(nowhere.stderr)")
    }

    /// A bad flag is one line on stderr, like every other error, naming the command and where help is.
    /// Help reads the same in a pipe (80 columns) as in a wide terminal: the text is wrapped at
    /// 78 columns in the source, so the argument parser never breaks a line a second time and
    /// leaves one-word fragments.
    @Test func helpIsWrappedOnceAtEveryWidth() async throws {
        let cli = CLI()
        for command in [[], ["import"], ["fetch"], ["query"], ["report"], ["compare"], ["zones"]] {
            let narrow = try await cli.run(command + ["--help"], environment: ["COLUMNS": "80"])
            let wide = try await cli.run(command + ["--help"], environment: ["COLUMNS": "200"])
            let discussion = { (text: String) in String(text.prefix { $0 != "\u{0}" }.components(separatedBy: "\nUSAGE:")[0]) }
            #expect(narrow.status == 0 && wide.status == 0, "\(command)")
            #expect(discussion(narrow.stdout) == discussion(wide.stdout), "\(command): \(narrow.stdout)")
            #expect(discussion(narrow.stdout).split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(command)")
        }
    }

    @Test func badFlagsAreOneLine() async throws {
        let cli = CLI()
        let cases: [(args: [String], needle: String)] = [
            (["report", "--month", "13"], "livejobs report: error: --month takes YYYY-MM, got '13' (see livejobs report --help)"),
            (["bogus"], "livejobs: error: Unexpected argument 'bogus' (see livejobs --help)"),
            (["query", "--format", "xml", "x"], "livejobs query: error:"),
            (["fetch", "--concurrency", "lots"], "livejobs fetch: error:"),
        ]
        for c in cases {
            let r = try await cli.run(c.args)
            #expect(r.status == 64, "\(c.args): \(r.status)")
            #expect(r.stderr.hasPrefix(c.needle), "\(c.args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(c.args): \(r.stderr)")
        }
        let help = try await cli.run(["report", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: livejobs report"))
    }

    /// `--param` names one value each: given twice it is refused, not silently the last one.
    /// `--list` prints the catalog as text; a format for rows does not apply to it.
    @Test func aParameterGivenTwiceAndFormatsForListAreRefused() async throws {
        let cli = CLI()
        _ = try await database(cli)
        let twice = try await cli.run(["query", "monthly_trend", "--db", "c.sqlite", "--param", "month=2026-11", "--param", "month=2026-08"])
        #expect(twice.status == 64 && twice.stderr.contains("--param month was given twice"), "\(twice.stderr)")
        let list = try await cli.run(["query", "--list", "--format", "json"])
        #expect(list.status == 64 && list.stderr.contains("--list prints the catalog as text"), "\(list.stderr)")
    }

    /// An alias of a zone is the zone: `Asia/Calcutta` and `Asia/Kolkata` are kept once, under the
    /// tz database's name, and the report is the same.
    @Test func zoneAliasesAreKeptOnceUnderTheirIANAName() async throws {
        let cli = CLI()
        let db = try await database(cli)
        for tz in ["Asia/Calcutta", "Asia/Kolkata", "US/Eastern"] {
            let r = try await cli.run(["report", "--db", "c.sqlite", "--month", "2026-10", "--tz", tz, "--out", "r-\(tz.replacingOccurrences(of: "/", with: "-"))"])
            #expect(r.status == 0, "\(tz): \(r.stderr)")
        }
        #expect(try strings(db, "SELECT tz FROM usage_zones ORDER BY tz") == ["America/New_York", "Asia/Kolkata", "UTC"])
        let a = try String(contentsOfFile: cli.path("r-Asia-Calcutta/monthly_usage_by_room.csv"), encoding: .utf8)
        let b = try String(contentsOfFile: cli.path("r-Asia-Kolkata/monthly_usage_by_room.csv"), encoding: .utf8)
        #expect(a == b)
    }

    /// The day rows a report computes for a new zone are in the database file itself when it exits:
    /// a copy of the .sqlite alone has them.
    @Test func aReportsNewZoneRowsAreInTheDatabaseFileItself() async throws {
        let cli = CLI()
        _ = try await database(cli)
        let r = try await cli.run(["report", "--db", "c.sqlite", "--month", "2026-10", "--tz", "Asia/Tokyo", "--out", "t"])
        #expect(r.status == 0, "\(r.stderr)")
        let copy = cli.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: cli.path("c.sqlite"), toPath: copy)
        #expect(try strings(copy, "SELECT tz FROM usage_zones ORDER BY tz") == ["Asia/Tokyo", "UTC"])
        #expect(try count(copy, "SELECT count(*) FROM job_day_usage WHERE tz = 'Asia/Tokyo'") == 4)
    }

    /// A database holding only a view (or a trigger) is somebody else's: refused, left as it was.
    @Test func aDatabaseWithOnlyAViewIsAnotherApplications() async throws {
        let cli = CLI()
        let path = cli.path("v.db")
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "CREATE VIEW v AS SELECT 1 AS one") }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let r = try await cli.run(["import", "--db", "v.db", cli.write("v.jsonl", #"{"job_id":"v"}"#)])
        #expect(r.status == 1 && r.stderr.contains("another application's SQLite database (tables and views: v)"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}
