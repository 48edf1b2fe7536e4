import GRDB
import MetaStudio
import LiveJobsStore

/// Which projects and regions a read command's figures cover (`--project`, `--region`): every
/// stored job when both lists are empty.
///
/// A restricted scope is applied once per connection, below the queries, so that every query (a
/// stored one, the user's own, one written tomorrow) sees only the chosen jobs without a
/// parameter of its own. On the report's read-only connection it creates TEMP views named like the
/// main tables (`jobs`, `usage_rollup`, `sync_runs`, `import_runs`, each table keyed by `job_id`)
/// holding only the chosen rows, and TEMP copies of main's views (`usage_figures`,
/// `job_day_facts`) made from their own SQL text. SQLite resolves an unqualified name in `temp`
/// before `main` (https://sqlite.org/lang_naming.html), and a TEMP view's names are resolved that
/// way too, so `usage_figures` sums only the scoped rollup rows with the very formulas the
/// database holds; nothing is written to the database file. `main.jobs` still names every job.
public struct ReportScope: Sendable, Equatable {
    /// `jobs.project_id` values to keep, `""` for the jobs imported with none (NULL); an empty list:
    /// every project (imported jobs with no project too).
    public var projects: [String]
    /// `jobs.region` values to keep, `""` for none given; an empty list: every region.
    public var regions: [String]

    public init(projects: [String] = [], regions: [String] = []) {
        self.projects = projects
        self.regions = regions
    }

    /// Every stored job.
    public static let everything = ReportScope()

    public var isEverything: Bool { projects.isEmpty && regions.isEmpty }

    /// How the scope reads to a person, for a report's heading: `project 0a1b…, region cn-north-4`.
    public var description: String {
        var parts: [String] = []
        func shown(_ value: String) -> String { value.isEmpty ? "(none given)" : SafeText.escaped(value) }
        if !projects.isEmpty { parts.append((projects.count == 1 ? "project " : "projects ") + projects.map(shown).joined(separator: ", ")) }
        if !regions.isEmpty { parts.append((regions.count == 1 ? "region " : "regions ") + regions.map(shown).joined(separator: ", ")) }
        return parts.isEmpty ? "every project" : parts.joined(separator: "; ")
    }

    /// The tables a scope restricts by their own `project_id` and `region` columns.
    static let placedTables = ["jobs", "usage_rollup", "sync_runs", "import_runs"]

    /// Applies the scope to `db` (a connection used for nothing else). Throws `QueryError` naming
    /// the value when a project or region holds no stored job, with the ones that do.
    func install(_ db: Database) throws {
        guard !isEverything else { return }
        if !projects.isEmpty || !regions.isEmpty {
            let stored = try ReportScope.places(db, tz: "UTC", schema: "main.")
            try check(stored.map(\.projectId), column: "project_id", flag: "--project", wanted: projects)
            try check(stored.map(\.region), column: "region", flag: "--region", wanted: regions)
        }
        let condition = sqlCondition
        let tables = try String.fetchAll(db, sql: "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        for table in tables {
            let columns = try Set(String.fetchAll(db, sql: "SELECT name FROM pragma_table_xinfo(?, 'main')", arguments: [table]))
            if Self.placedTables.contains(table), columns.isSuperset(of: ["project_id", "region"]) {
                try db.execute(sql: "CREATE TEMP VIEW \(table.quotedDatabaseIdentifier) AS SELECT * FROM main.\(table.quotedDatabaseIdentifier) WHERE \(condition)")
            } else if columns.contains("job_id") {
                try db.execute(sql: """
                    CREATE TEMP VIEW \(table.quotedDatabaseIdentifier) AS SELECT * FROM main.\(table.quotedDatabaseIdentifier)
                    WHERE job_id IN (SELECT job_id FROM main.jobs WHERE \(condition))
                    """)
            }
        }
        // main's views, made again in temp from their own text: their names then resolve to the
        // scoped views above. (A view in main always reads main's tables.)
        for view in try Row.fetchAll(db, sql: "SELECT name, sql FROM main.sqlite_schema WHERE type = 'view'") {
            let name: String = view["name"]
            let sql: String = view["sql"]
            guard let body = Self.viewBody(sql) else {
                throw QueryError("the database's view \(name) has SQL livejobs cannot scope: use it without --project/--region")
            }
            try db.execute(sql: "CREATE TEMP VIEW \(name.quotedDatabaseIdentifier) AS \(body)")
        }
    }

