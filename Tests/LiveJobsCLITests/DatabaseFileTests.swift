import Foundation
import GRDB
import Testing

/// What `--db` may name, for every command: an unusable name, another application's SQLite file
/// (left byte-identical), a read-only or full disk, and two commands creating a new file at once.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DatabaseFileTests {
    static let token = "TOKEN-dbfile-5e1c"
    static let project = "0123456789abcdef0123456789abcdef"

    func job(_ id: String) -> String {
        #"{"job_id":"\#(id)","room_id":"r1","room_name":"Room One","state":"SUCCEED","start_time":"2026-10-05T10:00:00Z","duration":7200,"stream_duration":6000,"create_time":"2026-10-05T10:00:00Z","lastupdate_time":"2026-10-05T10:00:00Z"}"#
    }

    func jobs(_ prefix: String, _ n: Int) -> String { (0..<n).map { job("\(prefix)-\($0)") }.joined(separator: "\n") + "\n" }

    /// Every command, pointed at `db`; fetch at a port nothing listens on, so a run that got past
    /// the database check would fail differently.
    func everyCommand(_ cli: CLI, db: String, importing file: String) -> [[String]] {
        [["import", "--db", db, file],
         ["fetch", "--db", db, "--endpoint", "http://127.0.0.1:9", "--project-id", DatabaseFileTests.project, "--timeout", "2"],
         ["query", "jobs_per_state_per_room", "--db", db],
         ["report", "--db", db, "--out", cli.path("out")],
         ["report", "--db", db, "--tz", "Asia/Shanghai", "--month", "2026-10", "--out", cli.path("out")],
         ["compare", "r1", "--db", db]]
    }

    /// The bytes of `path` and of whatever sits beside it with the same name and a suffix.
    func snapshot(_ path: String) throws -> [String: Data] {
        let dir = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        var files: [String: Data] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: dir) where entry.hasPrefix(name) {
            files[entry] = try Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(entry)))
        }
        return files
    }

    @Test func anEmptyOrUnusableDbIsRefusedWithOneLineBeforeAnythingRuns() throws {
        let cli = CLI()
        let file = cli.write("j.jsonl", jobs("a", 2))
        let json = cli.write("page.json", #"{"count":1,"smart_live_jobs":[\#(job("x"))]}"#)
        let jsonBytes = try Data(contentsOf: URL(fileURLWithPath: json))
        try FileManager.default.createDirectory(atPath: cli.path("folder"), withIntermediateDirectories: true)
        let cases: [(db: String, needle: String)] = [
            ("", "--db is empty"),
            (":memory:", "would keep nothing"),
            (cli.path("no/such/folder/x.sqlite"), "the folder \(cli.path("no/such/folder")) does not exist"),
            (cli.path("folder"), "is a folder, not a database file"),
            (json, "page.json is not a SQLite database (it starts with \"{\"count\":1,"),
            ("/dev/null", "/dev/null is not a regular file"),
        ]
        for c in cases {
            for args in everyCommand(cli, db: c.db, importing: file) {
                let r = try cli.run(args, environment: ["METASTUDIO_AUTH_TOKEN": DatabaseFileTests.token])
                #expect(r.status == 1, "\(args): \(r.status) \(r.stderr)")
                #expect(r.stderr.contains(c.needle), "\(args): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: json)) == jsonBytes)
        #expect(!FileManager.default.fileExists(atPath: cli.path("no")))
        // Read commands never create a database where there was none.
        let missing = try cli.run(["query", "jobs_per_state_per_room", "--db", "absent.sqlite"])
        #expect(missing.status == 1 && missing.stderr.contains("no database at absent.sqlite"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.path("absent.sqlite")))
    }

    @Test func anotherApplicationsDatabaseIsRefusedByEveryCommandAndLeftByteIdentical() throws {
        let cli = CLI()
        let file = cli.write("j.jsonl", jobs("a", 3))
        // One in rollback-journal mode, one in WAL mode, one using GRDB migrations of its own.
        let plain = cli.path("notes.db"), wal = cli.path("places.sqlite"), grdb = cli.path("other-grdb.sqlite")
        try DatabaseQueue(path: plain).write { db in
            try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')")
        }
        do {
            let queue = try DatabaseQueue(path: wal)
            _ = try queue.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode = WAL") }
            try queue.write { try $0.execute(sql: "CREATE TABLE jobs (job_id TEXT PRIMARY KEY, what TEXT); INSERT INTO jobs VALUES ('x', 'not ours')") }
            try queue.close()
        }
        do {
            var migrator = DatabaseMigrator()
            migrator.registerMigration("create-invoices") { try $0.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY)") }
            let queue = try DatabaseQueue(path: grdb)
            try migrator.migrate(queue)
            try queue.close()
        }
        for db in [plain, wal, grdb] {
            let before = try snapshot(db)
            #expect(before.count == 1, "\(before.keys)")
            for args in everyCommand(cli, db: db, importing: file) {
                let r = try cli.run(args, environment: ["METASTUDIO_AUTH_TOKEN": DatabaseFileTests.token])
                #expect(r.status == 1, "\(args): \(r.status) \(r.stderr)")
                #expect(r.stderr.contains("is another application's SQLite database"), "\(args): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
                #expect(try snapshot(db) == before, "\(args) changed \(db) or left files beside it")
            }
        }
        let mode = try DatabaseQueue(path: plain).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "delete")
    }

    @Test func readCommandsKeepTheJournalModeAndWriteNothingWhenNothingIsMissing() throws {
        let cli = CLI()
        let file = cli.write("j.jsonl", jobs("a", 5))
        #expect(try cli.run(["import", "--db", "l.sqlite", file]).status == 0)
        let db = cli.path("l.sqlite")
        // The user turned WAL off to ship the file as one; reading it must not turn it back on.
        _ = try DatabaseQueue(path: db).writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode = DELETE") }
        let before = try snapshot(db)
        for args in [["query", "jobs_per_state_per_room", "--db", db], ["report", "--db", db, "--out", cli.path("r1")],
                     ["compare", "r1", "--db", db, "--month", "2026-10"]] {
            let r = try cli.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(try snapshot(db) == before, "\(args) wrote to the database")
        }
        // A new time zone's usage rows are written, and nothing else changes.
        let zone = try cli.run(["report", "--db", db, "--tz", "Asia/Shanghai", "--out", cli.path("r2")])
        #expect(zone.status == 0, "\(zone.stderr)")
        let after = try DatabaseQueue(path: db).read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "SELECT count(*) FROM usage_zones WHERE tz = 'Asia/Shanghai'"))
        }
        #expect(after.0 == "delete" && after.1 == 1)
        #expect(Set(try snapshot(db).keys) == ["l.sqlite"])
    }

    @Test func twoImportsStartedAtOnceOnANewDatabaseBothSucceed() throws {
        let cli = CLI()
        let a = cli.write("a.jsonl", jobs("a", 200)), b = cli.write("b.jsonl", jobs("b", 300))
        for round in 0..<6 {
            let db = "new-\(round).sqlite"
            final class Box: @unchecked Sendable { var results: [Swift.Result<CLI.Result, Error>?] = [nil, nil]; let lock = NSLock() }
            let box = Box()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let r = Swift.Result { try cli.run(["import", "--db", db, i == 0 ? a : b], timeout: 60) }
                box.lock.withLock { box.results[i] = r }
            }
            for r in box.results {
                // A run that timed out fails here with what it printed (its TimedOut error).
                let result = try #require(r).get()
                #expect(result.status == 0, "round \(round): \(result.stderr)")
            }
            let count = try DatabaseQueue(path: cli.path(db)).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs") }
            #expect(count == 500, "round \(round)")
        }
    }
}
