import Foundation
import GRDB
import LiveJobsStore

/// What a report or query needs: the catalog, a read-only connection and the usage rows of the
/// chosen time zone (computed on first use, which is the only write a report may cause).
public struct ReportContext {
    public let catalog: QueryCatalog
    public let runner: QueryRunner
    public let databasePath: String

    public init(databasePath: String, catalog: QueryCatalog, zones: [String]) throws {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw StoreError("no database at \(databasePath); run `livejobs import` or `livejobs fetch` first, or pass --db")
        }
        let needed = try zones.map { name -> ZoneOffsets in
            let valid: String
            do { valid = try TimeZoneName.validate(name) } catch { throw QueryError("--tz: \(error)") }
            guard let zone = ZoneOffsets(identifier: valid) else { throw QueryError("--tz: unknown time zone '\(valid)'") }
            return zone
        }
        if needed.contains(where: { $0.identifier != "UTC" }) {
            let store = try JobStore(path: databasePath)
            for zone in needed { try store.ensureUsage(for: zone) }
        }
        self.catalog = catalog
        self.databasePath = databasePath
        runner = QueryRunner(readOnly: try JobStore.openReadOnly(path: databasePath))
    }

    /// Runs `query` with text parameters checked against its header.
    public func run(_ query: QueryFile, params: [String: String]) throws -> ResultTable {
        try runner.run(query, values: try ParameterBinder.bind(params, to: query))
    }

    /// The latest month with a job counted in it, in `tz`; nil for an empty database.
    public func latestMonth(tz: String) throws -> String? {
        try runner.db.read { db in
            try String.fetchOne(db, sql: "SELECT substr(MAX(day), 1, 7) FROM job_day_usage WHERE tz = ? AND is_home = 1",
                                arguments: [ZoneOffsets.canonicalName(tz)])
        }
    }
}
