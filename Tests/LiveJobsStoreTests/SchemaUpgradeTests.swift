import Foundation
import GRDB
import Testing
@testable import LiveJobsStore
import MetaStudio

/// A database file's schema, as far as a new file and an upgraded one must agree: every table,
/// index, view and trigger with its stored SQL (compared as SQLite keeps it, whitespace included:
/// both paths run the same statements, so no normalising is needed and none hides a difference),
/// the columns, indexes and foreign keys SQLite reports for each table, the CHECK constraints of
/// each table, and the migrations recorded.
struct SchemaShape: Equatable {
    var objects: Set<String> = []
    var columns: Set<String> = []
    var indexes: Set<String> = []
    var foreignKeys: Set<String> = []
    var checks: Set<String> = []
    var migrations: Set<String> = []
    var userVersion = 0

    init(_ db: Database) throws {
        // sqlite_stat* hold planner statistics, not schema.
        let rows = try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%'")
        for row in rows {
            let type: String = row["type"], name: String = row["name"], table: String = row["tbl_name"]
            let sql: String? = row["sql"]
            objects.insert("\(type) \(name) on \(table): \(sql ?? "(made by SQLite)")")
            guard type == "table" else { continue }
            for c in try Row.fetchAll(db, sql: "PRAGMA table_xinfo(\(name.quotedDatabaseIdentifier))") {
                columns.insert("\(name).\(c["name"] as String): cid \(c["cid"] as Int) \(c["type"] as String) notnull \(c["notnull"] as Int) "
                               + "default \(c["dflt_value"] as String? ?? "none") pk \(c["pk"] as Int) hidden \(c["hidden"] as Int)")
            }
            for i in try Row.fetchAll(db, sql: "PRAGMA index_list(\(name.quotedDatabaseIdentifier))") {
                let index: String = i["name"]
                let keys = try Row.fetchAll(db, sql: "PRAGMA index_xinfo(\(index.quotedDatabaseIdentifier))").map {
                    "\($0["name"] as String? ?? "rowid") \($0["desc"] as Int == 1 ? "desc" : "asc") \($0["coll"] as String? ?? "") key \($0["key"] as Int)"
                }
                indexes.insert("\(name).\(index): unique \(i["unique"] as Int) origin \(i["origin"] as String) partial \(i["partial"] as Int) "
                               + "(\(keys.joined(separator: ", ")))")
            }
            for f in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(name.quotedDatabaseIdentifier))") {
                foreignKeys.insert("\(name).\(f["from"] as String) -> \(f["table"] as String).\(f["to"] as String? ?? "pk") "
                                   + "on update \(f["on_update"] as String) on delete \(f["on_delete"] as String)")
            }
            for check in SchemaShape.checks(in: sql ?? "") { checks.insert("\(name): \(check)") }
        }
        if try db.tableExists("grdb_migrations") {
            migrations = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        }
        userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
    }

    /// Every `CHECK (...)` of a CREATE TABLE statement, its parentheses balanced.
    static func checks(in sql: String) -> [String] {
        var found: [String] = []
        var rest = sql[...]
        while let start = rest.range(of: "CHECK", options: .caseInsensitive) {
            var depth = 0
            var end = start.upperBound
            for index in rest[start.upperBound...].indices {
                if rest[index] == "(" { depth += 1 }
                if rest[index] == ")" {
                    depth -= 1
                    if depth == 0 { end = rest.index(after: index); break }
                }
            }
            found.append(String(rest[start.lowerBound..<end]))
            rest = rest[end...]
        }
        return found
    }

    /// What one shape has and the other lacks, field by field, for a failure message.
    func differences(from other: SchemaShape) -> String {
        var lines: [String] = []
        func compare(_ what: String, _ mine: Set<String>, _ theirs: Set<String>) {
            for item in mine.subtracting(theirs).sorted() { lines.append("  only upgraded \(what): \(item)") }
            for item in theirs.subtracting(mine).sorted() { lines.append("  only new \(what): \(item)") }
        }
        compare("object", objects, other.objects)
        compare("column", columns, other.columns)
        compare("index", indexes, other.indexes)
        compare("foreign key", foreignKeys, other.foreignKeys)
        compare("check", checks, other.checks)
        compare("migration", migrations, other.migrations)
        if userVersion != other.userVersion { lines.append("  user_version \(userVersion) against \(other.userVersion)") }
        return lines.joined(separator: "\n")
    }
}

