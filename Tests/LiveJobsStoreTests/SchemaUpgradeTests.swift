import Foundation
import GRDB
import Testing
@testable import LiveJobsStore

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
