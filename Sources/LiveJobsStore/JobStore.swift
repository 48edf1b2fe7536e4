import CSQLite
import Foundation
import GRDB
import Logging
import MetaStudio

/// The livejobs database: one SQLite file, migrated on open. Writers go through this type;
/// readers (queries, reports) open their own read-only connection with `openReadOnly`.
/// Sendable: its fields never change, and GRDB's `DatabaseQueue` serializes the connection's use.
public final class JobStore: Sendable {
    public let path: String
    let dbQueue: DatabaseQueue
    let logger: Logger

    /// How a command uses the database.
    public enum Access: Sendable {
        /// `import`, `fetch`: creates the file if needed, in WAL mode with 16 KiB pages.
        case write
        /// A read command's writes (per-day usage rows of a new time zone, an older schema's
        /// migrations) on an existing livejobs file: never creates a file, never changes its
        /// journal mode or page size.
        case upkeep
    }

    /// Opens (creating if needed, for `.write`) and migrates the database at `path`. Before any
    /// write, `DatabaseFile.inspect` refuses a path that is no usable file, is not SQLite, or is
    /// another application's database; the schema is created or upgraded under a lock, so that
    /// commands started at once on a new file create it once. Throws `StoreError` with the path
    /// and what to do (`DatabaseProblem`). Logs to `logger`, which the caller sets up (a library
    /// never picks where log lines go: standard output may be a CSV): at `.debug` what it does
    /// (`db.path`, `db.access`, `tz`, pages committed), at `.info` what it repaired on the way (a
    /// fetch killed before it recorded its end).
    public init(path: String, logger: Logger, access: Access = .write) throws {
        JobStore.configureSQLite()
        self.path = path
        self.logger = logger
        let file = try DatabaseFile(path: path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        let setsUpFile = access == .write
        config.prepareDatabase { db in
            if setsUpFile {
                // 16 KiB pages for a new file (an existing one keeps its own): a job row is ~2 KiB of
                // mostly raw JSON, and bigger pages halve the WAL frames and syscalls of a bulk write.
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768")
        }
        dbQueue = try DatabaseProblem.mapping(path: path) {
            let contents = try file.inspect()
            if access == .upkeep && !contents.isLivejobs { throw file.noDatabase }
            if access == .write { try file.checkWritable() }
            if contents != .livejobs(current: true) {
                if access == .upkeep && Glibc.access(path, W_OK) != 0 {
                    throw StoreError("\(path) was written by an older livejobs and its schema must be upgraded, which needs write access, but it is read-only: make it writable, or work on a writable copy")
                }
                try file.withSchemaLock {
                    let queue = try DatabaseQueue(path: file.sqlitePath, configuration: config)
                    defer { try? queue.close() }
                    do {
                        try Migrations.migrator.migrate(queue)
                    } catch is SumOverflow {
                        throw StoreError("\(path) cannot be upgraded to this livejobs' schema and was left as it was: \(SumOverflow.reason) (\(SumOverflow.hint))")
                    }
                }
            }
            let queue = try DatabaseQueue(path: file.sqlitePath, configuration: config)
            logger.debug("database opened", metadata: ["db.path": "\(path)", "db.access": "\(access)"])
            // SQLite opens a file it may not write read-only without a word; say so before any work.
            if access == .write, try queue.read({ db in sqlite3_db_readonly(db.sqliteConnection, "main") == 1 }) {
                throw DatabaseProblem.readOnly(path)
            }
            return queue
        }
    }

    /// Process-wide SQLite settings, applied before the first connection opens: no memory
    /// statistics (they cost a global mutex on every allocation of every connection).
    private static let sqliteConfigured: Void = { _ = CSQLite_disable_memory_statistics() }()

    static func configureSQLite() { _ = sqliteConfigured }

    /// A read-only connection: queries run here cannot change the database, whatever their SQL.
    /// Throws `StoreError` when `path` holds no livejobs database (see `DatabaseFile.inspect`), or
    /// one whose schema is older than this livejobs (open it with `.upkeep` access first).
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        configureSQLite()
        let file = try DatabaseFile(path: path)
        return try DatabaseProblem.mapping(path: path) {
            switch try file.inspect() {
            case .absent, .empty: throw file.noDatabase
            case .livejobs(current: false):
                throw StoreError("\(path) was written by an older livejobs and its schema must be upgraded first (open it with write access)")
            case .livejobs(current: true): break
            }
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(10)
            do {
                return try DatabaseQueue(path: file.sqlitePath, configuration: config)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN {
                // A WAL database in a folder this process cannot write (read-only media, another
                // user's folder): nobody is writing it when no -wal file exists, so read it as is.
                guard let uri = file.immutableURI else { throw error }
                return try DatabaseQueue(path: uri, configuration: config)
            }
        }
    }

    /// A second connection that copies committed WAL frames into the database file while the
    /// writer goes on (see `GroupCommitter`).
    func openCheckpointConnection() throws -> DatabaseQueue {
        var config = Configuration()
        config.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// Whether commits on the writing connection copy the WAL into the database themselves
    /// (SQLite's default, at 1,000 pages) or leave it to a background checkpointer.
    func setAutomaticCheckpoints(_ on: Bool) throws {
        try dbQueue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(on ? 1000 : 0)")
        }
    }

    /// A read of the database; SQLite's errors come out as `DatabaseProblem`'s one-line `StoreError`
    /// that names the file and says what to do (a full disk, a locked or damaged file).
    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        try DatabaseProblem.mapping(path: path) { try dbQueue.read(body) }
    }

    /// A write transaction; errors as `reading` says.
    func writing<T>(_ body: (Database) throws -> T) throws -> T {
        try DatabaseProblem.mapping(path: path) { try dbQueue.write(body) }
    }

    /// Time zones whose per-day usage rows are kept up to date on every write.
    public func materializedZones() throws -> [ZoneOffsets] {
        try reading { db in
            try String.fetchAll(db, sql: "SELECT tz FROM usage_zones ORDER BY tz").compactMap(ZoneOffsets.init(identifier:))
        }
    }

    /// Makes sure `job_day_usage` holds rows for `zone`, computing them from stored jobs the first
    /// time a zone is asked for; later imports keep them current.
    public func ensureUsage(for zone: ZoneOffsets) throws {
        do {
            try buildUsage(for: zone)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            throw StoreError("time zone \(zone.identifier) needs per-day usage rows that \(path) does not hold yet, and it is read-only: run once with write access, or use --tz UTC")
        } catch let error as DatabaseError {
            throw DatabaseProblem.describe(error, path: path)
        }
    }

    private func buildUsage(for zone: ZoneOffsets) throws {
        let known = try dbQueue.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM usage_zones WHERE tz = ?", arguments: [zone.identifier]) ?? false
        }
        if known { return }
        logger.debug("computing per-day usage rows of a time zone used for the first time", metadata: [
            "db.path": "\(path)", "tz": "\(zone.identifier)",
        ])
        try dbQueue.write { db in
            // Rows of a zone not listed are strays (a zone dropped while a fetch was writing it).
            try db.execute(sql: "DELETE FROM job_day_usage WHERE tz = ?", arguments: [zone.identifier])
            try db.execute(sql: "DELETE FROM usage_rollup WHERE tz = ?", arguments: [zone.identifier])
            let insert = try JobWriter.usageStatement(db)
            let rollup = try UsageRollup(db, zones: [zone.identifier])
            // From the stored figures, not by normalizing again: staleness depends on when a job was
            // read, and every zone must split the same hours. Text as bytes: GRDB reads a String only
            // up to its first NUL, and ids and names from outside may hold one.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT CAST(job_id AS BLOB), start_time, end_time, create_time, lastupdate_time, live_seconds, streamed_seconds,
                       CAST(room_id AS BLOB), CAST(room_name AS BLOB), CAST(state AS BLOB), CAST(error_code AS BLOB),
                       CAST(error_msg AS BLOB), counts_in_rates, is_error, is_blocked, is_ongoing,
                       EXISTS (SELECT 1 FROM job_flags f WHERE f.job_id = jobs.job_id),
                       CAST(project_id AS BLOB), CAST(region AS BLOB), CAST(used_resource_type AS BLOB)
                FROM jobs
                """)
            while let row = try rows.next() {
                let text = { (column: Int) -> String? in (row[column] as Data?).map { String(decoding: $0, as: UTF8.self) } }
                let instant = { (column: Int) -> Double? in (row[column] as String?).flatMap(RFC3339.parse) }
                let usage = UsageInput(start: instant(1), end: instant(2), createTime: instant(3),
                                       lastupdateTime: instant(4), liveSeconds: row[5], streamedSeconds: row[6])
                let facts = RollupFacts(
                    group: RollupGroup(roomId: text(7), roomName: text(8), state: text(9),
                                       errorCode: text(10), errorMsg: text(11), usedResourceType: text(19)),
                    countsInRates: row[12], isError: row[13], isBlocked: row[14], isOngoing: row[15],
                    isFlagged: row[16], liveSeconds: row[5], streamedSeconds: row[6])
                let prepared = PreparedJob(usageOf: usage, jobId: text(0) ?? "", zones: [zone], facts: facts,
                                           startTime: row[1], createTime: row[3])
                try JobWriter.insertUsage(of: prepared, with: insert)
                try prepared.arena.withUnsafeBufferPointer { try rollup.add(prepared, arena: $0, projectId: text(17), region: text(18)) }
            }
            try db.execute(sql: "INSERT INTO usage_zones (tz, built_at) VALUES (?, ?)",
                           arguments: [zone.identifier, RFC3339.format(Date().timeIntervalSince1970.rounded(.down))])  // whole seconds, as the UTC row the schema writes
            // The zone's rollup rows, summed from the same pass over the jobs.
            try rollup.flush(db)
        }
    }

    /// Copies everything the WAL holds into the database file and closes the connection, so that the
    /// `.sqlite` file is complete on its own (a copy of it alone holds every table and row) whatever
    /// the command's outcome. A reader keeping part of the WAL in use only shortens the copy.
    ///
    /// While another process is using the file (a second import, a report reading it), the copy may
    /// be cut short or not run (SQLite answers busy, even to a passive checkpoint while another one
    /// runs): that is not an error, since the last connection to close copies the rest.
    /// Throws `StoreError` naming the file: on a full disk, that what was committed is kept in the
    /// `-wal` file beside it until there is room to copy it.
    public func close() throws {
        do {
            try dbQueue.writeWithoutTransaction { db in
                do {
                    try db.checkpoint(.truncate)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    _ = try? db.checkpoint(.passive)
                }
            }
            try dbQueue.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw StoreError("the disk holding \(path) is full: what was committed is stored, in \(path)-wal beside it, and is copied into \(path) by the next livejobs command once there is room; free some space or move both files to another disk")
        } catch let error as DatabaseError {
            throw DatabaseProblem.describe(error, path: path)
        }
    }

    /// The zones whose per-day usage rows are kept (`usage_zones`), each with its row count, UTC first.
    public func usageZones() throws -> [(tz: String, days: Int, builtAt: String)] {
        try reading { db in
            try Row.fetchAll(db, sql: """
                SELECT z.tz, (SELECT count(*) FROM job_day_usage u WHERE u.tz = z.tz), z.built_at
                FROM usage_zones z ORDER BY z.tz <> 'UTC', z.tz
                """).map { (tz: $0[0], days: $0[1], builtAt: $0[2]) }
        }
    }

    /// Stops keeping per-day rows for `tz` (a zone asked for by mistake costs every later import),
    /// deleting them; returns how many rows went. Throws `ZoneNotDroppable` for UTC (reports without
    /// `--tz` use it) and for a zone that is not kept: the caller's argument, not the database.
    public func dropUsage(for tz: String) throws -> Int {
        guard tz != "UTC" else { throw ZoneNotDroppable(tz: tz, kept: nil) }
        return try writing { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM usage_zones WHERE tz = ?", arguments: [tz]) ?? false else {
                throw ZoneNotDroppable(tz: tz, kept: try String.fetchAll(db, sql: "SELECT tz FROM usage_zones ORDER BY tz <> 'UTC', tz"))
            }
            try db.execute(sql: "DELETE FROM job_day_usage WHERE tz = ?", arguments: [tz])
            let rows = db.changesCount
            try db.execute(sql: "DELETE FROM usage_zones WHERE tz = ?", arguments: [tz])
            try db.execute(sql: "DELETE FROM usage_rollup WHERE tz = ?", arguments: [tz])
            return rows
        }
    }

    /// Counts of the stored data, for summaries and tests.
    public func jobCount() throws -> Int {
        try reading { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs") ?? 0 }
    }
}

/// A store failure with a message meant for the user.
/// A zone `dropUsage` will not drop: UTC (`kept` nil), or one that is not kept (`kept`: the
/// zones that are, UTC first).
public struct ZoneNotDroppable: Error {
    public let tz: String
    public let kept: [String]?
}

public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