/// Any database livejobs ever made upgrades, through the real open path, to exactly the schema a
/// new file gets; and no migration that has shipped is ever edited (GRDB's rule: every change is
/// a new migration), since files that ran the old text would differ from new ones for ever.
@Suite(.timeLimit(.minutes(2))) struct SchemaUpgradeTests {
    func shape(_ path: String) throws -> SchemaShape {
        try DatabaseQueue(path: path).read { try SchemaShape($0) }
    }

    /// A file made with `steps`, as GRDB's migrator made it then (its `grdb_migrations` rows
    /// included), holding one unfinished job of a project.
    func makeFile(_ path: String, _ steps: [ShippedMigrations.Step]) throws {
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for step in steps { migrator.registerMigration(step.identifier, migrate: step.apply) }
        try migrator.migrate(queue)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO jobs (job_id, project_id, region, state, create_time, counts_in_rates, is_error, is_blocked, raw_json, stored_at)
                VALUES ('old', 'p', 'cn-north-4', 'PROCESSING', '2026-01-01T00:00:00Z', 0, 0, 0, '{"job_id":"old"}', '2026-01-01T00:00:00Z')
                """)
        }
        try queue.close()
    }

    /// The schema a brand-new file gets from this livejobs (whatever migrations it now has).
    func newFileShape(_ dir: TempDir) throws -> SchemaShape {
        let path = dir.url.appendingPathComponent("new.sqlite").path
        _ = try JobStore(path: path, logger: .discarding)
        return try shape(path)
    }

    @Test(arguments: ShippedMigrations.histories.indices)
    func anOlderFileUpgradesToExactlyTheSchemaOfANewOne(_ history: Int) throws {
        let (made, steps) = ShippedMigrations.histories[history]
        let dir = TempDir()
        let expected = try newFileShape(dir)
        try makeFile(dir.dbPath, steps)
        let before = try shape(dir.dbPath)
        #expect(before.migrations == Set(steps.map(\.identifier)))
        do {
            let store = try JobStore(path: dir.dbPath, logger: .discarding)
            #expect(try store.jobCount() == 1, "\(made): the stored job")
        }
        let differences = try shape(dir.dbPath).differences(from: expected)
        #expect(differences.isEmpty, "a file \(made) differs from a new one after the upgrade:\n\(differences)")
        #expect(try DatabaseQueue(path: dir.dbPath).read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"])
        // The upgrade left the old file a livejobs file with nothing left to do.
        #expect(try DatabaseFile(path: dir.dbPath).inspect() == .livejobs(current: true))
    }

    /// A v9 file with jobs: its per-day seconds (doubles: a day's share of a job is the difference
    /// of two epoch instants, a hair off the decimal value) become exact microseconds, its rollup
    /// is summed again from them, and a figure that v9's floating-point total put just under a
    /// half step comes out as the exact total rounds.
    @Test func aV9FilesSecondsBecomeExactMicrosecondsAndItsRollupIsSummedAgain() throws {
        let dir = TempDir()
        try makeFile(dir.dbPath, Array(ShippedMigrations.current.prefix(9)))
        // Three jobs of 0.1 s, 0.1 s and 17.8 s on 17 September: 18 s exactly, 0.005 h. The
        // splitter that v9 ran makes each share the difference of two epoch instants, rounded to
        // the 2^-22 s those instants are kept to: here all three round down, and their sum falls
        // a hair under 18 s (two shares that add up to whole seconds cancel each other out).
        let lengths = [0.1, 0.1, 17.8]
        func start(_ job: Int) -> String { "2026-09-17T1\(job):00:00.123Z" }
        let slices = lengths.indices.flatMap { job -> [DaySlice] in
            let instant = RFC3339.parse(start(job))!
            return UsageSplitter.slices(of: UsageInput(start: instant, end: nil, createTime: nil, lastupdateTime: nil, liveSeconds: lengths[job],
                                                       streamedSeconds: lengths[job] / 2), in: .utc)
        }
        #expect(slices.count == 3)
        try #require(slices.reduce(0) { $0 + $1.liveSeconds! } < 18)
        try DatabaseQueue(path: dir.dbPath).write { db in
            for (job, slice) in slices.enumerated() {
                try db.execute(sql: """
                    INSERT INTO jobs (job_id, room_id, state, start_time, live_seconds, streamed_seconds, counts_in_rates, is_error, is_blocked, raw_json, stored_at)
                    VALUES (?, 'r', 'SUCCEED', ?, ?, ?, 1, 0, 0, '{}', '2026-09-30T00:00:00Z')
                    """, arguments: ["j\(job)", start(job), lengths[job], lengths[job] / 2])
                try db.execute(sql: "INSERT INTO job_day_usage (tz, day, job_id, live_seconds, streamed_seconds, is_home) VALUES ('UTC', ?, ?, ?, ?, 1)",
                               arguments: [RFC3339Day.text(slice.day), "j\(job)", slice.liveSeconds, slice.streamedSeconds])
            }
            try db.execute(sql: ShippedMigrations.v8RollupSums, arguments: ["UTC"])
        }
        let figure = "SELECT live_hours FROM usage_figures WHERE tz = 'UTC' AND grain = 'day' AND month = '2026-09' AND period = '2026-09-17'"
        #expect(try DatabaseQueue(path: dir.dbPath).read { try Double.fetchOne($0, sql: figure) } == 0, "v9: a hair under 0.005 h")

        _ = try JobStore(path: dir.dbPath, logger: .discarding)
        try DatabaseQueue(path: dir.dbPath).read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT live_us, streamed_us, live_seconds FROM job_day_usage ORDER BY job_id")
            #expect(rows.map { $0["live_us"] as Int64 } == [100_000, 100_000, 17_800_000])
            #expect(rows.map { $0["streamed_us"] as Int64 } == [50_000, 50_000, 8_900_000])
            for (row, slice) in zip(rows, slices) {
                #expect(row["live_us"] as Int64? == Microseconds.of(slice.liveSeconds))
                #expect(row["live_seconds"] as Double? == Double(row["live_us"] as Int64) / 1_000_000)
            }
            #expect(try Int64.fetchAll(db, sql: "SELECT live_us FROM usage_rollup") == [18_000_000])
            #expect(try Int64.fetchAll(db, sql: "SELECT job_live_us FROM usage_rollup") == [18_000_000])
            #expect(try Double.fetchOne(db, sql: figure) == 0.01)
        }
    }

    /// An upgrade whose sums would pass 64 bits stops with one line naming the file and leaves
    /// it as it was: still v9, its rows and REAL seconds untouched.
    @Test func anUpgradeWhoseSumsPass64BitsLeavesTheFileAsItWas() throws {
        let dir = TempDir()
        try makeFile(dir.dbPath, Array(ShippedMigrations.current.prefix(9)))
        try DatabaseQueue(path: dir.dbPath).write { db in
            // Values no import stores (a year at most per job), written by hand: 5e12 s each.
            for id in ["big1", "big2"] {
                try db.execute(sql: """
                    INSERT INTO jobs (job_id, room_id, state, start_time, live_seconds, counts_in_rates, is_error, is_blocked, raw_json, stored_at)
                    VALUES (?, 'r', 'SUCCEED', '2026-09-01T00:00:00Z', 5e12, 1, 0, 0, '{}', '2026-09-30T00:00:00Z')
                    """, arguments: [id])
                try db.execute(sql: "INSERT INTO job_day_usage (tz, day, job_id, live_seconds, is_home) VALUES ('UTC', '2026-09-01', ?, 5e12, 1)",
                               arguments: [id])
            }
        }
        let before = try shape(dir.dbPath)
        let error = #expect(throws: StoreError.self) { try JobStore(path: dir.dbPath, logger: .discarding) }
        let message = error?.description ?? ""
        #expect(message.hasPrefix("\(dir.dbPath) cannot be upgraded") && message.contains("64-bit") && !message.contains("\n"), "\(message)")
        #expect(try shape(dir.dbPath) == before)
        #expect(!before.migrations.contains("v10-usage-microseconds"))
        #expect(try DatabaseQueue(path: dir.dbPath).read { try Double.fetchAll($0, sql: "SELECT live_seconds FROM job_day_usage") } == [5e12, 5e12])
    }

    /// The comparison can fail: a file with one index more, or one CHECK less, is told apart.
    @Test func theComparisonSeesAnIndexAndACheck() throws {
        let dir = TempDir()
        _ = try JobStore(path: dir.dbPath, logger: .discarding)
        let plain = try shape(dir.dbPath)
        try DatabaseQueue(path: dir.dbPath).write { try $0.execute(sql: "CREATE INDEX extra ON jobs(state)") }
        let indexed = try shape(dir.dbPath)
        #expect(indexed != plain)
        #expect(indexed.differences(from: plain).contains("only upgraded index: jobs.extra"))
        #expect(SchemaShape.checks(in: "CREATE TABLE t (a TEXT CHECK (a IN ('x', 'y')), b INT CHECK ((b > 0) AND (b < 9)))")
                == ["CHECK (a IN ('x', 'y'))", "CHECK ((b > 0) AND (b < 9))"])
        #expect(plain.checks.contains("jobs: \(ShippedMigrations.v3To)"))
    }

    static let rule = "a migration that has shipped must never change (files that ran it keep what it did): "
        + "restore its text and add a new migration at the end of Migrations.migrator instead"

    /// The shipped migrations are registered first, in their order, with their shipped text; and
    /// each prefix of the current migrator makes the schema the shipped SQL made.
    @Test func noShippedMigrationHasBeenEdited() throws {
        let shipped = ShippedMigrations.current
        let registered = Migrations.migrator.migrations
        #expect(Array(registered.prefix(shipped.count)) == shipped.map(\.identifier),
                "registered \(registered): \(Self.rule)")
        let texts: [(String, String, String)] = [
            ("v1-jobs", Migrations.v1, ShippedMigrations.v1), ("v2-sync-runs", Migrations.v2, ShippedMigrations.v2),
            ("v3-live-source-check", Migrations.v1LiveSourceCheck, ShippedMigrations.v3From),
            ("v3-live-source-check", Migrations.v3LiveSourceCheck, ShippedMigrations.v3To),
            ("v4-job-flags", Migrations.v4, ShippedMigrations.v4), ("v5-sync-runs-unresolved", Migrations.v5, ShippedMigrations.v5),
            ("v6-sync-runs-process", Migrations.v6, ShippedMigrations.v6), ("v7-sync-runs-failed-requests", Migrations.v7, ShippedMigrations.v7),
            ("v8-usage-rollup", Migrations.v8, ShippedMigrations.v8), ("v8-usage-rollup", Migrations.v8RollupSums, ShippedMigrations.v8RollupSums),
            ("v9-indexes-as-new-files", Migrations.v9, ShippedMigrations.v9),
            ("v10-usage-microseconds", Migrations.v10, ShippedMigrations.v10),
            ("v11-usage-by-project", Migrations.v11, ShippedMigrations.v11),
        ]
        for (identifier, now, then) in texts {
            #expect(now == then, "\(identifier): \(Self.rule)")
        }
        let dir = TempDir()
        for count in 1 ... shipped.count {
            let identifier = shipped[count - 1].identifier
            let viaCode = dir.url.appendingPathComponent("code-\(count).sqlite").path
            let queue = try DatabaseQueue(path: viaCode)
            try Migrations.migrator.migrate(queue, upTo: identifier)
            try queue.close()
            let viaText = dir.url.appendingPathComponent("text-\(count).sqlite").path
            try makeFile(viaText, Array(shipped.prefix(count)))
            try DatabaseQueue(path: viaText).write { try $0.execute(sql: "DELETE FROM jobs") }
            let differences = try shape(viaCode).differences(from: try shape(viaText))
            #expect(differences.isEmpty, "up to \(identifier): \(Self.rule)\n\(differences)")
        }
    }
}
