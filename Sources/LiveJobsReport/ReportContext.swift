import Foundation
import GRDB
import LiveJobsStore
import Logging

/// What a report or query needs: the catalog, a read-only connection and the usage rows of the
/// chosen time zone (computed on first use, which is the only write a report may cause).
public struct ReportContext {
    public let catalog: QueryCatalog
    public let runner: QueryRunner
    public let databasePath: String
    /// The projects and regions every query here sees.
    public let scope: ReportScope

    /// Opens the database at `databasePath` read-only for the queries of `catalog`, first giving it
    /// the per-day usage rows of each of `zones` it lacks (and an older schema's migrations): the
    /// only writes a read command makes, logged to `logger` (`JobStore`'s `.debug` lines). Throws
    /// `StoreError` for a path that holds no livejobs database or one that cannot take those
    /// writes, `QueryError` for a zone that is not an IANA name.
    ///
    /// `scope` restricts every query run through this context to some projects and regions
    /// (`ReportScope`); a project or region with no stored job throws `QueryError`.
    public init(databasePath: String, catalog: QueryCatalog, zones: [String], scope: ReportScope = .everything,
                logger: Logger) throws {
        let file = try DatabaseFile(path: databasePath)
        let contents = try file.inspect()
        guard contents.isLivejobs else { throw file.noDatabase }
        let needed = try zones.map { name -> ZoneOffsets in
            let valid: String
            do { valid = try TimeZoneName.validate(name) } catch { throw QueryError("--tz: \(error)") }
            guard let zone = ZoneOffsets(identifier: valid) else { throw QueryError("--tz: unknown time zone '\(valid)'") }
            return zone
        }
        // The only writes a read command makes: an older schema's migrations, and per-day usage
        // rows of a time zone asked for the first time. Never a new file, never a journal mode
        // change; a read-only database that needs neither is read as it is.
        if contents != .livejobs(current: true) {
            try JobStore(path: databasePath, logger: logger, access: .upkeep).close()
        }
        let readOnly = try JobStore.openReadOnly(path: databasePath)
        let built = try DatabaseProblem.mapping(path: databasePath) {
            try readOnly.read { db in try Set(String.fetchAll(db, sql: "SELECT tz FROM usage_zones")) }
        }
        let missing = needed.filter { !built.contains($0.identifier) }
        if !missing.isEmpty {
            do {
                try file.checkWritable()
            } catch let error as StoreError {
                let names = missing.map(\.identifier).joined(separator: ", ")
                throw StoreError("--tz \(names): \(databasePath) holds no per-day usage rows for this time zone yet and cannot be given them: \(error.description); or use a time zone already built (UTC)")
            }
            let store = try JobStore(path: databasePath, logger: logger, access: .upkeep)
            for zone in missing { try store.ensureUsage(for: zone) }
            // The new rows go into the database file itself, as after an import.
            try store.close()
        }
        try DatabaseProblem.mapping(path: databasePath) {
            try readOnly.inDatabase { db in
                ZoneFunctions.install(db)
                try scope.install(db)
            }
        }
        self.catalog = catalog
        self.databasePath = databasePath
        self.scope = scope
        runner = QueryRunner(readOnly: readOnly)
    }

    /// Runs `query` with text parameters checked against its header. A query that takes a time
    /// zone (a `timezone` parameter) gives its instants in that zone with their offset, and a `tz`
    /// column naming it (`ZonedInstants`).
    public func run(_ query: QueryFile, params: [String: String]) throws -> ResultTable {
        let values = try ParameterBinder.bind(params, to: query)
        let table = try runner.run(query, values: values)
        guard let zone = query.parameters.first(where: { $0.kind == .timezone }),
              let tz = values[zone.name].flatMap({ String.fromDatabaseValue($0) }) else { return table }
        return ZonedInstants.applyInText(ZonedInstants.apply(table, tz: tz), columns: query.zonedTextColumns, tz: tz)
    }

    /// A project and region jobs are stored under (`jobs.project_id`, `jobs.region`; nil: not given on import).
    public struct Place: Sendable, Hashable {
        public var projectId: String?
        public var region: String?
    }

    /// The projects and regions of the stored jobs, fetches and imports in this context's scope,
    /// sorted; jobs from the rollup of `tz`, so a few thousand rows are read, not the jobs.
    public func places(tz: String) throws -> [Place] {
        try runner.db.read { db in try ReportScope.places(db, tz: tz) }
    }

    /// How many jobs are counted in `month` (`YYYY-MM`) in `tz`, in this context's scope: 0 for a
    /// month no stored job started in.
    public func jobsCounted(month: String, tz: String) throws -> Int {
        try runner.db.read { db in
            try Int.fetchOne(db, sql: "SELECT jobs FROM usage_figures WHERE tz = ? AND grain = 'month' AND month = ?",
                             arguments: [ZoneOffsets.canonicalName(tz), month]) ?? 0
        }
    }

    /// The latest month with a job counted in it, in `tz`; nil for an empty database.
    public func latestMonth(tz: String) throws -> String? {
        try runner.db.read { db in
            try String.fetchOne(db, sql: "SELECT substr(MAX(day), 1, 7) FROM job_day_usage WHERE tz = ? AND is_home = 1",
                                arguments: [ZoneOffsets.canonicalName(tz)])
        }
    }
}