    /// The SELECT of a stored `CREATE VIEW name AS select` statement.
    static func viewBody(_ sql: String) -> Substring? {
        guard let range = sql.range(of: #"^\s*CREATE\s+VIEW\s+("[^"]*"|\S+)\s+AS\s"#, options: [.regularExpression, .caseInsensitive]) else {
            return nil
        }
        return sql[range.upperBound...]
    }

    /// The WHERE condition on a table's `project_id` and `region`, values as SQL literals.
    var sqlCondition: String {
        /// `column IN (...)`, or `column IS NULL` for `""` (none given), or both.
        func term(_ column: String, _ values: [String]) -> String {
            var either: [String] = []
            let given = values.filter { !$0.isEmpty }
            if !given.isEmpty { either.append("\(column) IN (\(given.map(\.sqlLiteral).joined(separator: ", ")))") }
            if values.contains("") { either.append("\(column) IS NULL") }
            return "(" + either.joined(separator: " OR ") + ")"
        }
        var terms: [String] = []
        if !projects.isEmpty { terms.append(term("project_id", projects)) }
        if !regions.isEmpty { terms.append(term("region", regions)) }
        return terms.joined(separator: " AND ")
    }

    /// The projects and regions (`project_id`, `region` pairs, sorted) of the stored jobs, fetches
    /// and imports: jobs from the rollup of `tz`, so a few thousand rows are read, not the jobs.
    /// The fetches and imports count too: a project known only from its failed fetch is a project,
    /// and a report naming one project must not show another's fetch as if it were that one's.
    /// `schema` `main.` reads past a scope's views; empty, through them.
    static func places(_ db: Database, tz: String, schema: String = "") throws -> [ReportContext.Place] {
        try Row.fetchAll(db, sql: """
            SELECT project_id, region FROM \(schema)usage_rollup WHERE tz = ?
            UNION SELECT project_id, region FROM \(schema)sync_runs
            UNION SELECT project_id, region FROM \(schema)import_runs
            ORDER BY project_id, region
            """, arguments: [ZoneOffsets.canonicalName(tz)])
            .map { ReportContext.Place(projectId: $0[0], region: $0[1]) }
    }

    /// Throws `QueryError` for a value of `wanted` no stored place has in `column` (`""`: none).
    private func check(_ stored: [String?], column: String, flag: String, wanted: [String]) throws {
        guard !wanted.isEmpty else { return }
        let known = Set(stored.compactMap { $0 })
        // "" is the jobs stored with none.
        let noneKnown = stored.contains(nil)
        for value in wanted where value.isEmpty ? !noneKnown : !known.contains(value) {
            let listed = known.sorted().prefix(10).map { SafeText.escaped($0, limit: 80) }.joined(separator: ", ")
            throw QueryError("\(flag) \(value.isEmpty ? "''" : SafeText.escaped(value, limit: 80)): no stored job, fetch or import has "
                             + (value.isEmpty ? "no \(column) " : "this \(column) ")
                             + (known.isEmpty ? "(none has a \(column); give one on import with --\(column == "region" ? "region" : "project-id"))"
                                              : "(stored: \(listed)\(known.count > 10 ? ", …" : ""))"))
        }
    }
}

extension String {
    /// The text as an SQL string literal: quotes doubled (SQLite's only escape in a literal).
    var sqlLiteral: String { "'" + replacingOccurrences(of: "'", with: "''") + "'" }
}
