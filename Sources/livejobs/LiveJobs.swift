import ArgumentParser
import Foundation
import MetaStudio

@main
struct LiveJobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "livejobs",
        abstract: "Keep every MetaStudio livestreaming job in SQLite and report on it.",
        discussion: """
            Import saved API pages (or fetch them), then ask questions with stored SQL
            queries:

              livejobs import sample-data/*.json
              livejobs report --month 2026-11 --tz Asia/Shanghai
              livejobs compare "美妆直播间" "Demo Room 1" --month 2026-11
              livejobs query monthly_usage_by_room --param month=2026-11 --format csv
              livejobs status

            The database is one SQLite file: --db PATH, else $LIVEJOBS_DB, else
            ./livejobs.sqlite.

            Exit codes: 0 success, 1 failure (the database, the network or the output:
            full, read-only, not a livejobs database), 3 fetch incomplete, 64 bad flags,
            65 bad input data or query file, 130 interrupted, 141 the reader of the
            output went away (| head).
            """,
        subcommands: [ImportCommand.self, FetchCommand.self, QueryCommand.self, ReportCommand.self, CompareCommand.self,
                      ZonesCommand.self, StatusCommand.self]
    )

    /// ArgumentParser's `main()`, with two differences: a single-value option given twice is
    /// refused (`RepeatedOptions`), and a bad flag is one line on stderr, like every other error,
    /// instead of ArgumentParser's error, usage and hint lines. `--help` prints help as usual.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exitOnOneLine(LiveJobs.self, error, arguments)
        }
        do {
            try RepeatedOptions.check(type(of: command), arguments)
            try command.run()
        } catch {
            exitOnOneLine(type(of: command), error, arguments)
        }
    }

    /// Ends the process for `error`: help and `ExitCode`s as ArgumentParser ends them; any other
    /// error as one line `livejobs COMMAND: error: ...` with its exit code (64 for bad flags).
    private static func exitOnOneLine(_ type: ParsableCommand.Type, _ error: Error, _ arguments: [String]) -> Never {
        let code = type.exitCode(for: error)
        if code == .success, !(error is ExitCode) {
            // Help and --version go to standard output like any other output: a full disk is one
            // error line and exit 1, a reader that went away ends the process quietly.
            do {
                try Output.line(type.fullMessage(for: error))
            } catch {
                Output.error("livejobs: error: \(error)\n")
                Foundation.exit(1)
            }
            Foundation.exit(0)
        }
        if error is ExitCode || type.fullMessage(for: error).isEmpty {
            type.exit(withError: error)
        }
        let names = LiveJobs.configuration.subcommands.compactMap { $0.configuration.commandName }
        let sub = type != LiveJobs.self ? type.configuration.commandName : arguments.first.flatMap { names.contains($0) ? $0 : nil }
        let name = sub.map { "livejobs \($0)" } ?? "livejobs"
        Output.error("\(name): error: \(SafeText.line(type.message(for: error))) (see \(name) --help)\n")
        Foundation.exit(code.rawValue)
    }
}
