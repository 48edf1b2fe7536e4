import ArgumentParser

@main
struct LiveJobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "livejobs",
        abstract: "Keep every MetaStudio livestreaming job in SQLite and report on it.",
        discussion: """
            Import saved API pages (or fetch them), then ask questions with stored SQL queries:

              livejobs import sample-data/*.json
              livejobs report --month 2026-11 --tz Asia/Shanghai
              livejobs compare "美妆直播间" 3f0c9e1a... --month 2026-11
              livejobs query monthly_usage_by_room --param month=2026-11 --format csv > usage.csv

            The database is one SQLite file: --db PATH, else $LIVEJOBS_DB, else ./livejobs.sqlite.
            Exit codes: 0 success, 1 failure (the database, the network or the output: full,
            read-only, not a livejobs database), 3 fetch incomplete, 64 bad flags, 65 bad input
            data or query file, 130 interrupted.
            """,
        subcommands: [ImportCommand.self, FetchCommand.self, QueryCommand.self, ReportCommand.self, CompareCommand.self,
                      ZonesCommand.self]
    )

    /// ArgumentParser's `main()`, with one more check before the command runs: a single-value
    /// option given twice is refused (see `RepeatedOptions`).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        do {
            try RepeatedOptions.check(type(of: command), arguments)
            try command.run()
        } catch {
            type(of: command).exit(withError: error)
        }
    }
}
