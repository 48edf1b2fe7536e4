import ArgumentParser
import Foundation
import LiveJobsReport

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one stored query (or your own .sql file), read-only.",
        discussion: """
            NAME is a file of the queries folder without .sql (see --list), or a path to any .sql
            file with the same header format (docs/QUERIES.md). Parameters are bound by name and
            checked against the header's types; a query that would write is refused.

            Examples:
              livejobs query --list
              livejobs query monthly_usage_by_room --param month=2026-11 --param tz=Asia/Shanghai
              livejobs query error_codes --format csv --excel > errors.csv
              livejobs query ./my-query.sql --param month=2026-10 --format json
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("A parameter as NAME=VALUE; repeat for more.", valueName: "name=value"))
    var param: [String] = []

    @Flag(help: "List the stored queries with their parameters.")
    var list = false

    @Argument(help: ArgumentHelp("Query name or path to a .sql file.", valueName: "name|path.sql"))
    var query: String?

    func validate() throws {
        if !list && query == nil { throw ValidationError("name a query (see `livejobs query --list`)") }
        _ = try parseParams(param)
    }

    func run() throws {
        try reportingErrors("query") {
            let catalog = try QueryCatalog.locate(explicit: output.queries)
            if list {
                print(QueryListing.render(catalog), terminator: "")
                return
            }
            let file = try catalog.query(named: query!)
            let params = try parseParams(param)
            let zones = file.parameters.filter { $0.kind == .timezone }.compactMap { params[$0.name] ?? $0.defaultValue }
            let context = try ReportContext(databasePath: common.databasePath, catalog: catalog, zones: zones)
            let table = try context.run(file, params: params)
            FileHandle.standardOutput.write(output.render(table))
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
