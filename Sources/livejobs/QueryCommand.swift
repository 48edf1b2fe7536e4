import ArgumentParser
import Foundation
import LiveJobsReport

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one stored query (or your own .sql file), read-only.",
        discussion: """
            NAME is a file of the queries folder without .sql (see --list), or a path to
            any .sql file with the same header format (docs/QUERIES.md). Parameters are
            bound by name and checked against the header's types; a query that would write
            is refused.

            Examples:
              livejobs query --list
              livejobs query monthly_usage_by_room --param month=2026-11
              livejobs query error_codes --format csv --excel > errors.csv
              livejobs query ./my-query.sql --param month=2026-10 --format json
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("A parameter as NAME=VALUE; repeat for more.", valueName: "name=value"))
    var param: [String] = []

    @Flag(help: "List the stored queries with their parameters.")
    var list = false

    @Argument(help: ArgumentHelp("Query name or path to a .sql file.", valueName: "name|path.sql"))
    var query: String?

    func validate() throws {
        if !list && query == nil { throw ValidationError("name a query (see `livejobs query --list`)") }
        if list && query != nil { throw ValidationError("--list lists the queries; it runs none, so name no query with it") }
        if list && !param.isEmpty { throw ValidationError("--param applies to running a query, not to --list") }
        if list && (output.format != .table || output.excel) {
            throw ValidationError("--format and --excel apply to a query's rows; --list prints the catalog as text")
        }
        _ = try parseParams(param)
    }

    func run() throws {
        try reportingErrors("query") {
            let catalog = try QueryCatalog.locate(explicit: output.queries)
            if list {
                try Output.write(QueryListing.render(catalog))
                return
            }
            let file = try catalog.query(named: query!)
            let params = try parseParams(param)
            // Checked here, so that a refused zone is named as the parameter it came from.
            let zones = try file.parameters.filter { $0.kind == .timezone }.compactMap { p -> String? in
                guard let text = params[p.name] ?? p.defaultValue else { return nil }
                return try ParameterBinder.convert(text, for: p, context: "query '\(file.name)'").storage.value as? String
            }
            let context = try ReportContext(databasePath: common.databasePath, catalog: catalog, zones: zones, scope: scope.scope,
                                            logger: common.logger("livejobs.store"))
            let table = try context.run(file, params: params)
            try output.emit(table, sheet: file.title)
        }
    }
}

/// `query --list`: each query's name, title and parameters.
enum QueryListing {
    static func render(_ catalog: QueryCatalog) -> String {
        var out = "Queries in \(catalog.directory):\n"
        for q in catalog.queries {
            out += "\n  \(q.name) — \(q.title)\n"
            for p in q.parameters {
                let how = p.required ? "required" : (p.defaultValue.map { "default \($0)" } ?? "optional")
                out += "      --param \(p.name)=<\(p.kind.rawValue)>  (\(how)) \(p.summary)\n"
            }
        }
        return out
    }
}
