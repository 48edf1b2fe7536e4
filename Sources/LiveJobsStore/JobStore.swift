import CSQLite
import Foundation
import GRDB
import Logging
import MetaStudio

/// The livejobs database: one SQLite file, migrated on open. Writers go through this type;
/// readers (queries, reports) open their own read-only connection with `openReadOnly`.
public final class JobStore {
    public let path: String
    let dbQueue: DatabaseQueue
    let logger: Logger

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String, logger: Logger = Logger(label: "livejobs.store")) throws {
        JobStore.configureSQLite()
        self.path = path
        self.logger = logger
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // 16 KiB pages for a new file (an existing one keeps its own): a job row is ~2 KiB of
            // mostly raw JSON, and bigger pages halve the WAL frames and syscalls of a bulk write.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768")
        }
        dbQueue = try DatabaseQueue(path: path, configuration: config)
        try Migrations.migrator.migrate(dbQueue)
    }

    /// Process-wide SQLite settings, applied before the first connection opens: no memory
    /// statistics (they cost a global mutex on every allocation of every connection).
    private static let sqliteConfigured: Void = { _ = CSQLite_disable_memory_statistics() }()

    static func configureSQLite() { _ = sqliteConfigured }

    /// A read-only connection: queries run here cannot change the database, whatever their SQL.
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        configureSQLite()
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("no database at \(path); run `livejobs import` or `livejobs fetch` first, or pass --db")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: config)
        let hasJobs = try queue.read { db in try db.tableExists("jobs") }
        guard hasJobs else { throw StoreError("\(path) is not a livejobs database (no jobs table)") }
        return queue
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

    /// Time zones whose per-day usage rows are kept up to date on every write.
    public func materializedZones() throws -> [ZoneOffsets] {
        try dbQueue.read { db in
            try String.fetchAll(db, sql: "SELECT tz FROM usage_zones ORDER BY tz").compactMap(ZoneOffsets.init(identifier:))
        }
    }

    /// Makes sure `job_day_usage` holds rows for `zone`, computing them from stored jobs the first
    /// time a zone is asked for; later imports keep them current.
    public func ensureUsage(for zone: ZoneOffsets) throws {
        let known = try dbQueue.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM usage_zones WHERE tz = ?", arguments: [zone.identifier]) ?? false
        }
        if known { return }
        logger.info("computing per-day usage", metadata: ["tz": "\(zone.identifier)"])
        try dbQueue.write { db in
            let insert = try JobWriter.usageStatement(db)
            let rows = try Row.fetchCursor(db, sql: "SELECT raw_json FROM jobs")
            while let row = try rows.next() {
                let raw: String = row[0]
                let job = try SmartLiveJob(json: try JSONParser.parse(raw))
                try JobWriter.insertUsage(of: PreparedJob(usageOf: try NormalizedJob(job), zones: [zone]), with: insert)
            }
            try db.execute(sql: "INSERT INTO usage_zones (tz, built_at) VALUES (?, ?)",
                           arguments: [zone.identifier, RFC3339.format(Date().timeIntervalSince1970)])
        }
    }

    /// Counts of the stored data, for summaries and tests.
    public func jobCount() throws -> Int {
        try dbQueue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs") ?? 0 }
    }
}

/// A store failure with a message meant for the user.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
