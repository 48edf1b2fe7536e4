import Foundation
import MetaStudio

/// What a database holds, for `livejobs status`: the rows of three stored queries, run as they
/// are (they take no parameter) through a `ReportContext`, so `--project`/`--region` scope them.
///
/// - `summary` (`status_summary`): one row, the whole database: `jobs`, `projects`, `regions`,
///   `rooms`, `first_month`, `last_month` (`YYYY-MM`, UTC), `months_with_jobs`,
///   `jobs_without_date`, `jobs_without_project`, `flagged_jobs`, `fetches`, `imports`.
/// - `places` (`status_places`): per `project_id` and `region`, jobs, rooms, months and flagged jobs.
/// - `sources` (`data_sources`): per project, region and source (`fetch`, `import`), the last run:
///   when (RFC 3339, UTC), its outcome and jobs, the last complete fetch, a failed run's message.
public struct DatabaseStatus {
    public let summary: ResultTable
    public let places: ResultTable
    public let sources: ResultTable

    /// The query files this needs from the catalog.
    public static let queryNames = (summary: "status_summary", places: "status_places", sources: "data_sources")

    /// Runs the three queries on `context`. Throws `QueryError` when the catalog lacks one of them.
    /// The projects and regions the status covers (`--project`, `--region`).
    public private(set) var scope: ReportScope = .everything

    public init(using context: ReportContext) throws {
        scope = context.scope
        func run(_ name: String) throws -> ResultTable {
            try context.run(try context.catalog.query(named: name), params: [:])
        }
        summary = try run(Self.queryNames.summary)
        places = try run(Self.queryNames.places)
        sources = try run(Self.queryNames.sources)
    }

    /// A whole number of the summary row; 0 when absent or not a number.
    public func count(_ column: String) -> Int64 {
        guard let row = summary.rows.first, let i = summary.columns.firstIndex(of: column),
              case .integer(let n) = row[i] else { return 0 }
        return n
    }

    /// A text of the summary row, terminal-safe; nil when NULL.
    func text(_ column: String) -> String? {
        guard let row = summary.rows.first, let i = summary.columns.firstIndex(of: column),
              case .text(let s) = row[i] else { return nil }
        return SafeText.escaped(s, limit: 80)
    }

    /// The status as text for a terminal: a few lines, then the two tables (`TextTable`, which
    /// escapes what came from the database). `database` is the path as the user gave it.
    public func text(database: String) -> String {
        /// `1 room`, `2 rooms`: the count of `column` with its noun.
        func counted(_ column: String, _ one: String, _ many: String? = nil) -> String {
            let n = count(column)
            return "\(n) " + (n == 1 ? one : many ?? one + "s")
        }
        let name = SafeText.escaped(database)
        var out = "Database: \(name)\n"
        let jobs = count("jobs")
        if !scope.isEverything {
            out += "Only \(scope.description) (--project, --region).\n"
        }
        if jobs == 0 && !scope.isEverything {
            out += "No stored job is of \(scope.description).\n"
        } else if jobs == 0 {
            out += "It holds no jobs: import some (livejobs import FILE...) or fetch them (livejobs fetch).\n"
        } else {
            let undated = count("jobs_without_date")
            out += "Jobs: \(jobs)" + (undated > 0 ? " (\(undated) without a date)" : "")
                + " in \(counted("rooms", "room")), \(counted("projects", "project")), \(counted("regions", "region"))"
                + (count("jobs_without_project") > 0 ? " (\(counted("jobs_without_project", "job")) with no project: imported without --project-id)" : "")
                + "\n"
            if let first = text("first_month"), let last = text("last_month") {
                out += "Months (UTC): \(first) to \(last), \(count("months_with_jobs")) with jobs\n"
            }
            out += "Flagged jobs: \(count("flagged_jobs"))" + (count("flagged_jobs") > 0
                ? " (stored, left out of the figures their unusable values would falsify)" : "") + "\n"
        }
        out += "Runs recorded: \(counted("fetches", "fetch", "fetches")), \(counted("imports", "file import"))\n"
        if !places.rows.isEmpty {
            out += "\nJobs per project and region:\n" + TextTable.render(places)
        }
        if !sources.rows.isEmpty {
            out += "\nLast fetch and imports per project and region:\n" + TextTable.render(sources)
        }
        return out
    }

    /// The status as one JSON object with stable keys: `database` (the path as given), the
    /// summary's columns (numbers as numbers, months as text or null), `places` and `sources`
    /// (arrays of objects keyed by their queries' columns). Terminal-safe, as `JSONRows`.
    public func json(database: String) -> String {
        var fields: [(key: String, value: JSONValue)] = [("database", .string(database))]
        if let row = summary.rows.first {
            fields += zip(summary.columns, row).map { (key: $0, value: JSONRows.json($1)) }
        }
        func rows(_ table: ResultTable) -> JSONValue {
            .array(table.rows.map { row in .object(JSONObject(zip(table.columns, row).map { (key: $0, value: JSONRows.json($1)) })) })
        }
        fields.append(("places", rows(places)))
        fields.append(("sources", rows(sources)))
        return SafeText.jsonForTerminal(JSONValue.object(JSONObject(fields)).serialized()) + "\n"
    }
}
