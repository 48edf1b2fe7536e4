import ArgumentParser
import Foundation
import LiveJobsReport
import MetaStudio

/// `livejobs status`: what the database holds and how fresh it is, from the stored queries
/// `status_summary`, `status_places` and `data_sources` (`DatabaseStatus`).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say what the database holds: jobs, projects, rooms, months, the last fetches and imports.",
        discussion: """
            Prints the database's jobs (per project and region, with rooms and the first
            and last month with jobs, UTC), its flagged jobs, and per project and region
            the last fetch (when it ended, its outcome, its jobs, its message when it did
            not succeed, the end of the last complete one) and the files imported. Reads
            only, as `query` does.

            Examples:
              livejobs status
              livejobs status --json
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var scope: ScopeOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Folder of stored queries (default: $LIVEJOBS_QUERIES, ./queries, or the installed set).", valueName: "dir"),
            transform: userPath)
    var queries: String?

    func run() throws {
        try reportingErrors("status") {
            let catalog = try QueryCatalog.locate(explicit: queries)
            let context = try ReportContext(databasePath: common.databasePath, catalog: catalog, zones: [], scope: scope.scope,
                                            logger: common.logger("livejobs.store"))
            let status = try DatabaseStatus(using: context)
            try Output.write(json ? status.json(database: common.databasePath) : status.text(database: common.databasePath))
        }
    }
}
